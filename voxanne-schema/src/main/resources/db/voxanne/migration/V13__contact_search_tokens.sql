-- =============================================================================================
-- V13  Contact search through a per-organization token index
--
-- * public.contact_search_tokens(p_org uuid, p_name text, p_email text, p_phone text) returns text[]:
--   a contact's search tokens, every 3-character substring of lower(name), of lower(email) and of
--   lower(phone) (each column on its own), each prefixed with the first 8 hex digits of the
--   organization's id. IMMUTABLE (it is an index expression), PARALLEL SAFE, invoker rights,
--   search_path = '' (index expressions are evaluated under the inserting session's search_path).
--   EXECUTE for authenticated and service_role, which insert contacts and so evaluate it.
-- * idx_contacts_search_tokens: GIN on contact_search_tokens(org_id, name, email, phone). Every
--   posting list holds one organization's contacts, so no fragment is "common across the table"
--   (docs/adr/0008-search-token-index.md).
--   Built inside this migration's transaction (plain CREATE INDEX: SHARE lock, reads go on, writes to
--   contacts wait; 150-175 s per million contacts here). On a larger table, create the function and
--   build the index beforehand with CREATE INDEX CONCURRENTLY (MIGRATIONS.md, "Indexes on live
--   tables"): this migration then only checks it (invalid or defined differently -> 55000).
-- * public.search_contact_ids(text): same contract, signature, grants and comment as V12; a plan kept
--   for the session instead of one made per call. ILIKE compares lower() of both sides, so a contact
--   whose column contains the text has every token of the text among its own: the index gives a
--   superset of candidates (any subset of the text's tokens would too), on which org_id and V12's
--   exact conditions are then checked. A text or digits arm shorter than 3 characters has no token and
--   reads the organization's rows, as before. The text is lowered in the database's default
--   collation, as the columns and the index are, whatever collation the caller gives it (V12 followed
--   the argument's). OFFSET 0 fences keep the kept plan from driving either
--   statement by anything else (an org_id index whose filter evaluates the token function per row, or
--   the trigram index for a 1-2 character pattern); no parallel workers (a generic estimate otherwise
--   starts two for a few rows). Measured on 1,000 organizations x 1,000 contacts, the DAO against the
--   plain query without RLS (docs/benchmarks.md): phone fragment "0123" 0.39-0.42 -> 1.32-1.54 of its
--   throughput, one-match e-mail fragment "c123.o" 0.83-0.93 -> 21-24. Inserting a contact costs about
--   100 us more (its tokens and ~40 GIN entries).
-- * Why the index can be trusted like any text index: its entries depend on lower(), i.e. on the
--   database's collation provider, exactly as idx_contacts_search_trgm's trigrams and every btree on
--   text depend on it. After a glibc/ICU upgrade that PostgreSQL reports as a collation version
--   mismatch, REINDEX (MIGRATIONS.md); `verify` checks the recorded version.
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
-- public.contact_search_tokens(uuid, text, text, text)
-- ---------------------------------------------------------------------------------------------
-- The whole column is lowered, as ILIKE lowers it (context-dependent case mappings, such as a final
-- sigma, come out the same), then cut into 3-character pieces. A loop, not a SQL-standard body:
-- about 29 us per contact against 76 us for array(select ... from generate_series(...)). COST 1000
-- (operator units) says as much to the planner: at the default 100 a kept plan for a small table
-- preferred evaluating it on every row to the index.
create or replace function public.contact_search_tokens(p_org uuid, p_name text, p_email text, p_phone text)
  returns text[]
  language plpgsql
  immutable
  parallel safe
  cost 1000
  set search_path = ''
as $$
declare
  v_prefix text := pg_catalog.left(p_org::text, 8);
  v_tokens text[] := '{}';
  v_column text;
  v_at     integer;
begin
  foreach v_column in array array[pg_catalog.lower(p_name), pg_catalog.lower(p_email), pg_catalog.lower(p_phone)] loop
    if v_column is not null then
      for v_at in 1 .. pg_catalog.length(v_column) - 2 loop
        v_tokens := v_tokens || (v_prefix || pg_catalog.substr(v_column, v_at, 3));
      end loop;
    end if;
  end loop;
  return v_tokens;
end;
$$;
comment on function public.contact_search_tokens(uuid, text, text, text) is
  'Search tokens of a contact: the first 8 hex digits of the organization id followed by each 3-character substring of lower(name), lower(email) and lower(phone). Expression of idx_contacts_search_tokens; REINDEX it when lower() changes (collation version mismatch).';

revoke all on function public.contact_search_tokens(uuid, text, text, text) from public, anon;
grant execute on function public.contact_search_tokens(uuid, text, text, text) to authenticated, service_role;

-- ---------------------------------------------------------------------------------------------
-- idx_contacts_search_tokens
-- ---------------------------------------------------------------------------------------------
-- A plain CREATE INDEX on an existing table, on purpose (header, MIGRATIONS.md "Indexes on live tables"):
-- this migration is one transaction, where CONCURRENTLY cannot run.
-- squawk-ignore require-concurrent-index-creation
create index if not exists idx_contacts_search_tokens
  on public.contacts using gin (public.contact_search_tokens(org_id, name, email, phone));

-- An index built beforehand (CREATE INDEX CONCURRENTLY) is used only if valid and as defined here.
do $$
declare
  v_actual text;
  v_valid  boolean;
begin
  select pg_catalog.pg_get_indexdef(i.indexrelid), i.indisvalid and i.indrelid = 'public.contacts'::pg_catalog.regclass
    into v_actual, v_valid
    from pg_catalog.pg_index i
   where i.indexrelid = pg_catalog.to_regclass('public.idx_contacts_search_tokens');
  if v_actual is null or not v_valid
     or v_actual not like '% USING gin (%contact_search_tokens(org_id, name, email, phone))' then
    raise exception 'voxanne V13: index public.idx_contacts_search_tokens is missing, invalid or not as expected (%)', v_actual
      using errcode = '55000',
            hint = 'Drop it (an interrupted CREATE INDEX CONCURRENTLY leaves an invalid index) and run the migration again.';
  end if;
end $$;

-- ---------------------------------------------------------------------------------------------
-- public.search_contact_ids(text): candidates from the token index, a plan kept per session
-- ---------------------------------------------------------------------------------------------
create or replace function public.search_contact_ids(p_text text)
  returns setof uuid
  language plpgsql
  stable
  security definer
  rows 100
  set search_path = ''
  set plan_cache_mode = force_generic_plan
  set max_parallel_workers_per_gather = 0
as $$
declare
  v_org     uuid := public.auth_org_id();
  -- The database's default collation, whatever collation the caller gives p_text: ILIKE and the tokens
  -- then lower the text as the columns and the token index were lowered.
  v_pattern text collate "default";
  v_digits  text collate "default";
  v_tokens  text[];
  v_dtokens text[];
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
  -- The text's tokens, at most 64 (any subset still only narrows the candidates correctly). The
  -- escapes and the % around the pattern are neither letters nor case-ignorable, so lower() of the
  -- pattern ILIKE compares is lower() of the text with the same escapes: the same substrings.
  v_tokens := (public.contact_search_tokens(v_org, p_text collate "default", null, null))[1:64];
  -- Typed like a phone number (Java's [+\d\s().-]* with a digit): its digits also match the E.164 phone.
  if p_text ~ E'^[-+0-9 \\t\\n\\v\\f\\r().]*[0-9][-+0-9 \\t\\n\\v\\f\\r().]*$' then
    v_digits := pg_catalog.regexp_replace(p_text, '[^0-9]', '', 'g');
    -- Digits only: the phone ILIKE arm matches exactly these rows already.
    if v_digits = p_text then
      v_digits := null;
    else
      v_dtokens := (public.contact_search_tokens(v_org, v_digits, null, null))[1:64];
      v_digits := '%' || v_digits || '%';
    end if;
  end if;

  -- The definer bypasses row-level security: the org_id conditions below are what keep other
  -- organizations' contacts out.
  if pg_catalog.cardinality(v_tokens) = 0 or pg_catalog.cardinality(v_dtokens) = 0 then
    -- An arm shorter than 3 characters: the organization's rows (an org_id index), checked one by one.
    return query
      select t.id
        from (select c.id, c.name, c.email, c.phone
                from public.contacts c
               where c.org_id = v_org
              offset 0) t
       where t.name ilike v_pattern
          or t.email ilike v_pattern
          or t.phone ilike v_pattern
          or t.phone like v_digits;
  else
    -- Candidates from the token index (v_dtokens is NULL without a digits arm: it matches nothing),
    -- then the organization and the exact conditions.
    return query
      select t.id
        from (select c.id, c.org_id, c.name, c.email, c.phone
                from public.contacts c
               where public.contact_search_tokens(c.org_id, c.name, c.email, c.phone) @> v_tokens
                  or public.contact_search_tokens(c.org_id, c.name, c.email, c.phone) @> v_dtokens
              offset 0) t
       where t.org_id = v_org
         and (t.name ilike v_pattern
              or t.email ilike v_pattern
              or t.phone ilike v_pattern
              or t.phone like v_digits);
  end if;
end;
$$;
comment on function public.search_contact_ids(text) is
  'Ids of the contacts of the caller''s organization (auth_org_id() of the claims) whose name, email or phone contains the text (case-insensitive, literal), or whose phone contains the digits of a phone-like text. Use as id in (select public.search_contact_ids(?)).';

revoke all on function public.search_contact_ids(text) from public, anon;
grant execute on function public.search_contact_ids(text) to authenticated, service_role;
