-- =============================================================================================
-- V7  Appointments of a clinic's contacts
--
-- Tenant table (see V6 for the pattern). Specifics:
-- * contact_id: composite foreign key (org_id, contact_id) -> contacts (org_id, id) on delete
--   cascade: an appointment can only reference a contact of its own organization (a plain FK
--   ignores RLS and would accept another clinic's contact).
-- * service_type text CHECK in ('consultation', 'botox', 'filler', 'other');
--   duration_minutes 1..1440 (default 30); status enum public.appointment_status;
--   soft delete with deleted_at.
-- * NO DOUBLE BOOKING, enforced by the database: exclusion constraint
--   excl_appointments_no_double_booking: no two ACTIVE appointments (deleted_at IS NULL and status
--   not cancelled / no_show) of one organization may overlap in time ([start, end) ranges:
--   back-to-back is fine). Violation: SQLSTATE 23P01 on that constraint name.
--   Uses btree_gist (org_id WITH =), created if missing in schema extensions and recorded in
--   voxanne_migration_report (V7, extension_created:btree_gist) for U7.
-- * public.appointment_time_range(scheduled_at, duration_minutes): IMMUTABLE tstzrange builder
--   for the constraint (see its comment).
--
-- Index notes (the brief's names are kept; deviations):
--   idx_appointments_contact           brief: (contact_id); led by org_id here: (org_id, contact_id)
--                                      (also serves the composite FK's cascade).
--   idx_appointments_org_scheduled_at  id added last (keyset pagination tie-breaker).
--   idx_appointments_upcoming          partial: not deleted and status pending/confirmed, led by
--                                      org_id; usable under RLS (see V6 on partial indexes).
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
-- Extension btree_gist (for uuid equality inside a GiST exclusion constraint)
-- ---------------------------------------------------------------------------------------------
do $$
declare
  v_schema text := case when exists (select 1 from pg_catalog.pg_namespace where nspname = 'extensions')
                        then 'extensions' else 'public' end;
begin
  if not exists (select 1 from pg_catalog.pg_extension where extname = 'btree_gist') then
    if not exists (select 1 from pg_catalog.pg_available_extensions where name = 'btree_gist') then
      raise exception 'voxanne V7 needs the btree_gist extension (PostgreSQL contrib) for the no-double-booking constraint, which this server does not provide'
        using errcode = '0A000';
    end if;
    execute format('create extension btree_gist with schema %I', v_schema);
    insert into public.voxanne_migration_report (migration, item, count, detail)
    values ('V7', 'extension_created:btree_gist', 1, 'created in schema ' || v_schema)
    on conflict (migration, item) do nothing;
  end if;
end $$;

-- ---------------------------------------------------------------------------------------------
-- Types and helper
-- ---------------------------------------------------------------------------------------------
do $$
begin
  if not exists (select 1 from pg_catalog.pg_type t join pg_catalog.pg_namespace n on n.oid = t.typnamespace
                  where n.nspname = 'public' and t.typname = 'appointment_status') then
    create type public.appointment_status as enum
      ('pending', 'confirmed', 'in_progress', 'completed', 'cancelled', 'no_show');
  end if;
end $$;

-- timestamptz + interval is only STABLE because adding days or months depends on the session
-- time zone (DST). An interval of whole minutes has no day or month part, so adding it is plain
-- microsecond arithmetic on the absolute instant, identical in every time zone: IMMUTABLE is
-- true for this function, which makes it usable in the exclusion constraint.
create or replace function public.appointment_time_range(p_scheduled_at timestamptz, p_duration_minutes integer)
  returns tstzrange
  language sql
  immutable
  parallel safe
  set search_path = ''
as $$
  select pg_catalog.tstzrange(p_scheduled_at,
                              p_scheduled_at + pg_catalog.make_interval(mins => p_duration_minutes),
                              '[)')
$$;
comment on function public.appointment_time_range(timestamptz, integer) is
  'The [start, start + minutes) range of an appointment. IMMUTABLE: an interval of minutes only has no day/month part, so the addition does not depend on the time zone.';

-- ---------------------------------------------------------------------------------------------
-- Table
-- ---------------------------------------------------------------------------------------------
create table if not exists public.appointments (
  id                uuid                      primary key default gen_random_uuid(),
  org_id            uuid                      not null references public.organizations (id) on delete cascade,
  contact_id        uuid                      not null,
  service_type      text                      not null,
  scheduled_at      timestamptz               not null,
  duration_minutes  integer                   not null default 30,
  status            public.appointment_status not null default 'pending',
  calendar_link     text,
  confirmation_sent boolean                   not null default false,
  notes             text,
  deleted_at        timestamptz,
  created_at        timestamptz               not null default now(),
  updated_at        timestamptz               not null default now(),
  constraint uq_appointments_org_id_id unique (org_id, id),
  constraint fk_appointments_contact foreign key (org_id, contact_id)
    references public.contacts (org_id, id) on delete cascade,
  constraint ck_appointments_service_type check (service_type in ('consultation', 'botox', 'filler', 'other')),
  constraint ck_appointments_duration check (duration_minutes > 0 and duration_minutes <= 1440),
  constraint ck_appointments_calendar_link check (length(calendar_link) <= 2048 and calendar_link ~* '^https?://'),
  constraint ck_appointments_notes check (length(notes) <= 10000),
  constraint excl_appointments_no_double_booking exclude using gist (
    org_id with =,
    public.appointment_time_range(scheduled_at, duration_minutes) with &&
  ) where (deleted_at is null and status not in ('cancelled', 'no_show'))
);
comment on table public.appointments is 'Appointments of contacts. Tenant table (org_id). Soft delete: deleted_at.';
comment on constraint excl_appointments_no_double_booking on public.appointments is
  'No two active (not deleted, not cancelled/no_show) appointments of one organization overlap.';

-- ---------------------------------------------------------------------------------------------
-- Indexes (all led by org_id)
-- ---------------------------------------------------------------------------------------------
create index if not exists idx_appointments_org_scheduled_at
  on public.appointments (org_id, scheduled_at desc, id desc);
create index if not exists idx_appointments_contact
  on public.appointments (org_id, contact_id);
create index if not exists idx_appointments_org_status
  on public.appointments (org_id, status);
create index if not exists idx_appointments_upcoming
  on public.appointments (org_id, scheduled_at, id)
  where deleted_at is null and status in ('pending', 'confirmed');

-- ---------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------
create or replace trigger org_id_immutable_appointments
  before update on public.appointments
  for each row execute function public.prevent_org_id_change();

create or replace trigger set_updated_at_appointments
  before update on public.appointments
  for each row execute function public.set_updated_at();

-- ---------------------------------------------------------------------------------------------
-- Access
-- ---------------------------------------------------------------------------------------------
alter table public.appointments enable row level security;
alter table public.appointments force  row level security;

-- Privileges: never revoke what this script grants (revoke only the rest), so that applying it
-- again changes nothing, not even the order of the ACL entries.
-- (Revoking the table-level UPDATE also drops the column-level ones, granted again just below.)
revoke all on table public.appointments from public, anon;
revoke update, truncate, references, trigger on table public.appointments from authenticated;
revoke truncate, references, trigger on table public.appointments from service_role;
grant select, insert, delete on table public.appointments to authenticated;
grant update (contact_id, service_type, scheduled_at, duration_minutes, status, calendar_link,
              confirmation_sent, notes, deleted_at)
  on table public.appointments to authenticated;
grant select, insert, update, delete on table public.appointments to service_role;

do $$
begin
  if not exists (select 1 from pg_catalog.pg_policy
                  where polrelid = 'public.appointments'::regclass and polname = 'appointments_select_org') then
    create policy appointments_select_org on public.appointments
      for select to authenticated
      using (org_id = (select public.auth_org_id()));
  end if;
  if not exists (select 1 from pg_catalog.pg_policy
                  where polrelid = 'public.appointments'::regclass and polname = 'appointments_insert_org') then
    create policy appointments_insert_org on public.appointments
      for insert to authenticated
      with check (org_id = (select public.auth_org_id()));
  end if;
  if not exists (select 1 from pg_catalog.pg_policy
                  where polrelid = 'public.appointments'::regclass and polname = 'appointments_update_org') then
    create policy appointments_update_org on public.appointments
      for update to authenticated
      using (org_id = (select public.auth_org_id()))
      with check (org_id = (select public.auth_org_id()));
  end if;
  if not exists (select 1 from pg_catalog.pg_policy
                  where polrelid = 'public.appointments'::regclass and polname = 'appointments_delete_org') then
    create policy appointments_delete_org on public.appointments
      for delete to authenticated
      using (org_id = (select public.auth_org_id()));
  end if;
  if not exists (select 1 from pg_catalog.pg_policy
                  where polrelid = 'public.appointments'::regclass and polname = 'appointments_service_role_all') then
    create policy appointments_service_role_all on public.appointments
      for all to service_role
      using (true) with check (true);
  end if;
end $$;
