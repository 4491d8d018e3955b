-- =============================================================================================
-- U15  Undo V15 (create_notification without a caller-chosen id)
--
-- Drops no data: no refusal check (notifications created with a chosen id stay, as any others).
-- Drops V15's function and creates V14's again, declaration, body and comment byte for byte, with
-- V8's grants: EXECUTE for authenticated and service_role only.
-- =============================================================================================

set local lock_timeout = '10s';

drop function if exists public.create_notification(uuid, uuid, public.notification_type, text, text, uuid, text,
                                                   public.notification_priority, text, jsonb, timestamptz, uuid);

-- V14's create_notification, byte for byte
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
  p_expires_at          timestamptz                  default null
)
  returns uuid
  language plpgsql
  security definer
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_status public.organization_status;
  v_id     uuid;
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
  --    checked (42501, 23503) by the trigger user_in_org_notifications, which guards every insert.
  begin
    insert into public.notifications
      (org_id, user_id, type, title, message, related_entity_id, related_entity_type,
       priority, action_url, channels, expires_at)
    values
      (p_org_id, p_user_id, p_type, p_title, p_message, p_related_entity_id, p_related_entity_type,
       coalesce(p_priority, 'normal'), p_action_url, p_channels,
       coalesce(p_expires_at, pg_catalog.now() + interval '30 days'))
    returning id into v_id;
  exception
    when check_violation or not_null_violation then   -- title, message, channels, entity type, action_url
      raise exception 'create_notification: invalid input: %', sqlerrm using errcode = '22023';
  end;

  return v_id;
end;
$$;
comment on function public.create_notification(uuid, uuid, public.notification_type, text, text, uuid, text,
                                               public.notification_priority, text, jsonb, timestamptz) is
  'Creates a notification. Caller: service_role, or an authenticated user of p_org_id. Org must be active, user and related contact/appointment must belong to it. 42501 refused, 22023 invalid input, 23503 related entity not the organization''s.';

revoke all on function public.create_notification(uuid, uuid, public.notification_type, text, text, uuid, text,
                                                  public.notification_priority, text, jsonb, timestamptz)
  from public, anon;
grant execute on function public.create_notification(uuid, uuid, public.notification_type, text, text, uuid, text,
                                                     public.notification_priority, text, jsonb, timestamptz)
  to authenticated, service_role;
