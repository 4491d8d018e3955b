-- =============================================================================================
-- V1  Legacy baseline
--
-- The tables Voxanne had BEFORE Phase 1 (calls, call_logs, processed_webhook_events), created
-- only where absent, so that an existing production database can be baselined unchanged.
-- A table created here is marked with the comment 'voxanne V1 legacy baseline ...'; the rollback
-- (rollback/U1__legacy_baseline.sql) drops only marked tables, never a pre-existing one.
--
-- Also creates public.voxanne_migration_report, where later migrations record what they did
-- (backfill counts, extensions they created, pgaudit status).
--
-- Legacy tables are not tenant tables: org_id is nullable and has no foreign key. They are
-- locked down anyway: RLS enabled and forced, no access for anon/authenticated, service_role only.
-- Roles anon/authenticated/service_role may not exist yet (V2 creates them), so their grants and
-- policies are given in V2 where missing; here everything is granted to nobody.
--
-- Re-runnable: every statement checks the catalog or is idempotent.
-- Requires: the migrating role bypasses row-level security (superuser, or BYPASSRLS as Supabase's
-- postgres): later migrations read and backfill these tables, which have FORCE ROW LEVEL SECURITY.
-- =============================================================================================

-- On a live database, fail fast rather than queue behind a long transaction while holding up every
-- query behind this migration's locks. Transaction-local: it ends with the migration.
set local lock_timeout = '10s';

do $$
begin
  if not exists (select 1 from pg_catalog.pg_roles r
                  where r.rolname = current_user and (r.rolsuper or r.rolbypassrls)) then
    raise exception 'voxanne migrations must run as a role that bypasses row-level security (superuser or BYPASSRLS); % does not', current_user
      using errcode = '42501',
            hint = 'On Supabase migrate as postgres; on plain PostgreSQL as the database superuser.';
  end if;
end $$;

-- ---------------------------------------------------------------------------------------------
-- Legacy tables (only where absent)
-- ---------------------------------------------------------------------------------------------
do $$
begin
  if to_regclass('public.calls') is null then
    create table public.calls (
      id           uuid        primary key default gen_random_uuid(),
      org_id       uuid,                       -- legacy: nullable, no foreign key
      vapi_call_id text,
      created_at   timestamptz not null default now()
    );
    create index idx_calls_vapi_call_id on public.calls (vapi_call_id);
    comment on table public.calls is 'voxanne V1 legacy baseline: calls as they were before Phase 1';
  end if;

  if to_regclass('public.call_logs') is null then
    create table public.call_logs (
      id           uuid        primary key default gen_random_uuid(),
      org_id       uuid,                       -- legacy: nullable, no foreign key
      call_id      uuid        references public.calls (id),
      vapi_call_id text,
      created_at   timestamptz not null default now()
    );
    create index idx_call_logs_call_id on public.call_logs (call_id);
    create index idx_call_logs_vapi_call_id on public.call_logs (vapi_call_id);
    comment on table public.call_logs is 'voxanne V1 legacy baseline: call_logs as they were before Phase 1';
  end if;

  if to_regclass('public.processed_webhook_events') is null then
    create table public.processed_webhook_events (
      id           uuid        primary key default gen_random_uuid(),
      event_id     text        not null,
      event_type   text,
      call_id      uuid,                       -- no foreign key: a webhook may arrive before its call
      call_log_id  uuid,
      vapi_call_id text,
      payload      jsonb,
      processed_at timestamptz not null default now(),
      created_at   timestamptz not null default now(),
      -- The legacy GLOBAL idempotency key that V9 replaces by (org_id, event_id).
      constraint processed_webhook_events_event_id_key unique (event_id)
    );
    comment on table public.processed_webhook_events is 'voxanne V1 legacy baseline: processed_webhook_events as they were before Phase 1';
  end if;
end $$;

-- ---------------------------------------------------------------------------------------------
-- Migration report: what migrations did (counts, extensions created, pgaudit status)
-- ---------------------------------------------------------------------------------------------
create table if not exists public.voxanne_migration_report (
  id          bigserial   primary key,
  migration   text        not null,
  item        text        not null,
  count       bigint      not null default 0,
  detail      text,
  recorded_at timestamptz not null default clock_timestamp(),
  -- one row per (migration, item): a migration applied twice records nothing the second time
  constraint uq_voxanne_migration_report_item unique (migration, item)
);
comment on table public.voxanne_migration_report is
  'What voxanne migrations did: backfill counts, orphans, conflicts, extensions created, pgaudit status. Read by the verify report.';

-- ---------------------------------------------------------------------------------------------
-- Lock down: RLS enabled and forced; nothing granted to PUBLIC (API roles are handled in V2).
-- ---------------------------------------------------------------------------------------------
alter table public.calls                    enable row level security;
alter table public.calls                    force  row level security;
alter table public.call_logs                enable row level security;
alter table public.call_logs                force  row level security;
alter table public.processed_webhook_events enable row level security;
alter table public.processed_webhook_events force  row level security;
alter table public.voxanne_migration_report enable row level security;
alter table public.voxanne_migration_report force  row level security;

revoke all on table public.calls, public.call_logs, public.processed_webhook_events,
                    public.voxanne_migration_report from public;
revoke all on sequence public.voxanne_migration_report_id_seq from public;
