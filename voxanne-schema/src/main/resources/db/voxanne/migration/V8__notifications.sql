-- =============================================================================================
-- V8  Notifications: per user, per organization
--
-- Tenant table (see V6 for the pattern). Specifics:
-- * user_id -> auth.users (id) on delete cascade. The user must belong to the notification's
--   organization (auth.users.raw_app_meta_data ->> 'org_id'): checked by trigger
--   user_in_org_notifications on every insert and on any change of user_id (SQLSTATE 42501).
-- * RLS: an authenticated user SELECTs only rows with user_id = (select auth.uid()) AND
--   org_id = (select public.auth_org_id()); may UPDATE only status and read_at (column grants)
--   of those rows; no INSERT / DELETE. service_role: everything.
-- * public.create_notification(...) returns uuid: SECURITY DEFINER; the caller is the service
--   (public.is_service_role_caller()) or an authenticated user whose claims org is p_org_id; the
--   organization must exist and be active; the target user must belong to it.
--   Refusals: SQLSTATE 42501. Invalid input: 22023.
-- * public.expire_old_notifications() returns integer: archives unread/read notifications whose
--   expires_at has passed; service only (42501 otherwise).
-- * pg_notify on channel 'voxanne_notifications' after insert and after a status change, payload
--   {"id", "org_id", "user_id", "op"} only: never title, message or patient data. LISTEN needs no
--   privilege, so whoever can connect to the database can see these ids.
--
-- Index notes (the brief's names are kept; all led by org_id; deviations):
--   idx_notifications_user_unread    brief: (user_id, status) WHERE unread -> (org_id, user_id,
--                                    created_at desc, id desc) WHERE status = 'unread' (the status
--                                    column is constant inside the predicate).
--   idx_notifications_created_desc   brief: (created_at DESC) would duplicate idx_notifications_org
--                                    once led by org_id -> the user's feed (org_id, user_id,
--                                    created_at desc, id desc).
--   idx_notifications_expires        brief: (expires_at) -> (org_id, expires_at) WHERE status is
--                                    unread/read; expire_old_notifications() reads it organization by organization.
--   idx_notifications_entity         brief: (related_entity_type, related_entity_id) -> led by org_id.
--   The cascade from auth.users (deleting a user) has no index led by user_id, so it scans
--   notifications: acceptable for a rare administrative operation; add an index on (user_id)
--   if users are deleted in bulk.
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

-- ---------------------------------------------------------------------------------------------
-- Types
-- ---------------------------------------------------------------------------------------------
do $$
begin
  if not exists (select 1 from pg_catalog.pg_type t join pg_catalog.pg_namespace n on n.oid = t.typnamespace
                  where n.nspname = 'public' and t.typname = 'notification_type') then
    create type public.notification_type as enum
      ('hot_lead', 'appointment_booked', 'appointment_reminder', 'missed_call', 'system_alert', 'voicemail');
  end if;
  if not exists (select 1 from pg_catalog.pg_type t join pg_catalog.pg_namespace n on n.oid = t.typnamespace
                  where n.nspname = 'public' and t.typname = 'notification_status') then
    create type public.notification_status as enum ('unread', 'read', 'archived');
  end if;
  if not exists (select 1 from pg_catalog.pg_type t join pg_catalog.pg_namespace n on n.oid = t.typnamespace
                  where n.nspname = 'public' and t.typname = 'notification_priority') then
    create type public.notification_priority as enum ('low', 'normal', 'high', 'urgent');
  end if;
end $$;

-- ---------------------------------------------------------------------------------------------
-- Table
-- ---------------------------------------------------------------------------------------------
create table if not exists public.notifications (
  id                  uuid                         primary key default gen_random_uuid(),
  org_id              uuid                         not null references public.organizations (id) on delete cascade,
  user_id             uuid                         not null references auth.users (id) on delete cascade,
  type                public.notification_type     not null,
  title               text                         not null,
  message             text                         not null,
  related_entity_id   uuid,
  related_entity_type text,
  status              public.notification_status   not null default 'unread',
  read_at             timestamptz,
  action_url          text,
  priority            public.notification_priority not null default 'normal',
  channels            jsonb                        not null default '["in_app"]'::jsonb,
  expires_at          timestamptz                  default (now() + interval '30 days'),
  created_at          timestamptz                  not null default now(),
  updated_at          timestamptz                  not null default now(),
  constraint uq_notifications_org_id_id unique (org_id, id),
  constraint ck_notifications_title check (length(btrim(title)) between 1 and 200),
  constraint ck_notifications_message check (length(message) <= 4000),
  constraint ck_notifications_related_entity_type
    check (related_entity_type in ('contact', 'appointment', 'call', 'system')),
  -- a deep link into the app ('/...') or an https URL: no javascript:/data: URLs, no
  -- protocol-relative '//host' or '/<backslash>host' redirects, no whitespace or control characters
  constraint ck_notifications_action_url check (
    length(action_url) <= 2048
    and action_url ~ '^(https://|/[^/])'
    and strpos(action_url, chr(92)) = 0
    and action_url !~ '[[:space:][:cntrl:]]'),
  constraint ck_notifications_channels
    check (jsonb_typeof(channels) = 'array' and channels <@ '["in_app", "email", "sms", "push"]'::jsonb)
);
comment on table public.notifications is
  'Notifications of one user of one organization. Users read their own and may change only status/read_at.';

-- ---------------------------------------------------------------------------------------------
-- Indexes (all led by org_id)
-- ---------------------------------------------------------------------------------------------
create index if not exists idx_notifications_user_unread
  on public.notifications (org_id, user_id, created_at desc, id desc) where status = 'unread';
create index if not exists idx_notifications_created_desc
  on public.notifications (org_id, user_id, created_at desc, id desc);
create index if not exists idx_notifications_expires
  on public.notifications (org_id, expires_at) where status in ('unread', 'read');
create index if not exists idx_notifications_org
  on public.notifications (org_id, created_at desc, id desc);
create index if not exists idx_notifications_entity
  on public.notifications (org_id, related_entity_type, related_entity_id);

-- ---------------------------------------------------------------------------------------------
-- Trigger functions
-- ---------------------------------------------------------------------------------------------

-- The user of a notification must belong to its organization. SECURITY DEFINER: it reads
-- auth.users, which no API role may read.
create or replace function public.notifications_check_user_org()
  returns trigger
  language plpgsql
  security definer
  set search_path = ''
as $$
begin
  if not exists (select 1 from auth.users u
                  where u.id = new.user_id
                    and u.raw_app_meta_data ->> 'org_id' = new.org_id::text) then
    raise exception 'user % is not a member of organization %', new.user_id, new.org_id
      using errcode = '42501',
            hint = 'The user must exist in auth.users with app_metadata.org_id = the organization.';
  end if;
  return new;
end;
$$;
comment on function public.notifications_check_user_org() is
  'BEFORE INSERT / UPDATE OF user_id trigger on notifications: the user must belong to the organization (42501).';

-- Wakes listeners (LISTEN voxanne_notifications). Ids only: no title, message or patient data.
create or replace function public.notifications_notify()
  returns trigger
  language plpgsql
  set search_path = ''
as $$
begin
  perform pg_catalog.pg_notify('voxanne_notifications',
            pg_catalog.json_build_object('id', new.id, 'org_id', new.org_id,
                                         'user_id', new.user_id, 'op', tg_op)::text);
  return null;
end;
$$;
comment on function public.notifications_notify() is
  'AFTER INSERT / status change trigger on notifications: pg_notify(voxanne_notifications, {id, org_id, user_id, op}).';

revoke all on function public.notifications_check_user_org() from public, anon, authenticated, service_role;
revoke all on function public.notifications_notify() from public, anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------
create or replace trigger org_id_immutable_notifications
  before update on public.notifications
  for each row execute function public.prevent_org_id_change();

create or replace trigger set_updated_at_notifications
  before update on public.notifications
  for each row execute function public.set_updated_at();

-- named so that it fires after org_id_immutable_notifications (triggers fire in name order)
create or replace trigger user_in_org_notifications
  before insert or update of user_id on public.notifications
  for each row execute function public.notifications_check_user_org();

create or replace trigger notify_insert_notifications
  after insert on public.notifications
  for each row execute function public.notifications_notify();

create or replace trigger notify_status_notifications
  after update of status on public.notifications
  for each row when (old.status is distinct from new.status)
  execute function public.notifications_notify();

-- ---------------------------------------------------------------------------------------------
-- Access
-- ---------------------------------------------------------------------------------------------
alter table public.notifications enable row level security;
alter table public.notifications force  row level security;

-- Privileges: never revoke what this script grants (revoke only the rest), so that applying it
-- again changes nothing, not even the order of the ACL entries.
-- (Revoking the table-level UPDATE also drops the column-level ones, granted again just below.)
revoke all on table public.notifications from public, anon;
revoke insert, update, delete, truncate, references, trigger on table public.notifications from authenticated;
revoke truncate, references, trigger on table public.notifications from service_role;
grant select on table public.notifications to authenticated;
grant update (status, read_at) on table public.notifications to authenticated;
grant select, insert, update, delete on table public.notifications to service_role;

do $$
begin
  if not exists (select 1 from pg_catalog.pg_policy
                  where polrelid = 'public.notifications'::regclass and polname = 'notifications_select_own') then
    create policy notifications_select_own on public.notifications
      for select to authenticated
      using (user_id = (select auth.uid()) and org_id = (select public.auth_org_id()));
  end if;
  if not exists (select 1 from pg_catalog.pg_policy
                  where polrelid = 'public.notifications'::regclass and polname = 'notifications_update_own') then
    create policy notifications_update_own on public.notifications
      for update to authenticated
      using (user_id = (select auth.uid()) and org_id = (select public.auth_org_id()))
      with check (user_id = (select auth.uid()) and org_id = (select public.auth_org_id()));
  end if;
  if not exists (select 1 from pg_catalog.pg_policy
                  where polrelid = 'public.notifications'::regclass and polname = 'notifications_service_role_all') then
    create policy notifications_service_role_all on public.notifications
      for all to service_role
      using (true) with check (true);
  end if;
end $$;

-- ---------------------------------------------------------------------------------------------
-- create_notification
-- ---------------------------------------------------------------------------------------------
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
  set search_path = ''
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
    if auth.uid() is null then
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

  -- 4. the target user must belong to the organization: checked (42501) by the trigger
  --    user_in_org_notifications, which guards every insert, this one included.
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
  'Creates a notification. Caller: service_role, or an authenticated user of p_org_id. Org must be active, user must belong to it. 42501 refused, 22023 invalid input.';

revoke all on function public.create_notification(uuid, uuid, public.notification_type, text, text, uuid, text,
                                                  public.notification_priority, text, jsonb, timestamptz)
  from public, anon;
grant execute on function public.create_notification(uuid, uuid, public.notification_type, text, text, uuid, text,
                                                     public.notification_priority, text, jsonb, timestamptz)
  to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- expire_old_notifications
-- ---------------------------------------------------------------------------------------------
create or replace function public.expire_old_notifications()
  returns integer
  language plpgsql
  security definer
  set search_path = ''
as $$
declare
  v_count integer;
begin
  if not public.is_service_role_caller() then
    raise exception 'expire_old_notifications: only service_role may expire notifications' using errcode = '42501';
  end if;

  -- per organization, through idx_notifications_expires (org_id, expires_at) WHERE unread/read
  update public.notifications n
     set status = 'archived'
    from public.organizations o
   where n.org_id = o.id
     and n.status in ('unread', 'read')
     and n.expires_at <= pg_catalog.now();
  get diagnostics v_count = row_count;
  return v_count;
end;
$$;
comment on function public.expire_old_notifications() is
  'Archives unread/read notifications whose expires_at has passed; returns how many. service_role only.';

revoke all on function public.expire_old_notifications() from public, anon, authenticated;
grant execute on function public.expire_old_notifications() to service_role;
