-- =============================================================================================
-- V6  Contacts (leads) of a clinic
--
-- Tenant table: org_id not null -> organizations on delete cascade, RLS enabled and forced,
-- one policy per command TO authenticated scoped by (select public.auth_org_id()), a service_role
-- policy, indexes led by org_id, org_id immutable (org_id_immutable_contacts), updated_at trigger.
--
-- * phone is stored normalized E.164 ('+' then 7..15 digits); uq_contacts_org_phone is a
--   UNIQUE INDEX on (org_id, phone) WHERE phone IS NOT NULL (a partial unique cannot be a
--   table constraint). A duplicate phone in one org fails with 23505 on uq_contacts_org_phone.
-- * unique (org_id, id) (uq_contacts_org_id_id) is the target of the composite foreign keys
--   of other tenant tables (appointments), so nothing can reference another org's contact.
-- * Extensions: btree_gin (required: GIN indexes led by org_id) and pg_trgm (optional: trigram
--   search index), created if missing in schema extensions (Supabase's layout; V2 creates the
--   schema on plain PostgreSQL), or used wherever they already are. An extension created here is
--   recorded in voxanne_migration_report (V6, extension_created:<name>) so that U6 drops only those.
--
-- Index notes (the brief's names are kept; deviations):
--   idx_contacts_org_phone          brief: (org_id, phone UNIQUE) would duplicate uq_contacts_org_phone;
--                                   here (org_id, phone text_pattern_ops) for phone prefix search.
--   idx_contacts_last_contact       brief: (last_contact_at DESC); led by org_id here.
--   idx_contacts_service_interests  brief: GIN (service_interests); GIN (org_id, service_interests)
--                                   here (btree_gin) so the org filter is part of the index scan.
--   idx_contacts_org_status_updated, idx_contacts_org_created: id added as last column (keyset
--                                   pagination tie-breaker).
--   idx_contacts_org_updated_<status>: one partial index per lead_status (each row is in exactly
--                                   one, so together they cost about one index). Under RLS an enum
--                                   comparison is not LEAKPROOF and cannot be an index condition,
--                                   but a partial index whose predicate it implies can be used:
--                                   "WHERE org_id = ? AND lead_status = 'new' ORDER BY updated_at
--                                   DESC, id DESC LIMIT n" stays a short index range scan for
--                                   role authenticated (measured: 0.1 ms instead of a sort of the
--                                   whole organization).
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
-- Extensions
-- ---------------------------------------------------------------------------------------------
do $$
declare
  v_schema text := case when exists (select 1 from pg_catalog.pg_namespace where nspname = 'extensions')
                        then 'extensions' else 'public' end;
begin
  if not exists (select 1 from pg_catalog.pg_extension where extname = 'btree_gin') then
    if not exists (select 1 from pg_catalog.pg_available_extensions where name = 'btree_gin') then
      raise exception 'voxanne V6 needs the btree_gin extension (PostgreSQL contrib), which this server does not provide'
        using errcode = '0A000';
    end if;
    execute format('create extension btree_gin with schema %I', v_schema);
    insert into public.voxanne_migration_report (migration, item, count, detail)
    values ('V6', 'extension_created:btree_gin', 1, 'created in schema ' || v_schema)
    on conflict (migration, item) do nothing;
  end if;

  if not exists (select 1 from pg_catalog.pg_extension where extname = 'pg_trgm') then
    if exists (select 1 from pg_catalog.pg_available_extensions where name = 'pg_trgm') then
      execute format('create extension pg_trgm with schema %I', v_schema);
      insert into public.voxanne_migration_report (migration, item, count, detail)
      values ('V6', 'extension_created:pg_trgm', 1, 'created in schema ' || v_schema)
      on conflict (migration, item) do nothing;
    else
      raise notice 'voxanne V6: pg_trgm is not available; contacts get no trigram search index';
      insert into public.voxanne_migration_report (migration, item, count, detail)
      select 'V6', 'pg_trgm_unavailable', 0, 'pg_trgm not available: no idx_contacts_search_trgm'
       where not exists (select 1 from public.voxanne_migration_report rep
                          where rep.migration = 'V6' and rep.item = 'pg_trgm_unavailable')
      on conflict (migration, item) do nothing;
    end if;
  end if;
end $$;

-- ---------------------------------------------------------------------------------------------
-- Types
-- ---------------------------------------------------------------------------------------------
do $$
begin
  if not exists (select 1 from pg_catalog.pg_type t join pg_catalog.pg_namespace n on n.oid = t.typnamespace
                  where n.nspname = 'public' and t.typname = 'lead_score_type') then
    create type public.lead_score_type as enum ('hot', 'warm', 'cold');
  end if;
  if not exists (select 1 from pg_catalog.pg_type t join pg_catalog.pg_namespace n on n.oid = t.typnamespace
                  where n.nspname = 'public' and t.typname = 'lead_status_type') then
    create type public.lead_status_type as enum ('new', 'contacted', 'qualified', 'booked', 'converted', 'lost');
  end if;
end $$;

-- ---------------------------------------------------------------------------------------------
-- Table
-- ---------------------------------------------------------------------------------------------
create table if not exists public.contacts (
  id                uuid                    primary key default gen_random_uuid(),
  org_id            uuid                    not null references public.organizations (id) on delete cascade,
  name              text                    not null,
  phone             text,                   -- normalized E.164, e.g. +15550100123
  email             text,
  service_interests jsonb                   not null default '[]'::jsonb,  -- e.g. ["botox", "filler"]
  lead_score        public.lead_score_type  not null default 'cold',
  lead_status       public.lead_status_type not null default 'new',
  last_contact_at   timestamptz,
  notes             text,
  created_at        timestamptz             not null default now(),
  updated_at        timestamptz             not null default now(),
  constraint uq_contacts_org_id_id unique (org_id, id),
  constraint ck_contacts_name check (length(btrim(name)) between 1 and 200),
  constraint ck_contacts_phone_e164 check (phone ~ '^\+[1-9][0-9]{6,14}$'),
  constraint ck_contacts_email check (length(email) <= 254 and email ~ '^[^@[:space:]]+@[^@[:space:]]+[.][^@[:space:]]+$'),
  constraint ck_contacts_service_interests_array check (jsonb_typeof(service_interests) = 'array'),
  constraint ck_contacts_notes check (length(notes) <= 10000)
);
comment on table public.contacts is 'Leads / patients of a clinic. Tenant table (org_id).';
comment on column public.contacts.phone is 'Normalized E.164 (+ and 7..15 digits); unique per organization.';

-- ---------------------------------------------------------------------------------------------
-- Indexes (all led by org_id)
-- ---------------------------------------------------------------------------------------------
create unique index if not exists uq_contacts_org_phone
  on public.contacts (org_id, phone) where phone is not null;
create index if not exists idx_contacts_org_status_updated
  on public.contacts (org_id, lead_status, updated_at desc, id desc);
create index if not exists idx_contacts_org_phone
  on public.contacts (org_id, phone text_pattern_ops);
create index if not exists idx_contacts_org_created
  on public.contacts (org_id, created_at desc, id desc);
create index if not exists idx_contacts_service_interests
  on public.contacts using gin (org_id, service_interests jsonb_path_ops);
create index if not exists idx_contacts_last_contact
  on public.contacts (org_id, last_contact_at desc);

create index if not exists idx_contacts_org_updated_new
  on public.contacts (org_id, updated_at desc, id desc) where lead_status = 'new';
create index if not exists idx_contacts_org_updated_contacted
  on public.contacts (org_id, updated_at desc, id desc) where lead_status = 'contacted';
create index if not exists idx_contacts_org_updated_qualified
  on public.contacts (org_id, updated_at desc, id desc) where lead_status = 'qualified';
create index if not exists idx_contacts_org_updated_booked
  on public.contacts (org_id, updated_at desc, id desc) where lead_status = 'booked';
create index if not exists idx_contacts_org_updated_converted
  on public.contacts (org_id, updated_at desc, id desc) where lead_status = 'converted';
create index if not exists idx_contacts_org_updated_lost
  on public.contacts (org_id, updated_at desc, id desc) where lead_status = 'lost';

-- Trigram search on name / email / phone (ILIKE '%...%', similarity), only where pg_trgm is
-- installed; its operator class lives in whatever schema the extension was installed in.
do $$
declare
  v_schema text;
begin
  select n.nspname into v_schema
    from pg_catalog.pg_extension e join pg_catalog.pg_namespace n on n.oid = e.extnamespace
   where e.extname = 'pg_trgm';
  if v_schema is not null and to_regclass('public.idx_contacts_search_trgm') is null then
    execute format('create index idx_contacts_search_trgm on public.contacts using gin '
                   '(org_id, name %1$I.gin_trgm_ops, email %1$I.gin_trgm_ops, phone %1$I.gin_trgm_ops)',
                   v_schema);
  end if;
end $$;

-- ---------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------
create or replace trigger org_id_immutable_contacts
  before update on public.contacts
  for each row execute function public.prevent_org_id_change();

create or replace trigger set_updated_at_contacts
  before update on public.contacts
  for each row execute function public.set_updated_at();

-- ---------------------------------------------------------------------------------------------
-- Access
-- ---------------------------------------------------------------------------------------------
alter table public.contacts enable row level security;
alter table public.contacts force  row level security;

-- Privileges: never revoke what this script grants (revoke only the rest), so that applying it
-- again changes nothing, not even the order of the ACL entries.
-- (Revoking the table-level UPDATE also drops the column-level ones, granted again just below.)
revoke all on table public.contacts from public, anon;
revoke update, truncate, references, trigger on table public.contacts from authenticated;
revoke truncate, references, trigger on table public.contacts from service_role;
grant select, insert, delete on table public.contacts to authenticated;
-- id, org_id, created_at, updated_at are not updatable by users (updated_at is set by trigger)
grant update (name, phone, email, service_interests, lead_score, lead_status, last_contact_at, notes)
  on table public.contacts to authenticated;
grant select, insert, update, delete on table public.contacts to service_role;

do $$
begin
  if not exists (select 1 from pg_catalog.pg_policy
                  where polrelid = 'public.contacts'::regclass and polname = 'contacts_select_org') then
    create policy contacts_select_org on public.contacts
      for select to authenticated
      using (org_id = (select public.auth_org_id()));
  end if;
  if not exists (select 1 from pg_catalog.pg_policy
                  where polrelid = 'public.contacts'::regclass and polname = 'contacts_insert_org') then
    create policy contacts_insert_org on public.contacts
      for insert to authenticated
      with check (org_id = (select public.auth_org_id()));
  end if;
  if not exists (select 1 from pg_catalog.pg_policy
                  where polrelid = 'public.contacts'::regclass and polname = 'contacts_update_org') then
    create policy contacts_update_org on public.contacts
      for update to authenticated
      using (org_id = (select public.auth_org_id()))
      with check (org_id = (select public.auth_org_id()));
  end if;
  if not exists (select 1 from pg_catalog.pg_policy
                  where polrelid = 'public.contacts'::regclass and polname = 'contacts_delete_org') then
    create policy contacts_delete_org on public.contacts
      for delete to authenticated
      using (org_id = (select public.auth_org_id()));
  end if;
  if not exists (select 1 from pg_catalog.pg_policy
                  where polrelid = 'public.contacts'::regclass and polname = 'contacts_service_role_all') then
    create policy contacts_service_role_all on public.contacts
      for all to service_role
      using (true) with check (true);
  end if;
end $$;
