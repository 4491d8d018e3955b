-- =============================================================================================
-- V3  Organizations (a clinic = a tenant) and the shared updated_at trigger function
--
-- * public.organizations; status enum public.organization_status ('active', 'suspended').
-- * The well-known default organization 00000000-0000-0000-0000-000000000001
--   'Unassigned (legacy)' (status suspended: no user belongs to it) that receives orphaned legacy
--   rows (V9).
-- * A placeholder organization 'Legacy organization <uuid>' (status active) for every distinct
--   non-null org_id of legacy calls / call_logs that does not exist yet, so that V9 keeps the
--   attribution of legacy webhook events. Counted in voxanne_migration_report
--   (V3, placeholder_organizations).
-- * public.set_updated_at(): the BEFORE UPDATE trigger function every table uses.
-- * RLS enabled and forced. Here only service_role gets access (it writes organizations);
--   the policy letting an authenticated user read its OWN organization needs
--   public.auth_org_id() and is therefore created in V5.
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
-- updated_at trigger function (shared by every table)
-- ---------------------------------------------------------------------------------------------
create or replace function public.set_updated_at()
  returns trigger
  language plpgsql
  set search_path = ''
as $$
begin
  new.updated_at := pg_catalog.now();
  return new;
end;
$$;
comment on function public.set_updated_at() is
  'BEFORE UPDATE trigger: sets updated_at to the transaction time. Used by every voxanne table.';

-- ---------------------------------------------------------------------------------------------
-- organizations
-- ---------------------------------------------------------------------------------------------
do $$
begin
  if not exists (select 1 from pg_catalog.pg_type t join pg_catalog.pg_namespace n on n.oid = t.typnamespace
                  where n.nspname = 'public' and t.typname = 'organization_status') then
    create type public.organization_status as enum ('active', 'suspended');
  end if;
end $$;

create table if not exists public.organizations (
  id         uuid                       primary key default gen_random_uuid(),
  name       text                       not null,
  status     public.organization_status not null default 'active',
  -- IANA time zone of the clinic (appointments are shown and reminded in it)
  timezone   text                       not null default 'UTC',
  created_at timestamptz                not null default now(),
  updated_at timestamptz                not null default now(),
  constraint ck_organizations_name check (length(btrim(name)) between 1 and 200),
  -- loose shape check ('UTC', 'Europe/London', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5');
  -- the application validates against pg_timezone_names / java.time.ZoneId
  constraint ck_organizations_timezone check (timezone ~ '^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*$' and length(timezone) <= 64)
);
comment on table public.organizations is 'A clinic: the tenant. Every tenant row references one by org_id.';

create or replace trigger set_updated_at_organizations
  before update on public.organizations
  for each row execute function public.set_updated_at();

-- ---------------------------------------------------------------------------------------------
-- The default organization and placeholders for legacy org_ids
-- ---------------------------------------------------------------------------------------------
insert into public.organizations (id, name, status)
values ('00000000-0000-0000-0000-000000000001', 'Unassigned (legacy)', 'suspended')
on conflict (id) do nothing;

do $$
declare
  v_created bigint := 0;
  v_legacy  text   := 'select null::uuid as org_id where false';
begin
  -- a baselined production table may lack the table or the column: look before reading
  if exists (select 1 from pg_catalog.pg_attribute
              where attrelid = to_regclass('public.calls') and attname = 'org_id' and not attisdropped) then
    v_legacy := v_legacy || ' union select org_id from public.calls where org_id is not null';
  end if;
  if exists (select 1 from pg_catalog.pg_attribute
              where attrelid = to_regclass('public.call_logs') and attname = 'org_id' and not attisdropped) then
    v_legacy := v_legacy || ' union select org_id from public.call_logs where org_id is not null';
  end if;

  execute format($q$
    with legacy(org_id) as (%s),
    ins as (
      insert into public.organizations (id, name, status)
      select l.org_id, 'Legacy organization ' || l.org_id::text, 'active'
        from legacy l
       order by l.org_id
      on conflict (id) do nothing
      returning 1
    )
    select count(*) from ins$q$, v_legacy)
  into v_created;

  raise notice 'voxanne V3: % placeholder organization(s) created for legacy org_ids', v_created;
  -- recorded once (a second application records nothing, not even a sequence value)
  insert into public.voxanne_migration_report (migration, item, count, detail)
  select 'V3', 'placeholder_organizations', v_created,
         'organizations created for distinct non-null org_id of legacy calls/call_logs'
   where not exists (select 1 from public.voxanne_migration_report rep
                      where rep.migration = 'V3' and rep.item = 'placeholder_organizations')
  on conflict (migration, item) do nothing;
end $$;

-- ---------------------------------------------------------------------------------------------
-- Access: RLS enabled and forced; service_role writes; nothing for anon.
-- ---------------------------------------------------------------------------------------------
alter table public.organizations enable row level security;
alter table public.organizations force  row level security;

-- Privileges: never revoke what this script grants (revoke only the rest), so that applying it
-- again changes nothing, not even the order of the ACL entries.
-- authenticated: SELECT (of its own organization) is granted in V5 together with its policy, so
-- it is not revoked here either (Supabase's default privileges grant ALL: revoke the rest).
revoke all on table public.organizations from public, anon;
revoke insert, update, delete, truncate, references, trigger on table public.organizations from authenticated;
revoke truncate, references, trigger on table public.organizations from service_role;
grant select, insert, update, delete on table public.organizations to service_role;

do $$
begin
  if not exists (select 1 from pg_catalog.pg_policy
                  where polrelid = 'public.organizations'::regclass and polname = 'organizations_service_role_all') then
    create policy organizations_service_role_all on public.organizations
      for all to service_role using (true) with check (true);
  end if;
end $$;
