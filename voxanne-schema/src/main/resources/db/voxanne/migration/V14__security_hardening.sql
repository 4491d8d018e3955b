-- =============================================================================================
-- V14  Security hardening: nothing a session creates or sets can redirect our functions, policies
--      or triggers; no temporary objects for the API roles; every write names its user
--
-- * Name resolution. `search_path = ''` still searches the session's temporary schema FIRST for
--   types and relations, so a temporary domain named uuid (with a CHECK calling the caller's own
--   function) ran that function with the owner's rights inside every SECURITY DEFINER function that
--   declared or cast to uuid. Every function of ours now runs with `search_path = pg_catalog, pg_temp`:
--   pg_temp named LAST is searched after pg_catalog for types and relations (and never for functions
--   and operators). public.auth_org_id() and the new public.auth_user_id() have SQL-standard bodies,
--   bound when created. Where V2 created the auth shim (plain PostgreSQL), auth.uid(), auth.role(),
--   auth.email() and auth.jwt() get SQL-standard bodies with the same semantics.
-- * public.auth_user_id(): the user (sub claim) of the request, with auth.uid()'s sources and
--   precedence, as a pre-parsed expression. The policies, the audit trigger and every function of ours
--   use it instead of auth.uid(), whose string body is parsed in the caller's search_path (on hosted
--   Supabase too, where auth.uid() is not ours to change).
-- * TEMPORARY on this database is revoked from PUBLIC, anon, authenticated and service_role: no API
--   role (and no login role that has it only through PUBLIC) can create temporary objects at all.
--   Fails with 42501 when that cannot be done (the migrating role is not the database's owner).
--   CREATE on schema public is revoked from them too (PostgreSQL 15 no longer grants it to PUBLIC; an
--   older database or a platform's setup may).
-- * Default privileges of the migrating role: EXECUTE on new functions is no longer granted to
--   PUBLIC (a global default: per-schema defaults cannot take away a global grant), nor to anon and
--   authenticated in schema public (Supabase grants them there). Every function states its grants.
-- * Role settings for sessions that log in as an API role directly (PostgREST applies them on
--   SET ROLE too): statement_timeout / lock_timeout 8s / 3s for authenticated, 3s / 1s for anon, in
--   this database only (role settings are otherwise cluster-wide), and only where the role has no
--   such setting yet (Supabase sets statement_timeout itself). A role this migrating role may not
--   alter is left with a NOTICE.
-- * notifications: a related contact or appointment must be a row of the notification's
--   organization (23503, the same error whether it is absent or another organization's; a related id
--   without a type is refused the same way; 'call' and 'system' ids are not checked), checked by
--   the trigger user_in_org_notifications on insert and on any change of user or related entity.
--   The pg_notify payload no longer names the organization ({id, user_id, op}): anyone may LISTEN.
-- * A write by a caller acting as authenticated without a user in the claims is refused (42501) by
--   the audit trigger: the audit trail always names the acting user.
-- * public.voxanne_security_baseline records what this migration changed outside its own objects as
--   it was before (database privileges, default privileges, role settings), so that U14 restores
--   exactly that. Only its owner reads it.
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
-- What this migration changes outside its own objects, as it was before
-- ---------------------------------------------------------------------------------------------
create table if not exists public.voxanne_security_baseline (
  item        text        primary key,
  value       jsonb       not null,
  recorded_at timestamptz not null default pg_catalog.now()
);
comment on table public.voxanne_security_baseline is
  'What V14 changed outside its own objects (database privileges, default privileges, role settings) as it was before, so that its rollback restores exactly that. Owner only.';
alter table public.voxanne_security_baseline enable row level security;
alter table public.voxanne_security_baseline force  row level security;
revoke all on table public.voxanne_security_baseline from public, anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- public.auth_user_id()
-- ---------------------------------------------------------------------------------------------
-- auth.uid()'s contract (the old per-claim setting request.jwt.claim.sub first, then sub of
-- request.jwt.claims; unset or '' is NULL; not a uuid is 22P02) in one expression the planner
-- inlines, with every name bound now.
create or replace function public.auth_user_id()
  returns uuid
  language sql
  stable
return coalesce(nullif(pg_catalog.current_setting('request.jwt.claim.sub', true), ''),
                nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::pg_catalog.jsonb ->> 'sub'
               )::pg_catalog.uuid;
comment on function public.auth_user_id() is
  'The user (sub claim of the JWT) of the request, as auth.uid() reads it; NULL when absent; an error when the claims are not JSON or sub is no uuid. Use as (select public.auth_user_id()) in policies.';
revoke all on function public.auth_user_id() from public, anon;
grant execute on function public.auth_user_id() to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Policies: the user from auth_user_id()
-- ---------------------------------------------------------------------------------------------
alter policy notifications_select_own on public.notifications
  using (user_id = (select public.auth_user_id()) and org_id = (select public.auth_org_id()));
alter policy notifications_update_own on public.notifications
  using (user_id = (select public.auth_user_id()) and org_id = (select public.auth_org_id()))
  with check (user_id = (select public.auth_user_id()) and org_id = (select public.auth_org_id()));

-- ---------------------------------------------------------------------------------------------
-- audit_row_change: the acting user from auth_user_id(); no write as authenticated without one
-- ---------------------------------------------------------------------------------------------
create or replace function public.audit_row_change()
  returns trigger
  language plpgsql
  security definer
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_role text := coalesce(nullif(pg_catalog.current_setting('role', true), 'none'), session_user);
  v_user uuid := public.auth_user_id();
  v_row  jsonb;
  v_old  jsonb;
begin
  -- current_user is the function owner here; the caller's role is the 'role' setting. A caller with
  -- authenticated's rights is subject to its policies (not superuser, not BYPASSRLS); nested IFs
  -- so the catalog is read only for a write without a user.
  if v_user is null then
    if pg_catalog.pg_has_role(v_role::pg_catalog.name, 'authenticated', 'USAGE')
       and not exists (select 1 from pg_catalog.pg_roles r
                        where r.rolname = v_role and (r.rolsuper or r.rolbypassrls)) then
      raise exception 'a write as authenticated needs the acting user (the sub claim) for the audit trail'
        using errcode = '42501';
    end if;
  end if;

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
     v_role,
     session_user,
     v_user,
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
  'AFTER row trigger on tenant tables: appends the change (end user, organization, operation, row data, statement) to audit_logs; refuses (42501) a write as authenticated with no user in the claims.';

-- ---------------------------------------------------------------------------------------------
-- log_audit_event, archive_old_audit_logs: the acting user from auth_user_id()
-- ---------------------------------------------------------------------------------------------
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
  set search_path = pg_catalog, pg_temp
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
     public.auth_user_id(),     -- the acting user comes from the request, never from a parameter
     p_org_id,
     public.auth_org_id(),
     coalesce(p_statement_text, pg_catalog.current_query()),
     p_row_data)
  returning id into v_id;
  return v_id;
end;
$$;
comment on function public.log_audit_event(uuid, text, text, text, jsonb, text) is
  'Appends an application audit event; the acting user is public.auth_user_id() of the request. service_role only.';

create or replace function public.archive_old_audit_logs(
  p_retention_days      integer,
  p_exported_through_id bigint
)
  returns bigint
  language plpgsql
  security definer
  set search_path = pg_catalog, pg_temp
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
     session_user, public.auth_user_id(), pg_catalog.current_query(),
     pg_catalog.jsonb_build_object('retention_days', p_retention_days,
                                   'exported_through_id', p_exported_through_id,
                                   'cutoff', v_cutoff, 'deleted', v_deleted));
  return v_deleted;
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- notifications: user and related entity of the notification's organization
-- ---------------------------------------------------------------------------------------------
-- SECURITY DEFINER: it reads auth.users and the organization's contacts and appointments, which the
-- caller may not read. The related entity's error is the same whether the row is absent or another
-- organization's, so it tells nothing about other organizations.
create or replace function public.notifications_check_user_org()
  returns trigger
  language plpgsql
  security definer
  set search_path = pg_catalog, pg_temp
as $$
begin
  if not exists (select 1 from auth.users u
                  where u.id = new.user_id
                    and u.raw_app_meta_data ->> 'org_id' = new.org_id::text) then
    raise exception 'user % is not a member of organization %', new.user_id, new.org_id
      using errcode = '42501',
            hint = 'The user must exist in auth.users with app_metadata.org_id = the organization.';
  end if;
  if new.related_entity_id is not null then
    -- an id without its type could be given a type later: refused like any other unchecked reference
    if new.related_entity_type is null
       or (new.related_entity_type = 'contact'
        and not exists (select 1 from public.contacts c
                         where c.org_id = new.org_id and c.id = new.related_entity_id))
       or (new.related_entity_type = 'appointment'
           and not exists (select 1 from public.appointments a
                            where a.org_id = new.org_id and a.id = new.related_entity_id)) then
      raise exception 'the related % of a notification must be a row of the notification''s organization',
                      coalesce(new.related_entity_type, 'entity (no type given)')
        using errcode = '23503';
    end if;
  end if;
  return new;
end;
$$;
comment on function public.notifications_check_user_org() is
  'BEFORE INSERT / UPDATE OF user_id, related_entity_id, related_entity_type trigger on notifications: the user must belong to the organization (42501); a related contact or appointment must be the organization''s (23503).';

-- named so that it fires after org_id_immutable_notifications (triggers fire in name order)
create or replace trigger user_in_org_notifications
  before insert or update of user_id, related_entity_id, related_entity_type on public.notifications
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

-- Wakes listeners (LISTEN voxanne_notifications). Anyone may LISTEN: the payload carries what a
-- subscriber needs to route and verify an event (the notification and its user) and nothing that
-- maps users to organizations. Ids only: no title, message or patient data.
create or replace function public.notifications_notify()
  returns trigger
  language plpgsql
  set search_path = pg_catalog, pg_temp
as $$
begin
  perform pg_catalog.pg_notify('voxanne_notifications',
            pg_catalog.json_build_object('id', new.id, 'user_id', new.user_id, 'op', tg_op)::text);
  return null;
end;
$$;
comment on function public.notifications_notify() is
  'AFTER INSERT / status change trigger on notifications: pg_notify(voxanne_notifications, {id, user_id, op}).';

-- ---------------------------------------------------------------------------------------------
-- Every other function of ours: pg_temp searched last
-- ---------------------------------------------------------------------------------------------
-- ALTER FUNCTION ... SET replaces this one setting in place; the others (search_contact_ids' plan
-- settings) and bodies, owners, grants and comments stay.
alter function public.appointment_time_range(timestamptz, integer)          set search_path = pg_catalog, pg_temp;
alter function public.audit_logs_append_only()                              set search_path = pg_catalog, pg_temp;
alter function public.contact_search_tokens(uuid, text, text, text)         set search_path = pg_catalog, pg_temp;
alter function public.detect_suspicious_activity(uuid, interval, integer)   set search_path = pg_catalog, pg_temp;
alter function public.expire_old_notifications()                            set search_path = pg_catalog, pg_temp;
alter function public.get_org_audit_logs(uuid, timestamptz, timestamptz, integer)
                                                                            set search_path = pg_catalog, pg_temp;
alter function public.is_service_role_caller()                              set search_path = pg_catalog, pg_temp;
alter function public.prevent_org_id_change()                               set search_path = pg_catalog, pg_temp;
alter function public.search_contact_ids(text)                              set search_path = pg_catalog, pg_temp;
alter function public.set_updated_at()                                      set search_path = pg_catalog, pg_temp;

-- ---------------------------------------------------------------------------------------------
-- The auth shim, where V2 created it: SQL-standard bodies, bound now
-- ---------------------------------------------------------------------------------------------
-- A string body is parsed in the caller's search_path wherever it is used (a policy of a service's
-- own table, say). Only the shim's own functions are touched: hosted Supabase's are not ours.
do $shim$
declare
  v_body text;
  v_name text;
begin
  for v_name, v_body in
    select f.name, f.body from (values
      ('uid',   'returns uuid language sql stable return coalesce(nullif(pg_catalog.current_setting(''request.jwt.claim.sub'', true), ''''), nullif(pg_catalog.current_setting(''request.jwt.claims'', true), '''')::pg_catalog.jsonb ->> ''sub'')::pg_catalog.uuid'),
      ('role',  'returns text language sql stable return coalesce(nullif(pg_catalog.current_setting(''request.jwt.claim.role'', true), ''''), nullif(pg_catalog.current_setting(''request.jwt.claims'', true), '''')::pg_catalog.jsonb ->> ''role'')'),
      ('email', 'returns text language sql stable return coalesce(nullif(pg_catalog.current_setting(''request.jwt.claim.email'', true), ''''), nullif(pg_catalog.current_setting(''request.jwt.claims'', true), '''')::pg_catalog.jsonb ->> ''email'')'),
      ('jwt',   'returns jsonb language sql stable return coalesce(nullif(pg_catalog.current_setting(''request.jwt.claim'', true), ''''), nullif(pg_catalog.current_setting(''request.jwt.claims'', true), ''''))::pg_catalog.jsonb')
    ) f(name, body)
  loop
    if exists (select 1 from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
                where n.nspname = 'auth' and p.proname = v_name and p.pronargs = 0
                  and p.proowner = (select r.oid from pg_catalog.pg_roles r where r.rolname = current_user)
                  and pg_catalog.obj_description(p.oid, 'pg_proc') like 'voxanne auth shim:%') then
      execute pg_catalog.format('create or replace function auth.%I() %s', v_name, v_body);
    end if;
  end loop;
end $shim$;

-- ---------------------------------------------------------------------------------------------
-- No temporary objects for PUBLIC and the API roles
-- ---------------------------------------------------------------------------------------------
do $$
declare
  v_db  text := pg_catalog.current_database();
  v_had jsonb;
begin
  select coalesce(pg_catalog.jsonb_agg(g.grantee order by g.grantee), '[]'::jsonb) into v_had
    from (select case when a.grantee = 0 then 'public' else pg_catalog.pg_get_userbyid(a.grantee)::text end as grantee
            from pg_catalog.pg_database d,
                 pg_catalog.aclexplode(coalesce(d.datacl, pg_catalog.acldefault('d', d.datdba))) a
           where d.datname = v_db and a.privilege_type = 'TEMPORARY') g
   where g.grantee in ('public', 'anon', 'authenticated', 'service_role');
  insert into public.voxanne_security_baseline (item, value) values ('database_temporary', v_had)
    on conflict (item) do nothing;

  execute pg_catalog.format('revoke temporary on database %I from public, anon, authenticated, service_role', v_db);

  if pg_catalog.has_database_privilege('anon', v_db, 'TEMPORARY')
     or pg_catalog.has_database_privilege('authenticated', v_db, 'TEMPORARY')
     or pg_catalog.has_database_privilege('service_role', v_db, 'TEMPORARY')
     or exists (select 1 from pg_catalog.pg_database d,
                              pg_catalog.aclexplode(coalesce(d.datacl, pg_catalog.acldefault('d', d.datdba))) a
                 where d.datname = v_db and a.grantee = 0 and a.privilege_type = 'TEMPORARY') then
    raise exception 'voxanne V14: TEMPORARY on database % is still granted to PUBLIC or an API role', v_db
      using errcode = '42501',
            hint = pg_catalog.format('As the database''s owner: revoke temporary on database %I from public, anon, authenticated, service_role; and revoke any role granting it to them.', v_db);
  end if;
end $$;

-- ---------------------------------------------------------------------------------------------
-- No CREATE in schema public for PUBLIC and the API roles
-- ---------------------------------------------------------------------------------------------
-- PostgreSQL 15 and later no longer grant it to PUBLIC, but a database created on an older version
-- (or a platform's setup) may still. An object an API role creates in public could shadow a name for
-- anyone whose search_path lists public before pg_catalog; recorded so that U14 grants it back.
do $$
declare
  v_had jsonb;
begin
  select coalesce(pg_catalog.jsonb_agg(g.grantee order by g.grantee), '[]'::jsonb) into v_had
    from (select case when a.grantee = 0 then 'public' else pg_catalog.pg_get_userbyid(a.grantee)::text end as grantee
            from pg_catalog.pg_namespace n,
                 pg_catalog.aclexplode(coalesce(n.nspacl, pg_catalog.acldefault('n', n.nspowner))) a
           where n.nspname = 'public' and a.privilege_type = 'CREATE') g
   where g.grantee in ('public', 'anon', 'authenticated', 'service_role');
  insert into public.voxanne_security_baseline (item, value) values ('schema_public_create', v_had)
    on conflict (item) do nothing;
end $$;
revoke create on schema public from public, anon, authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- Default privileges of the migrating role: no EXECUTE for PUBLIC, anon, authenticated
-- ---------------------------------------------------------------------------------------------
do $$
declare
  v_me      oid := (select r.oid from pg_catalog.pg_roles r where r.rolname = current_user);
  v_global  boolean;
  v_public  jsonb;
begin
  -- No global entry means the built-in default: EXECUTE for PUBLIC.
  select coalesce(bool_or(a.grantee = 0 and a.privilege_type = 'EXECUTE'), true) into v_global
    from pg_catalog.pg_default_acl d
    left join lateral pg_catalog.aclexplode(d.defaclacl) a on true
   where d.defaclrole = v_me and d.defaclnamespace = 0 and d.defaclobjtype = 'f';
  select coalesce(pg_catalog.jsonb_agg(distinct pg_catalog.pg_get_userbyid(a.grantee)::text), '[]'::jsonb) into v_public
    from pg_catalog.pg_default_acl d, pg_catalog.aclexplode(d.defaclacl) a
   where d.defaclrole = v_me and d.defaclnamespace = 'public'::regnamespace and d.defaclobjtype = 'f'
     and a.privilege_type = 'EXECUTE' and a.grantee <> 0
     and pg_catalog.pg_get_userbyid(a.grantee) in ('anon', 'authenticated');
  insert into public.voxanne_security_baseline (item, value)
    values ('default_function_execute', pg_catalog.jsonb_build_object('public_global', v_global, 'in_schema_public', v_public))
    on conflict (item) do nothing;
end $$;

alter default privileges revoke execute on functions from public;
alter default privileges in schema public revoke execute on functions from anon, authenticated;

-- ---------------------------------------------------------------------------------------------
-- Role settings for direct logins, in this database, where the role has none yet
-- ---------------------------------------------------------------------------------------------
do $$
declare
  v_db   oid := (select d.oid from pg_catalog.pg_database d where d.datname = pg_catalog.current_database());
  v_want record;
  v_set  jsonb := '[]'::jsonb;
begin
  for v_want in
    select w.rolname, w.setting, w.value
      from (values ('authenticated', 'statement_timeout', '8s'), ('authenticated', 'lock_timeout', '3s'),
                   ('anon', 'statement_timeout', '3s'), ('anon', 'lock_timeout', '1s')) w(rolname, setting, value)
  loop
    if not exists (select 1 from pg_catalog.pg_db_role_setting s
                     join pg_catalog.pg_roles r on r.oid = s.setrole,
                          pg_catalog.unnest(s.setconfig) c
                    where r.rolname = v_want.rolname and s.setdatabase in (0, v_db)
                      and pg_catalog.split_part(c, '=', 1) = v_want.setting) then
      begin
        execute pg_catalog.format('alter role %I in database %I set %s = %L',
                                  v_want.rolname, pg_catalog.current_database(), v_want.setting, v_want.value);
        v_set := v_set || pg_catalog.jsonb_build_object('role', v_want.rolname, 'setting', v_want.setting);
      exception when insufficient_privilege then
        raise notice 'voxanne V14: % of role % not set: % may not alter that role (its owner can: alter role % in database % set % = %)',
          v_want.setting, v_want.rolname, current_user, v_want.rolname, pg_catalog.current_database(),
          v_want.setting, v_want.value;
      end;
    end if;
  end loop;
  insert into public.voxanne_security_baseline (item, value) values ('role_settings', v_set)
    on conflict (item) do nothing;
end $$;
