-- =============================================================================================
-- U6  Undo V6 (contacts)
--
-- Refuses (SQLSTATE VX001) when public.contacts holds rows, unless the transaction-local
-- setting voxanne.rollback_force = 'on'. Drops btree_gin / pg_trgm only if V6 created them
-- (voxanne_migration_report: V6, extension_created:<name>) and nothing else uses them.
-- =============================================================================================

do $$
declare
  v_n bigint;
begin
  if coalesce(pg_catalog.current_setting('voxanne.rollback_force', true), '') = 'on' then
    raise notice 'voxanne U6: forced (voxanne.rollback_force = on)';
    return;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles r
                  where r.rolname = current_user and (r.rolsuper or r.rolbypassrls)) then
    raise exception 'voxanne rollbacks must run as a role that bypasses row-level security (superuser or BYPASSRLS); % does not', current_user
      using errcode = '42501';
  end if;
  if to_regclass('public.contacts') is not null then
    execute 'select count(*) from public.contacts' into v_n;
    if v_n > 0 then
      raise exception 'rollback of V6 would delete % rows of public.contacts', v_n
        using errcode = 'VX001',
              hint = 'Force with set_config(''voxanne.rollback_force'', ''on'', true).';
    end if;
  end if;
end $$;

drop table if exists public.contacts;
drop type if exists public.lead_status_type;
drop type if exists public.lead_score_type;

do $$
declare
  v_ext text;
begin
  foreach v_ext in array array['pg_trgm', 'btree_gin'] loop
    if exists (select 1 from public.voxanne_migration_report
                where migration = 'V6' and item = 'extension_created:' || v_ext) then
      begin
        execute format('drop extension if exists %I', v_ext);
      exception when dependent_objects_still_exist then
        raise notice 'voxanne U6: % is used by other objects; left installed', v_ext;
      end;
    end if;
  end loop;
  delete from public.voxanne_migration_report where migration = 'V6';
end $$;
