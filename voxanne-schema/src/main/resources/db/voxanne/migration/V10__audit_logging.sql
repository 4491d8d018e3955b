-- =============================================================================================
-- V10  Audit logging
--
-- * public.audit_logs: append-only. Written by
--     - trigger audit_row_change_<table> (AFTER INSERT/UPDATE/DELETE FOR EACH ROW) on
--       organizations, contacts, appointments, notifications, processed_webhook_events:
--       event_type 'WRITE', operation = TG_OP, the end user auth.uid(), the row's organization,
--       the claims organization, row data (and old row data on UPDATE), current_query();
--     - public.log_audit_event(...) for application events (e.g. 'ACCESS_DENIED', 'READ').
--   event_time defaults to clock_timestamp() (not now(): two events of one transaction differ)
--   and there is NO unique (event_time, org_id).
--   org_id has no foreign key on purpose: the trail must survive the deletion of an organization.
--   RLS enabled and forced; service_role may SELECT; no INSERT / UPDATE / DELETE / TRUNCATE for
--   anon, authenticated or service_role. A trigger refuses UPDATE always and DELETE unless the
--   transaction-local flag voxanne.audit_archive = 'on', which only archive_old_audit_logs() sets
--   (and resets); TRUNCATE is refused always. Refusals: SQLSTATE 42501.
-- * Functions, all SECURITY DEFINER with search_path = '', EXECUTE for service_role only, caller
--   checked inside with public.is_service_role_caller() (42501), invalid input 22023:
--     log_audit_event(p_org_id, p_event_type, p_operation, p_table_name, p_row_data, p_statement_text) -> bigint
--     get_org_audit_logs(p_org_id, p_from, p_to, p_limit default 1000) -> setof audit_logs  ([p_from, p_to), newest first)
--     detect_suspicious_activity(p_org_id default null, p_window default '1 hour', p_threshold default 100) -> table
--     archive_old_audit_logs(p_retention_days, p_exported_through_id) -> bigint
--       deletes only rows older than the retention AND with id <= p_exported_through_id (what the
--       caller has exported and stored elsewhere); logs its own 'MAINTENANCE' event.
-- * pgaudit: created only where available AND preloaded (shared_preload_libraries); otherwise a
--   NOTICE and a row (V10, pgaudit) in voxanne_migration_report. Never an error, never ALTER SYSTEM.
--   Its settings (pgaudit.log ...) are per role and left to the operator (see MIGRATIONS.md).
--   Created in schema extensions; recorded as (V10, extension_created:pgaudit) for U10.
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
-- Table
-- ---------------------------------------------------------------------------------------------
create table if not exists public.audit_logs (
  id                 bigserial   primary key,
  event_type         text        not null,  -- WRITE, READ, DDL, SESSION, ACCESS_DENIED, MAINTENANCE, ...
  operation          text        not null,  -- INSERT, UPDATE, DELETE, SELECT, ARCHIVE, ...
  schema_name        text,
  table_name         text,
  database_user      text        not null default current_user,  -- the API role in effect (authenticated, service_role, ...)
  session_user_name  text        not null default session_user,  -- the login role (the pool's user)
  authenticated_user uuid,                                       -- the end user: auth.uid()
  org_id             uuid,                                       -- the organization of the row / event
  claims_org_id      uuid,                                       -- the organization of the request's claims
  statement_text     text,
  row_data           jsonb,
  old_data           jsonb,                                      -- previous row on UPDATE
  event_time         timestamptz not null default clock_timestamp(),
  client_addr        inet                 default inet_client_addr(),
  constraint ck_audit_logs_event_type check (length(event_type) between 1 and 64),
  constraint ck_audit_logs_operation check (length(operation) between 1 and 64)
);
comment on table public.audit_logs is
  'Append-only audit trail (row changes on tenant tables + application events). service_role reads; nobody updates; retention only through archive_old_audit_logs().';

create index if not exists idx_audit_logs_org_time
  on public.audit_logs (org_id, event_time desc, id desc);
-- rows arrive in event_time order: a BRIN index finds old rows for retention without scanning
create index if not exists idx_audit_logs_event_time_brin
  on public.audit_logs using brin (event_time);

-- ---------------------------------------------------------------------------------------------
-- Append-only guard
-- ---------------------------------------------------------------------------------------------
create or replace function public.audit_logs_append_only()
  returns trigger
  language plpgsql
  set search_path = ''
as $$
begin
  if tg_op = 'DELETE' and pg_catalog.current_setting('voxanne.audit_archive', true) = 'on' then
    return old;
  end if;
  raise exception 'public.audit_logs is append-only: % refused', tg_op
    using errcode = '42501',
          hint = 'Old rows leave only through public.archive_old_audit_logs().';
end;
$$;
comment on function public.audit_logs_append_only() is
  'Trigger: refuses UPDATE/TRUNCATE of audit_logs, and DELETE outside archive_old_audit_logs() (42501).';

create or replace trigger audit_logs_append_only
  before update or delete on public.audit_logs
  for each row execute function public.audit_logs_append_only();

create or replace trigger audit_logs_no_truncate
  before truncate on public.audit_logs
  for each statement execute function public.audit_logs_append_only();

-- ---------------------------------------------------------------------------------------------
-- Row-change trigger function
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

create or replace trigger audit_row_change_organizations
  after insert or update or delete on public.organizations
  for each row execute function public.audit_row_change();
create or replace trigger audit_row_change_contacts
  after insert or update or delete on public.contacts
  for each row execute function public.audit_row_change();
create or replace trigger audit_row_change_appointments
  after insert or update or delete on public.appointments
  for each row execute function public.audit_row_change();
create or replace trigger audit_row_change_notifications
  after insert or update or delete on public.notifications
  for each row execute function public.audit_row_change();
create or replace trigger audit_row_change_processed_webhook_events
  after insert or update or delete on public.processed_webhook_events
  for each row execute function public.audit_row_change();

-- ---------------------------------------------------------------------------------------------
-- log_audit_event
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

-- ---------------------------------------------------------------------------------------------
-- get_org_audit_logs
-- ---------------------------------------------------------------------------------------------
create or replace function public.get_org_audit_logs(
  p_org_id uuid,
  p_from   timestamptz,
  p_to     timestamptz,
  p_limit  integer default 1000
)
  returns setof public.audit_logs
  language plpgsql
  stable
  security definer
  set search_path = ''
as $$
begin
  if not public.is_service_role_caller() then
    raise exception 'get_org_audit_logs: only service_role may read audit logs' using errcode = '42501';
  end if;
  if p_org_id is null then
    raise exception 'get_org_audit_logs: p_org_id is required' using errcode = '22023';
  end if;
  if p_limit is null or p_limit not between 1 and 10000 then
    raise exception 'get_org_audit_logs: p_limit must be between 1 and 10000' using errcode = '22023';
  end if;
  if p_from is not null and p_to is not null and p_from > p_to then
    raise exception 'get_org_audit_logs: p_from is after p_to' using errcode = '22023';
  end if;

  return query
    select a.*
      from public.audit_logs a
     where a.org_id = p_org_id
       and a.event_time >= coalesce(p_from, '-infinity'::timestamptz)
       and a.event_time <  coalesce(p_to, 'infinity'::timestamptz)
     order by a.event_time desc, a.id desc
     limit p_limit;
end;
$$;
comment on function public.get_org_audit_logs(uuid, timestamptz, timestamptz, integer) is
  'Audit events of one organization in [p_from, p_to) (NULL = unbounded), newest first, at most p_limit (1..10000). service_role only.';

-- ---------------------------------------------------------------------------------------------
-- detect_suspicious_activity
-- ---------------------------------------------------------------------------------------------
create or replace function public.detect_suspicious_activity(
  p_org_id    uuid     default null,
  p_window    interval default '1 hour',
  p_threshold integer  default 100
)
  returns table (
    activity           text,
    org_id             uuid,
    authenticated_user uuid,
    database_user      text,
    event_count        bigint,
    first_seen         timestamptz,
    last_seen          timestamptz,
    detail             text
  )
  language plpgsql
  stable
  security definer
  set search_path = ''
as $$
#variable_conflict use_column
declare
  v_since timestamptz;
begin
  if not public.is_service_role_caller() then
    raise exception 'detect_suspicious_activity: only service_role may analyse audit logs' using errcode = '42501';
  end if;
  if p_window is null or p_window <= interval '0' then
    raise exception 'detect_suspicious_activity: p_window must be positive' using errcode = '22023';
  end if;
  if p_threshold is null or p_threshold < 1 then
    raise exception 'detect_suspicious_activity: p_threshold must be at least 1' using errcode = '22023';
  end if;
  v_since := pg_catalog.clock_timestamp() - p_window;

  return query
  with w as (
    select a.*
      from public.audit_logs a
     where a.event_time >= v_since
       and (p_org_id is null or a.org_id = p_org_id
            or (a.claims_org_id = p_org_id and a.org_id is distinct from p_org_id))
  )
  -- many deletes by one actor in one organization
  select 'bulk_delete'::text, w.org_id, w.authenticated_user, w.database_user,
         count(*), min(w.event_time), max(w.event_time),
         format('%s DELETE events within %s', count(*), p_window)
    from w
   where w.operation = 'DELETE'
   group by w.org_id, w.authenticated_user, w.database_user
  having count(*) >= p_threshold
  union all
  -- many events (reads logged by the application included) by one actor in one organization
  select 'high_volume'::text, w.org_id, w.authenticated_user, w.database_user,
         count(*), min(w.event_time), max(w.event_time),
         format('%s events within %s', count(*), p_window)
    from w
   group by w.org_id, w.authenticated_user, w.database_user
  having count(*) >= p_threshold
  union all
  -- an end user acting on rows of another organization than the one of its claims
  select 'cross_org_access'::text, w.org_id, w.authenticated_user, w.database_user,
         count(*), min(w.event_time), max(w.event_time),
         format('acted on organization %s with claims of organization %s', w.org_id, w.claims_org_id)
    from w
   where w.authenticated_user is not null
     and w.claims_org_id is not null
     and w.org_id is distinct from w.claims_org_id
   group by w.org_id, w.authenticated_user, w.database_user, w.claims_org_id
  union all
  -- one end user seen in several organizations
  select 'multi_org_user'::text, null::uuid, w.authenticated_user, null::text,
         count(*), min(w.event_time), max(w.event_time),
         format('events in %s organizations', count(distinct w.org_id))
    from w
   where w.authenticated_user is not null
   group by w.authenticated_user
  having count(distinct w.org_id) > 1
  union all
  -- refusals the application recorded with log_audit_event(..., 'ACCESS_DENIED', ...)
  select 'access_denied'::text, w.org_id, w.authenticated_user, w.database_user,
         count(*), min(w.event_time), max(w.event_time),
         format('%s ACCESS_DENIED events within %s', count(*), p_window)
    from w
   where w.event_type = 'ACCESS_DENIED'
   group by w.org_id, w.authenticated_user, w.database_user
  order by 5 desc, 1, 2, 3;
end;
$$;
comment on function public.detect_suspicious_activity(uuid, interval, integer) is
  'Suspicious patterns in the audit trail of the last p_window (bulk_delete, high_volume, cross_org_access, multi_org_user, access_denied). service_role only.';

-- ---------------------------------------------------------------------------------------------
-- archive_old_audit_logs
-- ---------------------------------------------------------------------------------------------
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
-- Access
-- ---------------------------------------------------------------------------------------------
alter table public.audit_logs enable row level security;
alter table public.audit_logs force  row level security;

-- Privileges: never revoke what this script grants (revoke only the rest), so that applying it
-- again changes nothing, not even the order of the ACL entries.
revoke all on table public.audit_logs from public, anon, authenticated;
revoke insert, update, delete, truncate, references, trigger on table public.audit_logs from service_role;
revoke all on sequence public.audit_logs_id_seq from public, anon, authenticated, service_role;
grant select on table public.audit_logs to service_role;

do $$
begin
  if not exists (select 1 from pg_catalog.pg_policy
                  where polrelid = 'public.audit_logs'::regclass and polname = 'audit_logs_service_role_select') then
    create policy audit_logs_service_role_select on public.audit_logs
      for select to service_role using (true);
  end if;
end $$;

revoke all on function public.audit_logs_append_only() from public, anon, authenticated, service_role;
revoke all on function public.audit_row_change() from public, anon, authenticated, service_role;
revoke all on function public.log_audit_event(uuid, text, text, text, jsonb, text) from public, anon, authenticated;
revoke all on function public.get_org_audit_logs(uuid, timestamptz, timestamptz, integer) from public, anon, authenticated;
revoke all on function public.detect_suspicious_activity(uuid, interval, integer) from public, anon, authenticated;
revoke all on function public.archive_old_audit_logs(integer, bigint) from public, anon, authenticated;
grant execute on function public.log_audit_event(uuid, text, text, text, jsonb, text) to service_role;
grant execute on function public.get_org_audit_logs(uuid, timestamptz, timestamptz, integer) to service_role;
grant execute on function public.detect_suspicious_activity(uuid, interval, integer) to service_role;
grant execute on function public.archive_old_audit_logs(integer, bigint) to service_role;

-- ---------------------------------------------------------------------------------------------
-- pgaudit: only where available and preloaded; never an error
-- ---------------------------------------------------------------------------------------------
do $$
declare
  v_schema    text := case when exists (select 1 from pg_catalog.pg_namespace where nspname = 'extensions')
                           then 'extensions' else 'public' end;
  v_libs      text;
  v_preloaded boolean;          -- NULL: shared_preload_libraries not readable by this role
  v_status    text;
  v_enabled   bigint := 0;
begin
  if exists (select 1 from pg_catalog.pg_extension where extname = 'pgaudit') then
    v_status := 'enabled';
    v_enabled := 1;
  elsif not exists (select 1 from pg_catalog.pg_available_extensions where name = 'pgaudit') then
    v_status := 'not enabled: pgaudit is not available on this server';
  else
    begin
      v_libs := pg_catalog.current_setting('shared_preload_libraries');
      v_preloaded := 'pgaudit' = any (pg_catalog.string_to_array(
                       pg_catalog.replace(pg_catalog.replace(v_libs, ' ', ''), '"', ''), ','));
    exception when others then
      v_preloaded := null;
    end;
    if v_preloaded is false then
      v_status := 'not enabled: pgaudit is available but not in shared_preload_libraries';
    else
      begin
        execute format('create extension if not exists pgaudit with schema %I', v_schema);
        v_status := 'enabled';
        v_enabled := 1;
        insert into public.voxanne_migration_report (migration, item, count, detail)
        values ('V10', 'extension_created:pgaudit', 1, 'created in schema ' || v_schema)
        on conflict (migration, item) do nothing;
      exception when others then
        v_status := 'not enabled: create extension pgaudit failed: ' || sqlerrm;
      end;
    end if;
  end if;

  raise notice 'voxanne V10: pgaudit %', v_status;
  -- one row, updated only when the status changed (a second application changes nothing)
  update public.voxanne_migration_report rep
     set count = v_enabled, detail = v_status, recorded_at = clock_timestamp()
   where rep.migration = 'V10' and rep.item = 'pgaudit'
     and (rep.count, rep.detail) is distinct from (v_enabled, v_status);
  insert into public.voxanne_migration_report (migration, item, count, detail)
  select 'V10', 'pgaudit', v_enabled, v_status
   where not exists (select 1 from public.voxanne_migration_report rep
                      where rep.migration = 'V10' and rep.item = 'pgaudit')
  on conflict (migration, item) do nothing;
end $$;
