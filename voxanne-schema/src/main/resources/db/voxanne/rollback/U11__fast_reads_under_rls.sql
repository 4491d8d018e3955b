-- =============================================================================================
-- U11  Undo V11 (search_contact_ids, contacts sort indexes, auth_org_id body)
--
-- Drops no data: no refusal check. Drops public.search_contact_ids(text) and
-- idx_contacts_org_updated, gives idx_contacts_last_contact back V6's definition
-- (org_id, last_contact_at desc), and restores V5's body of public.auth_org_id() exactly.
-- =============================================================================================

drop function if exists public.search_contact_ids(text);
drop index if exists public.idx_contacts_org_updated;

do $$
declare
  v_def text := pg_catalog.pg_get_indexdef(pg_catalog.to_regclass('public.idx_contacts_last_contact'));
begin
  if pg_catalog.to_regclass('public.contacts') is not null
     and (v_def is null or v_def not like '% USING btree (org_id, last_contact_at DESC)') then
    drop index if exists public.idx_contacts_last_contact_v6;
    create index idx_contacts_last_contact_v6 on public.contacts (org_id, last_contact_at desc);
    drop index if exists public.idx_contacts_last_contact;
    alter index public.idx_contacts_last_contact_v6 rename to idx_contacts_last_contact;
  end if;
end $$;

-- V5's body, byte for byte
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
