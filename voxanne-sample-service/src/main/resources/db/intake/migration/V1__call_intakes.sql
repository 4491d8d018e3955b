-- The intake service's own tenant table, built by the recipe in Voxanne's README ("Your own tenant
-- tables"): org_id → organizations, RLS enabled and forced, one policy per command for authenticated
-- scoped by ${voxanne:auth_org_id}, a service_role policy, explicit privileges, and Voxanne's
-- trigger functions for org_id immutability, updated_at and the audit trail.
create table public.call_intakes (
  id          uuid        primary key default gen_random_uuid(),
  org_id      uuid        not null references public.organizations (id) on delete cascade,
  call_id     text        not null,
  contact_id  uuid,
  outcome     text        not null default 'received',
  created_at  timestamptz not null default now(),
  updated_at  timestamptz not null default now(),
  constraint uq_call_intakes_org_call unique (org_id, call_id),
  constraint ck_call_intakes_call_id check (length(call_id) between 1 and 255),
  constraint ck_call_intakes_outcome check (outcome in ('received', 'booked', 'callback', 'spam')),
  -- the contact must be the same clinic's: the composite key Voxanne's contacts offer for this
  constraint fk_call_intakes_contact foreign key (org_id, contact_id)
    references public.contacts (org_id, id) on delete set null (contact_id)
);
-- led by org_id, like every index on a tenant table, so a clinic's reads stay in its own slice
create index idx_call_intakes_org_created on public.call_intakes (org_id, created_at desc, id);
create index idx_call_intakes_org_contact on public.call_intakes (org_id, contact_id);

create trigger org_id_immutable_call_intakes
  before update on public.call_intakes
  for each row execute function public.prevent_org_id_change();
create trigger set_updated_at_call_intakes
  before update on public.call_intakes
  for each row execute function public.set_updated_at();
-- the audit trail: one trigger per operation, each writing all of a statement's rows in one insert
create trigger audit_insert_call_intakes after insert on public.call_intakes
  referencing new table as new_rows
  for each statement execute function public.audit_statement_change('call_intakes');
create trigger audit_update_call_intakes after update on public.call_intakes
  referencing old table as old_rows new table as new_rows
  for each statement execute function public.audit_statement_change('call_intakes');
create trigger audit_delete_call_intakes after delete on public.call_intakes
  referencing old table as old_rows
  for each statement execute function public.audit_statement_change('call_intakes');

alter table public.call_intakes enable row level security;
alter table public.call_intakes force row level security;

revoke all on table public.call_intakes from public, anon;
grant select, insert on table public.call_intakes to authenticated;
grant update (contact_id, outcome) on table public.call_intakes to authenticated;
grant select, insert, update, delete on table public.call_intakes to service_role;

create policy call_intakes_select_org on public.call_intakes for select to authenticated
  using (org_id = ${voxanne:auth_org_id});
create policy call_intakes_insert_org on public.call_intakes for insert to authenticated
  with check (org_id = ${voxanne:auth_org_id});
create policy call_intakes_update_org on public.call_intakes for update to authenticated
  using (org_id = ${voxanne:auth_org_id}) with check (org_id = ${voxanne:auth_org_id});
create policy call_intakes_service_role_all on public.call_intakes for all to service_role
  using (true) with check (true);
