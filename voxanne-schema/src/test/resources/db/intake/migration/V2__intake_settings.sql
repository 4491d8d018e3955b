-- A service's table that is not tenant data: its own settings, for service_role only.
create table public.intake_settings (
  key   text primary key,
  value text not null
);
grant select on public.intake_settings to service_role;
