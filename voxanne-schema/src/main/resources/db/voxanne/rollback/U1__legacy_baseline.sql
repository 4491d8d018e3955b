-- =============================================================================================
-- U1  Undo V1 (legacy baseline, migration report)
--
-- Drops only the legacy tables V1 created (marked 'voxanne V1 legacy baseline'); a table that
-- existed before V1 (baselined production database) is left in place. Drops the migration report.
-- Refuses (SQLSTATE VX001) when a table it would drop holds rows (the report excepted), unless
-- the transaction-local setting voxanne.rollback_force = 'on'.
-- =============================================================================================

do $$
declare
  t   text;
  v_n bigint;
begin
  if coalesce(pg_catalog.current_setting('voxanne.rollback_force', true), '') = 'on' then
    raise notice 'voxanne U1: forced (voxanne.rollback_force = on)';
    return;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles r
                  where r.rolname = current_user and (r.rolsuper or r.rolbypassrls)) then
    raise exception 'voxanne rollbacks must run as a role that bypasses row-level security (superuser or BYPASSRLS); % does not', current_user
      using errcode = '42501';
  end if;
  foreach t in array array['processed_webhook_events', 'call_logs', 'calls'] loop
    if coalesce(pg_catalog.obj_description(to_regclass('public.' || t), 'pg_class'), '') like 'voxanne V1 legacy baseline%' then
      execute format('select count(*) from public.%I', t) into v_n;
      if v_n > 0 then
        raise exception 'rollback of V1 would delete % rows of public.%', v_n, t
          using errcode = 'VX001',
                hint = 'Force with set_config(''voxanne.rollback_force'', ''on'', true).';
      end if;
    end if;
  end loop;
end $$;

do $$
declare
  t text;
begin
  foreach t in array array['processed_webhook_events', 'call_logs', 'calls'] loop
    if coalesce(pg_catalog.obj_description(to_regclass('public.' || t), 'pg_class'), '') like 'voxanne V1 legacy baseline%' then
      execute format('drop table public.%I', t);
    elsif to_regclass('public.' || t) is not null then
      raise notice 'voxanne U1: public.% existed before V1; left in place', t;
    end if;
  end loop;
end $$;

drop table if exists public.voxanne_migration_report;
