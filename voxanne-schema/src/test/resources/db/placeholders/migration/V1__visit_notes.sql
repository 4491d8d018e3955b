-- A service's tenant table whose policies name the caller through Voxanne's placeholders: the subquery form
-- on one server, the direct call on a database distributed by Citus, from this one file.
create table public.visit_notes (
  id      uuid primary key default gen_random_uuid(),
  org_id  uuid not null references public.organizations (id) on delete cascade,
  user_id uuid not null,
  body    text not null
);
create index idx_visit_notes_org_user on public.visit_notes (org_id, user_id);
alter table public.visit_notes enable row level security;
alter table public.visit_notes force row level security;
grant select, insert, update, delete on public.visit_notes to authenticated, service_role;
-- a clinic's users read every note of their clinic, and write and change only their own
create policy visit_notes_select_org on public.visit_notes for select to authenticated
  using (org_id = ${voxanne:auth_org_id});
create policy visit_notes_insert_own on public.visit_notes for insert to authenticated
  with check (org_id = ${voxanne:auth_org_id} and user_id = ${voxanne:auth_user_id});
create policy visit_notes_update_own on public.visit_notes for update to authenticated
  using (org_id = ${voxanne:auth_org_id} and user_id = ${voxanne:auth_user_id})
  with check (org_id = ${voxanne:auth_org_id} and user_id = ${voxanne:auth_user_id});
create policy visit_notes_service on public.visit_notes for all to service_role using (true) with check (true);
