-- =============================================================================================
-- V5  Tenant identity helpers
--
-- * public.auth_org_id() returns uuid: app_metadata.org_id of the request's JWT claims.
--   Same sources and order as Supabase's auth.*() functions: the old per-claim setting
--   request.jwt.claim.app_metadata first, then the full claims (request.jwt.claim, then
--   request.jwt.claims, as auth.jwt()). Unset, '' or missing -> NULL. Malformed JSON or an org_id
--   that is not a canonical uuid -> NULL, never an error. STABLE, invoker rights.
--   It reads the settings itself instead of calling auth.jwt(), so it works with any auth schema.
--   Policies call it wrapped as (select public.auth_org_id()) so it runs once per statement.
-- * public.is_service_role_caller() returns boolean: true when the CALLER acts as the backend:
--   the role setting is 'service_role' (bound with SET LOCAL ROLE / set_config('role', ..., true)),
--   or no role is set and the session user is a superuser (an administrator or the migration).
--   SECURITY DEFINER functions do not change the 'role' setting nor session_user, so they use this
--   to check who called them.
-- * The policy letting an authenticated user read its own organization (needs auth_org_id()).
-- =============================================================================================

-- On a live database, fail fast rather than queue behind a long transaction while holding up every
-- query behind this migration's locks. Transaction-local: it ends with the migration.
set local lock_timeout = '10s';

create or replace function public.auth_org_id()
  returns uuid
  language plpgsql
  stable
  set search_path = ''
as $$
declare
  v_app    jsonb;
  v_org    text;
  v_claims text;
begin
  begin
    v_app := nullif(pg_catalog.current_setting('request.jwt.claim.app_metadata', true), '')::jsonb;
    if v_app is null then
      v_claims := coalesce(nullif(pg_catalog.current_setting('request.jwt.claim', true), ''),
                           nullif(pg_catalog.current_setting('request.jwt.claims', true), ''));
      v_app := v_claims::jsonb -> 'app_metadata';
    end if;
  exception when invalid_text_representation then   -- malformed JSON
    return null;
  end;

  if v_app is null or pg_catalog.jsonb_typeof(v_app) <> 'object' then
    return null;
  end if;
  v_org := v_app ->> 'org_id';
  if v_org is null
     or v_org !~ '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' then
    return null;
  end if;
  return v_org::uuid;
end;
$$;
comment on function public.auth_org_id() is
  'The organization (app_metadata.org_id of the JWT claims) of the request; NULL when absent or invalid. Use as (select public.auth_org_id()) in policies.';

create or replace function public.is_service_role_caller()
  returns boolean
  language sql
  stable
  set search_path = ''
as $$
  select coalesce(pg_catalog.current_setting('role', true), 'none') = 'service_role'
      or (coalesce(pg_catalog.current_setting('role', true), 'none') = 'none'
          and exists (select 1 from pg_catalog.pg_roles r where r.rolname = session_user and r.rolsuper))
$$;
comment on function public.is_service_role_caller() is
  'True when the caller acts as service_role (role setting), or is a superuser session with no role set. Used by SECURITY DEFINER functions to check their caller.';

-- Both helpers only describe the caller's own request: harmless to execute for anyone who can
-- reach them; anon gets nothing all the same.
revoke all on function public.auth_org_id() from public, anon;
revoke all on function public.is_service_role_caller() from public, anon;
grant execute on function public.auth_org_id() to authenticated, service_role;
grant execute on function public.is_service_role_caller() to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- organizations: an authenticated user reads only its own organization
-- ---------------------------------------------------------------------------------------------
grant select on table public.organizations to authenticated;

do $$
begin
  if not exists (select 1 from pg_catalog.pg_policy
                  where polrelid = 'public.organizations'::regclass and polname = 'organizations_select_own') then
    create policy organizations_select_own on public.organizations
      for select to authenticated
      using (id = (select public.auth_org_id()));
  end if;
end $$;
