-- A misspelt placeholder: the migration must fail before anything of it is applied.
create table public.typo_notes (
  org_id uuid not null references public.organizations (id) on delete cascade
);
alter table public.typo_notes enable row level security;
create policy typo_notes_org on public.typo_notes for select to authenticated using (org_id = ${voxanne:auth_org});
