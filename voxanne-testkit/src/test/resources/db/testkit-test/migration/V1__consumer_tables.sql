-- A consumer's own tables on top of Voxanne's, for the test kit's tests: one built by the rules, and
-- two that break them, so that every assertion can be seen failing.

-- By the rules: RLS enabled and forced, policies only for authenticated and service_role.
create table public.notes (
  id     uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade,
  body   text not null check (length(body) <= 100)
);
alter table public.notes enable row level security;
alter table public.notes force row level security;
grant select, insert, update, delete on public.notes to authenticated, service_role;
create policy notes_org on public.notes for all to authenticated
  using (org_id = (select public.auth_org_id())) with check (org_id = (select public.auth_org_id()));
create policy notes_service on public.notes for all to service_role using (true) with check (true);

-- Broken: RLS enabled but not forced, and one policy for everyone that lets every row through.
create table public.leaky (
  id     uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade,
  note   text not null
);
alter table public.leaky enable row level security;
grant select, insert, update, delete on public.leaky to anon, authenticated, service_role;
create policy leaky_all on public.leaky using (true) with check (true);

-- Broken: no RLS at all.
create table public.open_notes (
  id     uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade
);
grant select on public.open_notes to authenticated, service_role;
