-- =============================================================================================
-- U3  Undo V3 (organizations, organization_status, set_updated_at())
--
-- Refuses (SQLSTATE VX001) when public.organizations holds rows other than the default
-- organization 00000000-0000-0000-0000-000000000001 (placeholder organizations of legacy
-- org_ids count), unless the transaction-local setting voxanne.rollback_force = 'on'.
-- =============================================================================================

do $$
declare
  v_n bigint;
begin
  if coalesce(pg_catalog.current_setting('voxanne.rollback_force', true), '') = 'on' then
    raise notice 'voxanne U3: forced (voxanne.rollback_force = on)';
    return;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles r
                  where r.rolname = current_user and (r.rolsuper or r.rolbypassrls)) then
    raise exception 'voxanne rollbacks must run as a role that bypasses row-level security (superuser or BYPASSRLS); % does not', current_user
      using errcode = '42501';
  end if;
  if to_regclass('public.organizations') is not null then
    execute $q$select count(*) from public.organizations
                where id <> '00000000-0000-0000-0000-000000000001'$q$ into v_n;
    if v_n > 0 then
      raise exception 'rollback of V3 would delete % rows of public.organizations', v_n
        using errcode = 'VX001',
              hint = 'Force with set_config(''voxanne.rollback_force'', ''on'', true).';
    end if;
  end if;
end $$;

drop table if exists public.organizations;
drop type if exists public.organization_status;
drop function if exists public.set_updated_at();
delete from public.voxanne_migration_report where migration = 'V3';
