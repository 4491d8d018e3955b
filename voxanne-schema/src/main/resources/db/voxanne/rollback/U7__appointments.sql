-- =============================================================================================
-- U7  Undo V7 (appointments)
--
-- Refuses (SQLSTATE VX001) when public.appointments holds rows, unless the transaction-local
-- setting voxanne.rollback_force = 'on'. Drops btree_gist only if V7 created it
-- (voxanne_migration_report: V7, extension_created:btree_gist) and nothing else uses it.
-- =============================================================================================

do $$
declare
  v_n bigint;
begin
  if coalesce(pg_catalog.current_setting('voxanne.rollback_force', true), '') = 'on' then
    raise notice 'voxanne U7: forced (voxanne.rollback_force = on)';
    return;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles r
                  where r.rolname = current_user and (r.rolsuper or r.rolbypassrls)) then
    raise exception 'voxanne rollbacks must run as a role that bypasses row-level security (superuser or BYPASSRLS); % does not', current_user
      using errcode = '42501';
  end if;
  if to_regclass('public.appointments') is not null then
    execute 'select count(*) from public.appointments' into v_n;
    if v_n > 0 then
      raise exception 'rollback of V7 would delete % rows of public.appointments', v_n
        using errcode = 'VX001',
              hint = 'Force with set_config(''voxanne.rollback_force'', ''on'', true).';
    end if;
  end if;
end $$;

drop table if exists public.appointments;
drop function if exists public.appointment_time_range(timestamptz, integer);
drop type if exists public.appointment_status;

do $$
begin
  if exists (select 1 from public.voxanne_migration_report
              where migration = 'V7' and item = 'extension_created:btree_gist') then
    begin
      drop extension if exists btree_gist;
    exception when dependent_objects_still_exist then
      raise notice 'voxanne U7: btree_gist is used by other objects; left installed';
    end;
  end if;
  delete from public.voxanne_migration_report where migration = 'V7';
end $$;
