-- =============================================================================================
-- U14  Undo V14 (security hardening)
--
-- Drops no data: no refusal check (voxanne_security_baseline holds only what V14 changed outside its
-- own objects, and is read here to put exactly that back). In this order: the role settings, default
-- privileges and database privileges V14 changed, as they were; V10's and V8's functions and trigger
-- byte for byte (CREATE OR REPLACE keeps owner and grants; its SET list replaces V14's); search_path ''
-- on every other function again; the policies on auth.uid(); V2's string bodies of the auth shim
-- where V2 created it; then V14's own function and table.
-- =============================================================================================

set local lock_timeout = '10s';

-- ---------------------------------------------------------------------------------------------
-- Role settings, default privileges, CREATE on schema public and database privileges, as recorded
-- before V14
-- ---------------------------------------------------------------------------------------------
do $$
declare
  v_item record;
  v_db   text := pg_catalog.current_database();
  v_defaults jsonb;
begin
  if pg_catalog.to_regclass('public.voxanne_security_baseline') is null then
    return;
  end if;

  for v_item in
    select e ->> 'role' as rolname, e ->> 'setting' as setting
      from public.voxanne_security_baseline b, pg_catalog.jsonb_array_elements(b.value) e
     where b.item = 'role_settings'
  loop
    execute pg_catalog.format('alter role %I in database %I reset %s', v_item.rolname, v_db, v_item.setting);
  end loop;

  select b.value into v_defaults from public.voxanne_security_baseline b where b.item = 'default_function_execute';
  if v_defaults is not null then
    if (v_defaults ->> 'public_global')::boolean then
      alter default privileges grant execute on functions to public;
    end if;
    for v_item in select pg_catalog.jsonb_array_elements_text(v_defaults -> 'in_schema_public') as rolname loop
      execute pg_catalog.format('alter default privileges in schema public grant execute on functions to %I',
                                v_item.rolname);
    end loop;
  end if;

  for v_item in
    select g as grantee
      from public.voxanne_security_baseline b, pg_catalog.jsonb_array_elements_text(b.value) g
     where b.item = 'schema_public_create'
  loop
    execute pg_catalog.format('grant create on schema public to %s',
                              case when v_item.grantee = 'public' then 'public'
                                   else pg_catalog.quote_ident(v_item.grantee) end);
  end loop;

  for v_item in
    select g as grantee
      from public.voxanne_security_baseline b, pg_catalog.jsonb_array_elements_text(b.value) g
     where b.item = 'database_temporary'
  loop
    execute pg_catalog.format('grant temporary on database %I to %s', v_db,
                              case when v_item.grantee = 'public' then 'public'
                                   else pg_catalog.quote_ident(v_item.grantee) end);
  end loop;
end $$;

-- ---------------------------------------------------------------------------------------------
-- V10's audit functions, byte for byte
-- ---------------------------------------------------------------------------------------------
create or replace function public.audit_row_change()
  returns trigger
  language plpgsql
  security definer
  set search_path = ''
as $$
declare
  v_row jsonb;
  v_old jsonb;
begin
  if tg_op = 'DELETE' then
    v_row := pg_catalog.to_jsonb(old);
  else
    v_row := pg_catalog.to_jsonb(new);
  end if;
  if tg_op = 'UPDATE' then
    v_old := pg_catalog.to_jsonb(old);
  end if;

  insert into public.audit_logs
    (event_type, operation, schema_name, table_name, database_user, session_user_name,
     authenticated_user, org_id, claims_org_id, statement_text, row_data, old_data)
  values
    ('WRITE', tg_op, tg_table_schema, tg_table_name,
     -- current_user is the function owner here; the caller's role is the 'role' setting
     coalesce(nullif(pg_catalog.current_setting('role', true), 'none'), session_user),
     session_user,
     auth.uid(),
     case when tg_table_name = 'organizations' then (v_row ->> 'id')::uuid
          else (v_row ->> 'org_id')::uuid end,
     public.auth_org_id(),
     pg_catalog.current_query(),
     v_row,
     v_old);
  return null;
end;
$$;
comment on function public.audit_row_change() is
  'AFTER row trigger on tenant tables: appends the change (end user, organization, operation, row data, statement) to audit_logs.';

create or replace function public.log_audit_event(
  p_org_id         uuid,
  p_event_type     text,
  p_operation      text,
  p_table_name     text,
  p_row_data       jsonb default null,
  p_statement_text text  default null
)
  returns bigint
  language plpgsql
  security definer
  set search_path = ''
as $$
declare
  v_schema text;
  v_table  text;
  v_id     bigint;
begin
  if not public.is_service_role_caller() then
    raise exception 'log_audit_event: only service_role may write audit events' using errcode = '42501';
  end if;
  if p_event_type is null or length(btrim(p_event_type)) not between 1 and 64
     or p_operation is null or length(btrim(p_operation)) not between 1 and 64 then
    raise exception 'log_audit_event: p_event_type and p_operation are required (1 to 64 characters)'
      using errcode = '22023';
  end if;

  if p_table_name is not null and position('.' in p_table_name) > 0 then
    v_schema := split_part(p_table_name, '.', 1);
    v_table  := substr(p_table_name, length(v_schema) + 2);
  elsif p_table_name is not null then
    v_schema := 'public';
    v_table  := p_table_name;
  end if;

  insert into public.audit_logs
    (event_type, operation, schema_name, table_name, database_user, session_user_name,
     authenticated_user, org_id, claims_org_id, statement_text, row_data)
  values
    (upper(btrim(p_event_type)), upper(btrim(p_operation)), v_schema, v_table,
     coalesce(nullif(pg_catalog.current_setting('role', true), 'none'), session_user),
     session_user,
     auth.uid(),                -- the acting user comes from the request, never from a parameter
     p_org_id,
     public.auth_org_id(),
     coalesce(p_statement_text, pg_catalog.current_query()),
     p_row_data)
  returning id into v_id;
  return v_id;
end;
$$;
comment on function public.log_audit_event(uuid, text, text, text, jsonb, text) is
  'Appends an application audit event; the acting user is auth.uid() of the request. service_role only.';

create or replace function public.archive_old_audit_logs(
  p_retention_days      integer,
  p_exported_through_id bigint
)
  returns bigint
  language plpgsql
  security definer
  set search_path = ''
as $$
declare
  v_cutoff  timestamptz;
  v_deleted bigint;
begin
  if not public.is_service_role_caller() then
    raise exception 'archive_old_audit_logs: only service_role may archive audit logs' using errcode = '42501';
  end if;
  if p_retention_days is null or p_retention_days < 1 then
    raise exception 'archive_old_audit_logs: p_retention_days must be at least 1' using errcode = '22023';
  end if;
  if p_exported_through_id is null or p_exported_through_id < 0 then
    raise exception 'archive_old_audit_logs: p_exported_through_id (the last id exported) is required'
      using errcode = '22023';
  end if;
  v_cutoff := pg_catalog.now() - pg_catalog.make_interval(days => p_retention_days);

  perform pg_catalog.set_config('voxanne.audit_archive', 'on', true);
  delete from public.audit_logs a
   where a.event_time < v_cutoff
     and a.id <= p_exported_through_id;
  get diagnostics v_deleted = row_count;
  perform pg_catalog.set_config('voxanne.audit_archive', 'off', true);

  insert into public.audit_logs
    (event_type, operation, schema_name, table_name, database_user, session_user_name,
     authenticated_user, statement_text, row_data)
  values
    ('MAINTENANCE', 'ARCHIVE', 'public', 'audit_logs',
     coalesce(nullif(pg_catalog.current_setting('role', true), 'none'), session_user),
     session_user, auth.uid(), pg_catalog.current_query(),
     pg_catalog.jsonb_build_object('retention_days', p_retention_days,
                                   'exported_through_id', p_exported_through_id,
                                   'cutoff', v_cutoff, 'deleted', v_deleted));
  return v_deleted;
end;
$$;
comment on function public.archive_old_audit_logs(integer, bigint) is
  'Deletes audit rows older than p_retention_days AND with id <= p_exported_through_id (already exported); returns how many. service_role only.';

-- ---------------------------------------------------------------------------------------------
-- V8's notification functions, trigger and payload, byte for byte
-- ---------------------------------------------------------------------------------------------
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
-- named so that it fires after org_id_immutable_notifications (triggers fire in name order)
create or replace trigger user_in_org_notifications
  before insert or update of user_id on public.notifications
  for each row execute function public.notifications_check_user_org();

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

-- ---------------------------------------------------------------------------------------------
-- Every other function: search_path '' again (ALTER FUNCTION ... SET replaces it in place)
-- ---------------------------------------------------------------------------------------------
alter function public.appointment_time_range(timestamptz, integer)          set search_path = '';
alter function public.audit_logs_append_only()                              set search_path = '';
alter function public.contact_search_tokens(uuid, text, text, text)         set search_path = '';
alter function public.detect_suspicious_activity(uuid, interval, integer)   set search_path = '';
alter function public.expire_old_notifications()                            set search_path = '';
alter function public.get_org_audit_logs(uuid, timestamptz, timestamptz, integer)
                                                                            set search_path = '';
alter function public.is_service_role_caller()                              set search_path = '';
alter function public.prevent_org_id_change()                              set search_path = '';
alter function public.search_contact_ids(text)                              set search_path = '';
alter function public.set_updated_at()                                      set search_path = '';

-- ---------------------------------------------------------------------------------------------
-- Policies on auth.uid(), as V8 created them
-- ---------------------------------------------------------------------------------------------
alter policy notifications_select_own on public.notifications
  using (user_id = (select auth.uid()) and org_id = (select public.auth_org_id()));
alter policy notifications_update_own on public.notifications
  using (user_id = (select auth.uid()) and org_id = (select public.auth_org_id()))
  with check (user_id = (select auth.uid()) and org_id = (select public.auth_org_id()));

-- ---------------------------------------------------------------------------------------------
-- V2's auth shim bodies, where V2 created the shim
-- ---------------------------------------------------------------------------------------------
do $shim$
declare
  v_me oid := (select r.oid from pg_catalog.pg_roles r where r.rolname = current_user);
begin
  if exists (select 1 from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
                where n.nspname = 'auth' and p.proname = 'uid' and p.pronargs = 0 and p.proowner = v_me
                  and pg_catalog.obj_description(p.oid, 'pg_proc') like 'voxanne auth shim:%') then
    create or replace function auth.uid() returns uuid
      language sql stable
      as $f$
        select coalesce(
          nullif(pg_catalog.current_setting('request.jwt.claim.sub', true), ''),
          (nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
        )::uuid
      $f$;
  end if;
  if exists (select 1 from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
                where n.nspname = 'auth' and p.proname = 'role' and p.pronargs = 0 and p.proowner = v_me
                  and pg_catalog.obj_description(p.oid, 'pg_proc') like 'voxanne auth shim:%') then
    create or replace function auth.role() returns text
      language sql stable
      as $f$
        select coalesce(
          nullif(pg_catalog.current_setting('request.jwt.claim.role', true), ''),
          (nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
        )::text
      $f$;
  end if;
  if exists (select 1 from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
                where n.nspname = 'auth' and p.proname = 'email' and p.pronargs = 0 and p.proowner = v_me
                  and pg_catalog.obj_description(p.oid, 'pg_proc') like 'voxanne auth shim:%') then
    create or replace function auth.email() returns text
      language sql stable
      as $f$
        select coalesce(
          nullif(pg_catalog.current_setting('request.jwt.claim.email', true), ''),
          (nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
        )::text
      $f$;
  end if;
  if exists (select 1 from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
                where n.nspname = 'auth' and p.proname = 'jwt' and p.pronargs = 0 and p.proowner = v_me
                  and pg_catalog.obj_description(p.oid, 'pg_proc') like 'voxanne auth shim:%') then
    create or replace function auth.jwt() returns jsonb
      language sql stable
      as $f$
        select coalesce(
          nullif(pg_catalog.current_setting('request.jwt.claim', true), ''),
          nullif(pg_catalog.current_setting('request.jwt.claims', true), '')
        )::jsonb
      $f$;
  end if;
end $shim$;

-- ---------------------------------------------------------------------------------------------
-- V14's own objects
-- ---------------------------------------------------------------------------------------------
drop function if exists public.auth_user_id();
drop table if exists public.voxanne_security_baseline;
