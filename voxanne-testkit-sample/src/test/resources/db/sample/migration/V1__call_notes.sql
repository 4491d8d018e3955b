-- The sample service's own table, on top of Voxanne's schema: a tenant table by Voxanne's rules.
create table public.call_notes (
  id     uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade,
  body   text not null
);
create index idx_call_notes_org on public.call_notes (org_id);

alter table public.call_notes enable row level security;
alter table public.call_notes force row level security;
grant select, insert, update, delete on public.call_notes to authenticated, service_role;

create policy call_notes_org on public.call_notes for all to authenticated
  using (org_id = (select public.auth_org_id())) with check (org_id = (select public.auth_org_id()));
create policy call_notes_service on public.call_notes for all to service_role
  using (true) with check (true);
