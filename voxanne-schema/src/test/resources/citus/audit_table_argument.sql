-- Test scaffolding for the Citus tests while the migrations' audit trigger names its table by
-- tg_table_name: on a worker that is the shard's name (contacts_102010), so organizations' audit rows
-- lose their org_id and every row's table_name is the shard's (docs/citus.md, fact 2). Where the audit
-- triggers already pass the table's name as their argument, this changes nothing; otherwise it gives
-- audit_row_change the argument and recreates the row triggers with it. Run before distributing.
do $shim$
declare
  v_table text;
begin
  if not exists (select 1 from pg_catalog.pg_trigger t join pg_catalog.pg_proc p on p.oid = t.tgfoid
                  where p.proname = 'audit_row_change' and t.tgnargs = 0 and not t.tgisinternal) then
    return;
  end if;
  execute $fn$
create or replace function public.audit_row_change()
  returns trigger
  language plpgsql
  security definer
  set search_path = pg_catalog, pg_temp
as $body$
declare
  v_role text := coalesce(nullif(pg_catalog.current_setting('role', true), 'none'), session_user);
  v_user uuid := public.auth_user_id();
  v_row  jsonb;
  v_old  jsonb;
  -- On a Citus worker the trigger fires on a shard (contacts_102010): the logical name comes from the
  -- trigger's argument.
  v_table text := coalesce(tg_argv[0], tg_table_name);
begin
  -- current_user is the function owner here; the caller's role is the 'role' setting. A caller with
  -- authenticated's rights is subject to its policies (not superuser, not BYPASSRLS); nested IFs
  -- so the catalog is read only for a write without a user.
  if v_user is null then
    if pg_catalog.pg_has_role(v_role::pg_catalog.name, 'authenticated', 'USAGE')
       and not exists (select 1 from pg_catalog.pg_roles r
                        where r.rolname = v_role and (r.rolsuper or r.rolbypassrls)) then
      raise exception 'a write as authenticated needs the acting user (the sub claim) for the audit trail'
        using errcode = '42501';
    end if;
  end if;

  if tg_op = 'DELETE' then
    v_row := pg_catalog.to_jsonb(old);
  else
    v_row := pg_catalog.to_jsonb(new);
  end if;
  if tg_op = 'UPDATE' then
    v_old := pg_catalog.to_jsonb(old);
  end if;

  insert into public.audit_logs
    (event_type, operation, schema_name, table_name, database_user, session_user_name,
     authenticated_user, org_id, claims_org_id, statement_text, row_data, old_data)
  values
    ('WRITE', tg_op, tg_table_schema, v_table,
     v_role,
     session_user,
     v_user,
     case when v_table = 'organizations' then (v_row ->> 'id')::uuid
          else (v_row ->> 'org_id')::uuid end,
     public.auth_org_id(),
     -- bounded: a multi-row statement repeated on each of its rows would cost O(rows x length)
     pg_catalog.left(pg_catalog.current_query(), 2048),
     v_row,
     v_old);
  return null;
end;
$body$;
$fn$;
  foreach v_table in array array['organizations', 'contacts', 'appointments', 'notifications', 'processed_webhook_events'] loop
    execute pg_catalog.format('create or replace trigger %I after insert or update or delete on public.%I'
      ' for each row execute function public.audit_row_change(%L)', 'audit_row_change_' || v_table, v_table, v_table);
  end loop;
end
$shim$;
