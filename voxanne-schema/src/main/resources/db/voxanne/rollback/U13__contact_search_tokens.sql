-- =============================================================================================
-- U13  Undo V13 (search_contact_ids as V12 defined it; no token index, no token function)
--
-- Drops no data: no refusal check. Restores V12's declaration, body and comment byte for byte
-- (CREATE OR REPLACE keeps owner and grants; its SET list replaces V13's), then drops the index
-- and the function it was built on.
-- =============================================================================================

-- V12's search_contact_ids, byte for byte
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

drop index if exists public.idx_contacts_search_tokens;
drop function if exists public.contact_search_tokens(uuid, text, text, text);
