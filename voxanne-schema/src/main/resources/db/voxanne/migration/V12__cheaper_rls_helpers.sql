-- =============================================================================================
-- V12  Cheaper row-level security helpers
--
-- * public.auth_org_id(): same signature, sources, precedence, volatility (STABLE), invoker rights,
--   owner and grants; the body is now one SQL expression (a SQL-standard body, RETURN ...), so that
--   the planner inlines it into the policies' (select public.auth_org_id()) instead of calling a
--   plpgsql function. Every name in it is bound when the function is created (a SQL-standard body is
--   stored parsed), so no search_path can redirect it, and it has no SET search_path (which would
--   stop the inlining). V11's plpgsql body paid, on the first call of every transaction, plpgsql's
--   per-transaction setup, the SET search_path and its exception block's subtransaction. Measured on
--   PostgreSQL 17 with 1,000 organizations, the DAO's unread count under RLS (pgbench, the DAO's four
--   statements in one pipeline, total CPU per call, median of 5 runs): 193 -> 171 us.
--   Contract change (docs/adr/0007): a setting that is read and holds no JSON (or JSON that jsonb
--   cannot hold: \u0000, a number out of range), or an org_id that PostgreSQL cannot read as a uuid,
--   is now an error (SQLSTATE class 22, e.g. 22P02), not NULL: the statement fails and returns
--   nothing, as auth.uid() does on such claims. Still NULL: unset or '' settings, no app_metadata or
--   a non-object one, no org_id, JSON null, an org_id of ''. An org_id in any spelling uuid_in
--   accepts (upper case, braces, no hyphens) is that uuid; V11 accepted only 8-4-4-4-12. Every input
--   V11 answered with an organization gets the same organization (AuthOrgIdTest).
-- * public.search_contact_ids(text): for a text of digits only, the arm "phone like <digits>" is
--   left out: it repeated "phone ilike <text>" exactly. Same rows for every text (ContactSearchTest
--   compares the function with a plain query). The same query without RLS spends about a third of
--   its time in that repeated arm (pgbench: 1,011 -> 650 us per call); the DAO's search "0123"
--   measured the same as before within the benchmark's noise (docs/benchmarks.md). Everything else
--   as V11 (SECURITY DEFINER, search_path '', a plan made for each call, grants, comment).
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
-- public.auth_org_id(): one inlinable expression (CREATE OR REPLACE keeps owner and grants)
-- ---------------------------------------------------------------------------------------------
-- The old per-claim setting request.jwt.claim.app_metadata wins when set (its JSON, even without an
-- org_id); then app_metadata of request.jwt.claim, then of request.jwt.claims, as auth.jwt() reads
-- them. coalesce evaluates its second argument only when the first is NULL, so the DAO's claims are
-- parsed once.
create or replace function public.auth_org_id()
  returns uuid
  language sql
  stable
return nullif(coalesce(nullif(pg_catalog.current_setting('request.jwt.claim.app_metadata', true), '')::jsonb,
                       coalesce(nullif(pg_catalog.current_setting('request.jwt.claim', true), ''),
                                nullif(pg_catalog.current_setting('request.jwt.claims', true), ''))::jsonb
                         -> 'app_metadata')
              ->> 'org_id', '')::uuid;
comment on function public.auth_org_id() is
  'The organization (app_metadata.org_id of the JWT claims) of the request; NULL when absent; an error when the claims are not JSON or the org_id is no uuid. Use as (select public.auth_org_id()) in policies.';

-- ---------------------------------------------------------------------------------------------
-- public.search_contact_ids(text): no repeated arm for a text of digits
-- ---------------------------------------------------------------------------------------------
create or replace function public.search_contact_ids(p_text text)
  returns setof uuid
  language plpgsql
  stable
  security definer
  rows 100
  set search_path = ''
  set plan_cache_mode = force_custom_plan
as $$
declare
  v_org     uuid := public.auth_org_id();
  v_pattern text;
  v_digits  text;
begin
  if v_org is null then
    raise exception 'search_contact_ids: the request has no organization (app_metadata.org_id of the claims)'
      using errcode = '42501';
  end if;
  if p_text is null then
    return;
  end if;
  if pg_catalog.length(p_text) > 200 then
    raise exception 'search_contact_ids: the search text must be at most 200 characters'
      using errcode = '22023';
  end if;
  -- Literal text: the LIKE escape character (backslash, the default) and the wildcards escaped.
  -- E'' literals, so the body means the same whatever standard_conforming_strings says.
  v_pattern := '%' || pg_catalog.replace(pg_catalog.replace(pg_catalog.replace(p_text,
                   E'\\', E'\\\\'), '%', E'\\%'), '_', E'\\_') || '%';
  -- Typed like a phone number (Java's [+\d\s().-]* with a digit): its digits also match the E.164 phone.
  if p_text ~ E'^[-+0-9 \\t\\n\\v\\f\\r().]*[0-9][-+0-9 \\t\\n\\v\\f\\r().]*$' then
    v_digits := '%' || pg_catalog.regexp_replace(p_text, '[^0-9]', '', 'g') || '%';
    -- Digits only: the phone ILIKE arm matches exactly these rows already. Without the repeated arm
    -- (a NULL pattern is folded away in the plan made for this call) the plan has one trigram index
    -- scan less and takes less time to make.
    if v_digits = v_pattern then
      v_digits := null;
    end if;
  end if;
  -- The definer bypasses row-level security: this org_id condition is what keeps other
  -- organizations' contacts out.
  return query
    select c.id
      from public.contacts c
     where c.org_id = v_org
       and (c.name ilike v_pattern
            or c.email ilike v_pattern
            or c.phone ilike v_pattern
            or c.phone like v_digits);
end;
$$;
comment on function public.search_contact_ids(text) is
  'Ids of the contacts of the caller''s organization (auth_org_id() of the claims) whose name, email or phone contains the text (case-insensitive, literal), or whose phone contains the digits of a phone-like text. Use as id in (select public.search_contact_ids(?)).';

revoke all on function public.search_contact_ids(text) from public, anon;
grant execute on function public.search_contact_ids(text) to authenticated, service_role;
