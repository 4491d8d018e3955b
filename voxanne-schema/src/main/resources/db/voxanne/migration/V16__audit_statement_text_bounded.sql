-- =============================================================================================
-- V16  The audit trail keeps the first 2,048 characters of a statement's text
--
-- * public.audit_row_change() wrote the whole statement text (current_query()) into every audit row
--   the statement caused. A multi-row INSERT is long (its text grows with its rows: 1,000 contacts are
--   about 100 KB of placeholders) and writes one audit row per row, so its audit cost grew with the
--   square of its size: a 1,000-row import spent seconds compressing the same text 1,000 times. The
--   trail now keeps the first 2,048 characters of the text, which name the statement; its values are
--   in row_data (and, for the DAO's statements, never in the text: they are bind parameters).
-- * Nothing else changes: the function is V14's, with that one expression (SECURITY DEFINER,
--   search_path = pg_catalog, pg_temp, owner, grants and comment kept).
-- =============================================================================================

-- On a live database, fail fast rather than queue behind a long transaction while holding up every
-- query behind this migration's locks. Transaction-local: it ends with the migration.
set local lock_timeout = '10s';

do $$
begin
  if not exists (select 1 from pg_catalog.pg_roles r
                  where r.rolname = current_user and (r.rolsuper or r.rolbypassrls)) then
    raise exception 'voxanne migrations must run as a role that bypasses row-level security (superuser or BYPASSRLS); % does not', current_user
      using errcode = '42501';
  end if;
end $$;

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
     -- bounded: a multi-row statement repeated on each of its rows would cost O(rows x length)
     pg_catalog.left(pg_catalog.current_query(), 2048),
     v_row,
     v_old);
  return null;
end;
$$;
comment on function public.audit_row_change() is
  'AFTER row trigger on tenant tables: appends the change (end user, organization, operation, row data, statement) to audit_logs; refuses (42501) a write as authenticated with no user in the claims.';
