-- =============================================================================================
-- U16  Undo V16 (the audit trail keeps the whole statement text again)
--
-- Drops no data: audit rows written with a shortened text keep it. Puts back V14's
-- public.audit_row_change(), declaration, body and comment byte for byte.
-- =============================================================================================

set local lock_timeout = '10s';

-- V14's audit_row_change, byte for byte
create or replace function public.audit_row_change()
  returns trigger
  language plpgsql
  security definer
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_role text := coalesce(nullif(pg_catalog.current_setting('role', true), 'none'), session_user);
  v_user uuid := public.auth_user_id();
  v_row  jsonb;
  v_old  jsonb;
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
    ('WRITE', tg_op, tg_table_schema, tg_table_name,
     v_role,
     session_user,
     v_user,
     case when tg_table_name = 'organizations' then (v_row ->> 'id')::uuid
          else (v_row ->> 'org_id')::uuid end,
     public.auth_org_id(),
     pg_catalog.current_query(),
     v_row,
     v_old);
  return null;
end;
$$;
comment on function public.audit_row_change() is
  'AFTER row trigger on tenant tables: appends the change (end user, organization, operation, row data, statement) to audit_logs; refuses (42501) a write as authenticated with no user in the claims.';
