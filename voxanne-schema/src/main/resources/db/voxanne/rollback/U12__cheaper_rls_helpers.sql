-- =============================================================================================
-- U12  Undo V12 (auth_org_id and search_contact_ids as V11 defined them)
--
-- Drops no data: no refusal check. Restores V11's declarations, bodies and comments byte for byte
-- (CREATE OR REPLACE keeps owners and grants).
-- =============================================================================================

-- V11's auth_org_id, byte for byte
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

-- V11's search_contact_ids, byte for byte
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
