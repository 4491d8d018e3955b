-- =============================================================================================
-- V15  A caller-chosen id for create_notification, so that a create is safe to retry
--
-- * public.create_notification(...) takes a trailing p_id uuid default null. Null: the notification
--   gets a random id, as before. Given: the notification is created with that id unless a
--   notification with that id exists. Then, if it is a notification of p_org_id for p_user_id, the
--   call returns p_id and changes nothing (the earlier attempt's row as it is, whatever this call's
--   other arguments; no second pg_notify, no second audit row: ON CONFLICT DO NOTHING fires no
--   AFTER INSERT row trigger for the row it skips). Any other notification with that id is refused
--   like a colliding random id: 23505 on notifications_pkey, the same error whatever that row is,
--   with nothing about it.
-- * Every check of V14 runs first, for a retry too: input, caller (the service, or an authenticated
--   user of p_org_id), organization active, and, in the BEFORE INSERT trigger user_in_org_notifications
--   (which fires for a proposed row before its conflict is known), the user and the related entity.
-- * The signature changes, so the function is dropped and created again, with V14's properties
--   (SECURITY DEFINER, search_path = pg_catalog, pg_temp, owner) and V8's grants: EXECUTE for
--   authenticated and service_role only. A call that does not name p_id is the same call as before.
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

drop function if exists public.create_notification(uuid, uuid, public.notification_type, text, text, uuid, text,
                                                   public.notification_priority, text, jsonb, timestamptz);

create or replace function public.create_notification(
  p_org_id              uuid,
  p_user_id             uuid,
  p_type                public.notification_type,
  p_title               text,
  p_message             text,
  p_related_entity_id   uuid                         default null,
  p_related_entity_type text                         default null,
  p_priority            public.notification_priority default 'normal',
  p_action_url          text                         default null,
  p_channels            jsonb                        default '["in_app"]'::jsonb,
  p_expires_at          timestamptz                  default null,
  p_id                  uuid                         default null
)
  returns uuid
  language plpgsql
  security definer
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_status  public.organization_status;
  v_id      uuid;
  v_org_id  uuid;
  v_user_id uuid;
begin
  -- 1. input the table cannot check (22023); the table's CHECK constraints are mapped below
  if p_org_id is null or p_user_id is null or p_type is null or p_title is null or p_message is null then
    raise exception 'create_notification: p_org_id, p_user_id, p_type, p_title and p_message are required'
      using errcode = '22023';
  end if;
  if p_expires_at is not null and p_expires_at <= pg_catalog.now() then
    raise exception 'create_notification: p_expires_at must be in the future' using errcode = '22023';
  end if;

  -- 2. caller (42501): the service, or an authenticated user of that organization
  if not public.is_service_role_caller() then
    if public.auth_user_id() is null then
      raise exception 'create_notification: not authenticated' using errcode = '42501';
    end if;
    if public.auth_org_id() is distinct from p_org_id then
      raise exception 'create_notification: a user may only notify within its own organization'
        using errcode = '42501';
    end if;
  end if;

  -- 3. organization exists and is active (42501)
  select o.status into v_status from public.organizations o where o.id = p_org_id;
  if not found then
    raise exception 'create_notification: organization % does not exist', p_org_id using errcode = '42501';
  end if;
  if v_status <> 'active' then
    raise exception 'create_notification: organization % is not active (%)', p_org_id, v_status
      using errcode = '42501';
  end if;

  -- 4. the target user and the related contact or appointment must belong to the organization:
  --    checked (42501, 23503) by the trigger user_in_org_notifications, which guards every insert
  --    (BEFORE INSERT: it fires for a row ON CONFLICT then skips, so a retry is checked too).
  loop
    begin
      if p_id is null then
        insert into public.notifications
          (org_id, user_id, type, title, message, related_entity_id, related_entity_type,
           priority, action_url, channels, expires_at)
        values
          (p_org_id, p_user_id, p_type, p_title, p_message, p_related_entity_id, p_related_entity_type,
           coalesce(p_priority, 'normal'), p_action_url, p_channels,
           coalesce(p_expires_at, pg_catalog.now() + interval '30 days'))
        returning id into v_id;
      else
        insert into public.notifications
          (id, org_id, user_id, type, title, message, related_entity_id, related_entity_type,
           priority, action_url, channels, expires_at)
        values
          (p_id, p_org_id, p_user_id, p_type, p_title, p_message, p_related_entity_id, p_related_entity_type,
           coalesce(p_priority, 'normal'), p_action_url, p_channels,
           coalesce(p_expires_at, pg_catalog.now() + interval '30 days'))
        on conflict (id) do nothing
        returning id into v_id;
      end if;
    exception
      when check_violation or not_null_violation then   -- title, message, channels, entity type, action_url
        raise exception 'create_notification: invalid input: %', sqlerrm using errcode = '22023';
    end;
    if v_id is not null then
      return v_id;
    end if;

    -- 5. p_id is taken. Read as the owner (not under the caller's row-level security), in a snapshot
    --    of its own, so a concurrent create that made the conflict is seen once it has committed.
    select n.org_id, n.user_id into v_org_id, v_user_id from public.notifications n where n.id = p_id;
    if found then
      if v_org_id = p_org_id and v_user_id = p_user_id then
        return p_id;   -- an earlier attempt's notification, as it is
      end if;
      -- anything else is reported as a colliding random id would be, and names nothing of that row
      raise exception 'duplicate key value violates unique constraint "notifications_pkey"'
        using errcode = '23505', constraint = 'notifications_pkey', table = 'notifications', schema = 'public';
    end if;
    -- deleted since the conflict: insert again
  end loop;
end;
$$;
comment on function public.create_notification(uuid, uuid, public.notification_type, text, text, uuid, text,
                                               public.notification_priority, text, jsonb, timestamptz, uuid) is
  'Creates a notification. Caller: service_role, or an authenticated user of p_org_id. Org must be active, user and related contact/appointment must belong to it. 42501 refused, 22023 invalid input, 23503 related entity not the organization''s. p_id: a caller-chosen id; an existing notification with it of the same organization and user is returned unchanged, any other is 23505 on notifications_pkey.';

revoke all on function public.create_notification(uuid, uuid, public.notification_type, text, text, uuid, text,
                                                  public.notification_priority, text, jsonb, timestamptz, uuid)
  from public, anon;
grant execute on function public.create_notification(uuid, uuid, public.notification_type, text, text, uuid, text,
                                                     public.notification_priority, text, jsonb, timestamptz, uuid)
  to authenticated, service_role;
