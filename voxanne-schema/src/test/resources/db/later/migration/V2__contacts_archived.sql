-- A later version hides archived contacts from a clinic's users: a tenant policy altered through Voxanne's
-- placeholder, which migrate resolves to the subquery form on one server and to the direct call on a
-- database distributed by Citus (which refuses a subquery in a policy on a distributed table).
alter table public.contacts add column archived boolean not null default false;
alter policy contacts_select_org on public.contacts
  using (org_id = ${voxanne:auth_org_id} and not archived);
