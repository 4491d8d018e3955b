-- A service's tenant table beside Voxanne's, built by Voxanne's rules.
create table public.intake_calls (
  id     uuid primary key default gen_random_uuid(),
  org_id uuid not null references public.organizations (id) on delete cascade,
  caller text not null
);
create index idx_intake_calls_org on public.intake_calls (org_id);
alter table public.intake_calls enable row level security;
alter table public.intake_calls force row level security;
grant select, insert, update, delete on public.intake_calls to authenticated, service_role;
create policy intake_calls_org on public.intake_calls for all to authenticated
  using (org_id = (select public.auth_org_id())) with check (org_id = (select public.auth_org_id()));
create policy intake_calls_service on public.intake_calls for all to service_role using (true) with check (true);
