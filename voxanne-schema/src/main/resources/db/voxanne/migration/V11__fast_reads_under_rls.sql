-- =============================================================================================
-- V11  Fast reads under row-level security
--
-- * public.auth_org_id(): same signature, result, volatility (STABLE), invoker rights, grants and
--   search_path = '' as V5; a cheaper body. Sources and precedence unchanged:
--   request.jwt.claim.app_metadata, then app_metadata of request.jwt.claim, then of
--   request.jwt.claims; unset or '' -> NULL; malformed JSON -> NULL, never an error; an org_id
--   that is not a canonical uuid (8-4-4-4-12 hex digits, either case) -> NULL.
--   What changed: one exception block (one subtransaction) around the whole body instead of a
--   block plus eight separate steps; the canonical-uuid test is a LIKE on the shape
--   ('________-____-____-____-____________') followed by the cast, whose invalid_text_representation
--   is caught (36 characters, hyphens at 9/14/19/24 and accepted by uuid_in = canonical), instead of
--   a regular expression. Measured (backend CPU per transaction, the function called once per
--   transaction, as the policies' InitPlan is): PG 17 21.6 -> 14.2 us, PG 15 17.8 -> 9.4 us for the
--   DAO's claims. The JSON input errors a jsonb cast can raise (22P02, 22P05 \u0000, 22003 numeric
--   overflow) all give NULL; V5 caught only 22P02, so '\u0000' or 1e1000000 anywhere in the claims
--   raised an error there. One body for PostgreSQL 15-18: pg_input_is_valid (16+) was measured and
--   is not faster per transaction (it parses the claims twice and looks the type name up again).
-- * Contacts sort indexes, so that every sort the DAO offers is a short index range scan for role
--   authenticated (timestamptz and uuid comparisons are LEAKPROOF):
--     idx_contacts_org_updated   (org_id, updated_at desc, id desc)  new: the unfiltered page and its
--                                keyset cursor (every other updated_at index is partial per status
--                                or led by (org_id, lead_status)).
--     idx_contacts_last_contact  redefined as (org_id, last_contact_at desc nulls last, id desc): V6's
--                                (org_id, last_contact_at desc) puts NULLs first and has no id, so it
--                                could not serve "order by last_contact_at desc nulls last, id desc".
--                                Same name (the brief's); V6's definition would be redundant.
--     idx_contacts_org_created   (V6) already serves the CREATED sort; nothing added.
--   Built inside this migration's transaction (plain CREATE INDEX: SHARE lock, reads go on, writes to
--   contacts wait for the build; about 1 s per million contacts here). On a table too large for that,
--   build them beforehand with CREATE INDEX CONCURRENTLY under the same names and definitions (see
--   MIGRATIONS.md): this migration then only checks them (an invalid or different index with one of
--   these names fails it, SQLSTATE 55000).
-- * public.search_contact_ids(p_text text) returns setof uuid: the ids of the caller's organization's
--   contacts whose name, email or phone contains p_text (case-insensitive, literal: \ % _ escaped
--   here), or whose phone contains the digits of p_text when it looks like a phone number (digits,
--   spaces, + ( ) . -, at least one digit) - the DAO's search rule. SECURITY DEFINER so that the
--   ILIKE (not LEAKPROOF) can be an index condition of idx_contacts_search_trgm; the definer bypasses
--   RLS, so the organization filter below IS the isolation: the organization is
--   public.auth_org_id() of the caller's own claims (SECURITY DEFINER changes neither the settings nor
--   the role setting), never a parameter. No organization in the claims -> 42501; p_text NULL -> no
--   rows; longer than 200 characters -> 22023. EXECUTE for authenticated and service_role only
--   (service_role too must bind an organization, as the DAO's service scope does). STABLE, ROWS 100,
--   search_path = '', plans made for each call's pattern (plan_cache_mode = force_custom_plan:
--   a one-character term has no trigram and is better served by the organization's rows). Works
--   with or without pg_trgm / idx_contacts_search_trgm (then it filters the organization's rows).
--   Use: "... where org_id = ? and id in (select public.search_contact_ids(?)) ...".
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
-- public.auth_org_id(): cheaper body, same contract (CREATE OR REPLACE keeps owner, grants, comment)
-- ---------------------------------------------------------------------------------------------
create or replace function public.auth_org_id()
  returns uuid
  language plpgsql
  stable
  set search_path = ''
as $$
declare
  v_text text;
  v_org  text;
begin
  v_text := pg_catalog.current_setting('request.jwt.claim.app_metadata', true);
  begin
    if v_text is not null and v_text <> '' then
      v_org := v_text::jsonb ->> 'org_id';
    else
      v_text := coalesce(nullif(pg_catalog.current_setting('request.jwt.claim', true), ''),
                         nullif(pg_catalog.current_setting('request.jwt.claims', true), ''));
      v_org := v_text::jsonb -> 'app_metadata' ->> 'org_id';
    end if;
    -- ->> gives NULL for a non-object, a missing key or JSON null. The shape test and the cast
    -- together accept exactly the canonical form.
    if v_org like '________-____-____-____-____________' then
      return v_org::uuid;
    end if;
    return null;
  exception when invalid_text_representation or untranslatable_character or numeric_value_out_of_range then
    return null;   -- malformed or unrepresentable claims JSON, or an org_id that is no uuid
  end;
end;
$$;
comment on function public.auth_org_id() is
  'The organization (app_metadata.org_id of the JWT claims) of the request; NULL when absent or invalid. Use as (select public.auth_org_id()) in policies.';

-- ---------------------------------------------------------------------------------------------
-- Contacts sort indexes
-- ---------------------------------------------------------------------------------------------
-- A plain CREATE INDEX on an existing table, on purpose (header, MIGRATIONS.md "Indexes on live tables"):
-- this migration is one transaction, where CONCURRENTLY cannot run.
-- squawk-ignore require-concurrent-index-creation
create index if not exists idx_contacts_org_updated
  on public.contacts (org_id, updated_at desc, id desc);

-- idx_contacts_last_contact: V6's definition is replaced by the sortable one. The new index is built
-- first under a temporary name; the old one is dropped last, so the ACCESS EXCLUSIVE lock of the
-- drop is held only for the rest of this transaction.
do $$
declare
  v_def text := pg_catalog.pg_get_indexdef(pg_catalog.to_regclass('public.idx_contacts_last_contact'));
begin
  if v_def is null or v_def not like '%(org_id, last_contact_at DESC NULLS LAST, id DESC)' then
    if pg_catalog.to_regclass('public.idx_contacts_last_contact_v11') is null then
      create index idx_contacts_last_contact_v11
        on public.contacts (org_id, last_contact_at desc nulls last, id desc);
    end if;
    drop index if exists public.idx_contacts_last_contact;
    alter index public.idx_contacts_last_contact_v11 rename to idx_contacts_last_contact;
  end if;
end $$;

-- Indexes built beforehand (CREATE INDEX CONCURRENTLY) are used only if valid and as defined here.
do $$
declare
  v_index record;
begin
  for v_index in
    select n.name, n.def, pg_catalog.pg_get_indexdef(i.indexrelid) as actual, i.indisvalid,
           i.indrelid = 'public.contacts'::pg_catalog.regclass as on_contacts
      from (values ('idx_contacts_org_updated', '% USING btree (org_id, updated_at DESC, id DESC)'),
                   ('idx_contacts_last_contact', '% USING btree (org_id, last_contact_at DESC NULLS LAST, id DESC)'))
           as n (name, def)
      left join pg_catalog.pg_index i on i.indexrelid = pg_catalog.to_regclass('public.' || n.name)
  loop
    if v_index.actual is null or not v_index.indisvalid or not v_index.on_contacts
       or v_index.actual not like v_index.def then
      raise exception 'voxanne V11: index public.% is missing, invalid or not as expected (%)', v_index.name, v_index.actual
        using errcode = '55000',
              hint = 'Drop it (an interrupted CREATE INDEX CONCURRENTLY leaves an invalid index) and run the migration again.';
    end if;
  end loop;
end $$;

-- ---------------------------------------------------------------------------------------------
-- public.search_contact_ids(text)
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
