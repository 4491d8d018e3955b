-- =============================================================================================
-- U8  Undo V8 (notifications)
--
-- Refuses (SQLSTATE VX001) when public.notifications holds rows, unless the transaction-local
-- setting voxanne.rollback_force = 'on'.
-- =============================================================================================

do $$
declare
  v_n bigint;
begin
  if coalesce(pg_catalog.current_setting('voxanne.rollback_force', true), '') = 'on' then
    raise notice 'voxanne U8: forced (voxanne.rollback_force = on)';
    return;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles r
                  where r.rolname = current_user and (r.rolsuper or r.rolbypassrls)) then
    raise exception 'voxanne rollbacks must run as a role that bypasses row-level security (superuser or BYPASSRLS); % does not', current_user
      using errcode = '42501';
  end if;
  if to_regclass('public.notifications') is not null then
    execute 'select count(*) from public.notifications' into v_n;
    if v_n > 0 then
      raise exception 'rollback of V8 would delete % rows of public.notifications', v_n
        using errcode = 'VX001',
              hint = 'Force with set_config(''voxanne.rollback_force'', ''on'', true).';
    end if;
  end if;
end $$;

drop function if exists public.expire_old_notifications();
drop function if exists public.create_notification(uuid, uuid, public.notification_type, text, text, uuid, text,
                                                   public.notification_priority, text, jsonb, timestamptz);
drop table if exists public.notifications;
drop function if exists public.notifications_notify();
drop function if exists public.notifications_check_user_org();
drop type if exists public.notification_priority;
drop type if exists public.notification_status;
drop type if exists public.notification_type;
