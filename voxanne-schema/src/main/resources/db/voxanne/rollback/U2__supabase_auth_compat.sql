-- =============================================================================================
-- U2  Undo V2 (auth shim, extensions schema, API-role privileges on V1's tables)
--
-- Drops ONLY objects carrying V2's mark (COMMENT 'voxanne auth shim...' / 'voxanne extensions
-- schema...'): on Supabase (auth provided by the platform) nothing in auth is touched.
-- Never drops roles: they are cluster-wide and may be used by other databases.
-- Refuses (SQLSTATE VX001) when the shim's auth.users holds rows, unless the transaction-local
-- setting voxanne.rollback_force = 'on'.
-- =============================================================================================

do $$
declare
  v_users oid;
  v_n     bigint;
begin
  select c.oid into v_users
    from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
   where n.nspname = 'auth' and c.relname = 'users'
     and coalesce(pg_catalog.obj_description(c.oid, 'pg_class'), '') like 'voxanne auth shim%';
  if v_users is null then
    return;
  end if;
  if coalesce(pg_catalog.current_setting('voxanne.rollback_force', true), '') = 'on' then
    raise notice 'voxanne U2: forced (voxanne.rollback_force = on)';
    return;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles r
                  where r.rolname = current_user and (r.rolsuper or r.rolbypassrls)) then
    raise exception 'voxanne rollbacks must run as a role that bypasses row-level security (superuser or BYPASSRLS); % does not', current_user
      using errcode = '42501';
  end if;
  execute 'select count(*) from auth.users' into v_n;
  if v_n > 0 then
    raise exception 'rollback of V2 would delete % rows of auth.users', v_n
      using errcode = 'VX001',
            hint = 'Force with set_config(''voxanne.rollback_force'', ''on'', true).';
  end if;
end $$;

-- API-role privileges and policies on V1's tables
do $$
begin
  if to_regclass('public.calls') is not null then
    drop policy if exists calls_service_role_all on public.calls;
    revoke all on table public.calls from service_role;
  end if;
  if to_regclass('public.call_logs') is not null then
    drop policy if exists call_logs_service_role_all on public.call_logs;
    revoke all on table public.call_logs from service_role;
  end if;
  if to_regclass('public.processed_webhook_events') is not null then
    drop policy if exists processed_webhook_events_service_role_all on public.processed_webhook_events;
    revoke all on table public.processed_webhook_events from service_role;
  end if;
  if to_regclass('public.voxanne_migration_report') is not null then
    drop policy if exists voxanne_migration_report_service_role_select on public.voxanne_migration_report;
    revoke all on table public.voxanne_migration_report from service_role;
  end if;
end $$;

-- the auth shim: marked objects only
do $$
declare
  r record;
begin
  for r in
    select p.oid::regprocedure as fn
      from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
     where n.nspname = 'auth'
       and coalesce(pg_catalog.obj_description(p.oid, 'pg_proc'), '') like 'voxanne auth shim%'
  loop
    execute format('drop function %s', r.fn);
  end loop;

  if exists (select 1 from pg_catalog.pg_class c join pg_catalog.pg_namespace n on n.oid = c.relnamespace
              where n.nspname = 'auth' and c.relname = 'users'
                and coalesce(pg_catalog.obj_description(c.oid, 'pg_class'), '') like 'voxanne auth shim%') then
    drop table auth.users;
  end if;

  if exists (select 1 from pg_catalog.pg_namespace n
              where n.nspname = 'auth'
                and coalesce(pg_catalog.obj_description(n.oid, 'pg_namespace'), '') like 'voxanne auth shim%') then
    begin
      drop schema auth;            -- RESTRICT: kept if anything else lives there
    exception when dependent_objects_still_exist then
      raise notice 'voxanne U2: schema auth holds other objects; left in place';
    end;
  end if;

  if exists (select 1 from pg_catalog.pg_namespace n
              where n.nspname = 'extensions'
                and coalesce(pg_catalog.obj_description(n.oid, 'pg_namespace'), '') like 'voxanne extensions schema%') then
    begin
      drop schema extensions;      -- RESTRICT: kept while an extension lives there
    exception when dependent_objects_still_exist then
      raise notice 'voxanne U2: schema extensions is not empty; left in place';
    end;
  end if;
end $$;
