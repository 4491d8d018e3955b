-- =============================================================================================
-- U10  Undo V10 (audit logging)
--
-- Refuses (SQLSTATE VX001) when public.audit_logs holds rows, unless the transaction-local
-- setting voxanne.rollback_force = 'on'. Drops the audit triggers, functions and table, and
-- pgaudit only if V10 created it (voxanne_migration_report: V10, extension_created:pgaudit).
-- =============================================================================================

do $$
declare
  v_n bigint;
begin
  if coalesce(pg_catalog.current_setting('voxanne.rollback_force', true), '') = 'on' then
    raise notice 'voxanne U10: forced (voxanne.rollback_force = on)';
    return;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles r
                  where r.rolname = current_user and (r.rolsuper or r.rolbypassrls)) then
    raise exception 'voxanne rollbacks must run as a role that bypasses row-level security (superuser or BYPASSRLS); % does not', current_user
      using errcode = '42501';
  end if;
  if to_regclass('public.audit_logs') is not null then
    execute 'select count(*) from public.audit_logs' into v_n;
    if v_n > 0 then
      raise exception 'rollback of V10 would delete % rows of public.audit_logs', v_n
        using errcode = 'VX001',
              hint = 'Export them first, or force with set_config(''voxanne.rollback_force'', ''on'', true).';
    end if;
  end if;
end $$;

do $$
declare
  t text;
begin
  foreach t in array array['organizations', 'contacts', 'appointments', 'notifications', 'processed_webhook_events'] loop
    if to_regclass('public.' || t) is not null then
      execute format('drop trigger if exists %I on public.%I', 'audit_row_change_' || t, t);
    end if;
  end loop;
end $$;

drop function if exists public.archive_old_audit_logs(integer, bigint);
drop function if exists public.detect_suspicious_activity(uuid, interval, integer);
drop function if exists public.get_org_audit_logs(uuid, timestamptz, timestamptz, integer);
drop function if exists public.log_audit_event(uuid, text, text, text, jsonb, text);
drop function if exists public.audit_row_change();
drop table if exists public.audit_logs;
drop function if exists public.audit_logs_append_only();

do $$
begin
  if to_regclass('public.voxanne_migration_report') is not null then
    if exists (select 1 from public.voxanne_migration_report
                where migration = 'V10' and item = 'extension_created:pgaudit') then
      drop extension if exists pgaudit;
    end if;
    delete from public.voxanne_migration_report where migration = 'V10';
  end if;
end $$;
