-- =============================================================================================
-- V2  Supabase-compatible roles, auth shim and extensions schema (only where absent)
--
-- On hosted Supabase everything here already exists and this migration creates NOTHING in schema
-- auth (Supabase forbids it, even "if not exists"): the catalog is checked first.
-- On vanilla PostgreSQL it creates what Supabase would have:
--   * roles anon, authenticated (NOLOGIN NOINHERIT) and service_role (NOLOGIN NOINHERIT BYPASSRLS).
--     Roles are cluster-wide and may be shared with other databases: created if missing, never
--     altered, never dropped (not even by the rollback);
--   * schema auth with auth.users, auth.uid(), auth.role(), auth.email(), auth.jwt() with
--     Supabase's semantics (see shared/notes/supabase-contract.md);
--   * schema extensions (where Supabase keeps extensions; V6/V7 install theirs there).
-- Every object this shim creates carries a COMMENT starting with 'voxanne auth shim' or
-- 'voxanne extensions schema'; rollback/U2 drops only objects carrying that mark.
--
-- The auth schema counts as "provided by the platform" (and is left strictly alone) as soon as
-- auth.users or auth.uid() exists without our mark. It must then provide at least
-- auth.users(id uuid) and auth.uid() returns uuid; otherwise this migration fails clearly.
--
-- Also gives the API roles their privileges on V1's tables (V1 runs before the roles exist):
-- legacy tables and the migration report are service_role only, nothing for anon/authenticated.
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
-- Roles (created if missing; never altered or dropped)
-- ---------------------------------------------------------------------------------------------
do $$
begin
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'anon') then
    create role anon nologin noinherit;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'authenticated') then
    create role authenticated nologin noinherit;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles where rolname = 'service_role') then
    create role service_role nologin noinherit bypassrls;
  end if;
end $$;

-- ---------------------------------------------------------------------------------------------
-- Schema extensions (Supabase's home for extensions), only where absent
-- ---------------------------------------------------------------------------------------------
do $$
begin
  if not exists (select 1 from pg_catalog.pg_namespace where nspname = 'extensions') then
    create schema extensions;
    comment on schema extensions is 'voxanne extensions schema (created where the platform has none)';
    grant usage on schema extensions to anon, authenticated, service_role;
  end if;
end $$;

-- ---------------------------------------------------------------------------------------------
-- Auth shim
-- ---------------------------------------------------------------------------------------------
do $shim$
declare
  c_mark   constant text := 'voxanne auth shim';
  v_users  oid;
  v_uid    oid;
  v_schema oid;
  v_foreign boolean;
begin
  -- catalog lookups only: they need no privilege on a schema we may not be allowed to use
  select n.oid into v_schema from pg_catalog.pg_namespace n where n.nspname = 'auth';
  select c.oid into v_users
    from pg_catalog.pg_class c
   where c.relnamespace = v_schema and c.relname = 'users' and c.relkind in ('r', 'p', 'v');
  select p.oid into v_uid
    from pg_catalog.pg_proc p
   where p.pronamespace = v_schema and p.proname = 'uid' and p.pronargs = 0;

  v_foreign := (v_users is not null and coalesce(pg_catalog.obj_description(v_users, 'pg_class'), '') not like c_mark || '%')
            or (v_uid   is not null and coalesce(pg_catalog.obj_description(v_uid,   'pg_proc'),  '') not like c_mark || '%');

  if v_foreign then
    if v_users is null or v_uid is null
       or not exists (select 1 from pg_catalog.pg_attribute a
                       where a.attrelid = v_users and a.attname = 'id'
                         and a.atttypid = 'uuid'::regtype and not a.attisdropped)
       or (select p.prorettype from pg_catalog.pg_proc p where p.oid = v_uid) <> 'uuid'::regtype then
      raise exception 'the existing auth schema does not provide auth.users(id uuid) and auth.uid() returns uuid, which voxanne needs'
        using errcode = '42704';
    end if;
    raise notice 'voxanne V2: schema auth is provided by the platform (e.g. Supabase); auth shim not installed, nothing in auth touched';
    return;
  end if;

  if v_schema is null then
    create schema auth;
    comment on schema auth is 'voxanne auth shim: Supabase-compatible auth schema for plain PostgreSQL';
    grant usage on schema auth to anon, authenticated, service_role;
  end if;

  if v_users is null then
    create table auth.users (
      id                 uuid         primary key,
      email              varchar(255),
      phone              text,
      aud                varchar(255),
      role               varchar(255),
      raw_app_meta_data  jsonb        not null default '{}'::jsonb,  -- app_metadata: org_id lives here
      raw_user_meta_data jsonb        not null default '{}'::jsonb,  -- user_metadata: user-editable, never trusted
      created_at         timestamptz  not null default now(),
      updated_at         timestamptz  not null default now(),
      is_anonymous       boolean      not null default false
    );
    comment on table auth.users is 'voxanne auth shim: the columns of Supabase auth.users that voxanne uses';
    alter table auth.users enable row level security;
    alter table auth.users force row level security;
    -- Only the owner (the migrating role) and SECURITY DEFINER functions read it.
    revoke all on table auth.users from public, anon, authenticated, service_role;
  end if;

  -- Supabase's definitions: the old per-claim setting request.jwt.claim.<name> first, then the key
  -- of the JSON setting request.jwt.claims; unset or '' is NULL. Plain SQL, STABLE, invoker rights.
  if not exists (select 1 from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
                  where n.nspname = 'auth' and p.proname = 'uid' and p.pronargs = 0) then
    create function auth.uid() returns uuid
      language sql stable
      as $f$
        select coalesce(
          nullif(pg_catalog.current_setting('request.jwt.claim.sub', true), ''),
          (nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb ->> 'sub')
        )::uuid
      $f$;
    comment on function auth.uid() is 'voxanne auth shim: the user id (sub claim) of the request, Supabase semantics';
  end if;

  if not exists (select 1 from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
                  where n.nspname = 'auth' and p.proname = 'role' and p.pronargs = 0) then
    create function auth.role() returns text
      language sql stable
      as $f$
        select coalesce(
          nullif(pg_catalog.current_setting('request.jwt.claim.role', true), ''),
          (nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb ->> 'role')
        )::text
      $f$;
    comment on function auth.role() is 'voxanne auth shim: the role claim of the request, Supabase semantics';
  end if;

  if not exists (select 1 from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
                  where n.nspname = 'auth' and p.proname = 'email' and p.pronargs = 0) then
    create function auth.email() returns text
      language sql stable
      as $f$
        select coalesce(
          nullif(pg_catalog.current_setting('request.jwt.claim.email', true), ''),
          (nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb ->> 'email')
        )::text
      $f$;
    comment on function auth.email() is 'voxanne auth shim: the email claim of the request, Supabase semantics';
  end if;

  if not exists (select 1 from pg_catalog.pg_proc p join pg_catalog.pg_namespace n on n.oid = p.pronamespace
                  where n.nspname = 'auth' and p.proname = 'jwt' and p.pronargs = 0) then
    create function auth.jwt() returns jsonb
      language sql stable
      as $f$
        select coalesce(
          nullif(pg_catalog.current_setting('request.jwt.claim', true), ''),
          nullif(pg_catalog.current_setting('request.jwt.claims', true), '')
        )::jsonb
      $f$;
    comment on function auth.jwt() is 'voxanne auth shim: the JWT claims of the request, Supabase semantics';
  end if;
end $shim$;

-- ---------------------------------------------------------------------------------------------
-- API roles on V1's tables: service_role only; nothing for anon/authenticated.
-- (On Supabase default privileges have granted ALL to anon/authenticated: revoke them.)
-- ---------------------------------------------------------------------------------------------
-- Privileges: never revoke what this script grants (revoke only the rest), so that applying it
-- again changes nothing, not even the order of the ACL entries.
revoke all on table public.calls, public.call_logs, public.processed_webhook_events,
                    public.voxanne_migration_report from anon, authenticated;
revoke truncate, references, trigger on table public.calls, public.call_logs, public.processed_webhook_events
  from service_role;
revoke insert, update, delete, truncate, references, trigger on table public.voxanne_migration_report
  from service_role;
revoke all on sequence public.voxanne_migration_report_id_seq from anon, authenticated, service_role;

grant select, insert, update, delete on table public.calls, public.call_logs, public.processed_webhook_events
  to service_role;
grant select on table public.voxanne_migration_report to service_role;

do $$
begin
  if not exists (select 1 from pg_catalog.pg_policy
                  where polrelid = 'public.calls'::regclass and polname = 'calls_service_role_all') then
    create policy calls_service_role_all on public.calls
      for all to service_role using (true) with check (true);
  end if;
  if not exists (select 1 from pg_catalog.pg_policy
                  where polrelid = 'public.call_logs'::regclass and polname = 'call_logs_service_role_all') then
    create policy call_logs_service_role_all on public.call_logs
      for all to service_role using (true) with check (true);
  end if;
  if not exists (select 1 from pg_catalog.pg_policy
                  where polrelid = 'public.processed_webhook_events'::regclass
                    and polname = 'processed_webhook_events_service_role_all') then
    create policy processed_webhook_events_service_role_all on public.processed_webhook_events
      for all to service_role using (true) with check (true);
  end if;
  if not exists (select 1 from pg_catalog.pg_policy
                  where polrelid = 'public.voxanne_migration_report'::regclass
                    and polname = 'voxanne_migration_report_service_role_select') then
    create policy voxanne_migration_report_service_role_select on public.voxanne_migration_report
      for select to service_role using (true);
  end if;
end $$;
