-- =============================================================================================
-- V9  processed_webhook_events gets org_id: per-organization webhook idempotency
--
-- Before: UNIQUE (event_id) over all organizations (clinic B's event was refused as a duplicate
-- of clinic A's). After: UNIQUE (org_id, event_id) (constraint uq_processed_webhook_events_org_event),
-- org_id NOT NULL -> organizations ON DELETE CASCADE, immutable, tenant RLS (service_role only:
-- webhook intake is backend work; authenticated and anon get nothing).
--
-- Backfill of org_id (only rows where it is NULL), deterministic, in this precedence:
--   1. call_log_id  -> call_logs.org_id
--   2. call_id      -> calls.org_id
--   3. vapi_call_id -> calls.vapi_call_id / call_logs.vapi_call_id; when it matches several
--      organizations the lowest org uuid is taken (and the row counts as a conflict)
--   4. nothing found -> the default organization 00000000-0000-0000-0000-000000000001 (orphan)
-- A CONFLICT is a row for which the strategies (or several vapi matches) name more than one
-- organization; the highest-precedence one is kept. A strategy whose legacy column is missing
-- (baselined production table of another shape) is skipped.
-- Organizations named by the backfill that do not exist yet get a placeholder (as V3 does).
-- No row is lost: the row count before and after is asserted.
-- If after the backfill one organization has the same event_id twice, the migration FAILS
-- (SQLSTATE 23505) listing the first pairs: webhook history is never dropped silently.
-- Every old global uniqueness on event_id (unique constraint or index, on the column or an expression
-- of it, or an exclusion constraint) without org_id is dropped, whatever its name.
--
-- Reported (RAISE NOTICE and rows of public.voxanne_migration_report, migration 'V9'):
--   backfilled_via_call_logs, backfilled_via_calls, backfilled_via_vapi_call_id,
--   orphans_to_default_org, conflicts, duplicate_event_ids (0, else the migration fails),
--   placeholder_organizations, dropped_global_unique, rows_total.
--
-- Also adds updated_at (+ trigger), as on every tenant table.
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

alter table public.processed_webhook_events add column if not exists org_id uuid;
alter table public.processed_webhook_events add column if not exists updated_at timestamptz not null default now();

-- ---------------------------------------------------------------------------------------------
-- Backfill, checks and report
-- ---------------------------------------------------------------------------------------------
do $$
declare
  c_default constant uuid := '00000000-0000-0000-0000-000000000001';
  v_cols        text[];
  v_o1          text := 'null::uuid';
  v_o2          text := 'null::uuid';
  v_o3          text := 'null::uuid[]';
  v_joins       text := '';
  v_vapi        text[] := '{}';
  v_before      bigint;
  v_after       bigint;
  v_pending     bigint;
  v_via_logs    bigint := 0;
  v_via_calls   bigint := 0;
  v_via_vapi    bigint := 0;
  v_orphans     bigint := 0;
  v_conflicts   bigint := 0;
  v_conflict_ex uuid[];
  v_placeholders bigint := 0;
  v_dups        bigint;
  v_dup_ex      text;
begin
  select count(*) into v_before from public.processed_webhook_events;
  select count(*) into v_pending from public.processed_webhook_events where org_id is null;

  if v_pending > 0 then
    -- which legacy columns exist (a baselined production database may differ from V1's shape)
    select array_agg(c.relname || '.' || a.attname) into v_cols
      from pg_catalog.pg_attribute a
      join pg_catalog.pg_class c on c.oid = a.attrelid
      join pg_catalog.pg_namespace n on n.oid = c.relnamespace
     where n.nspname = 'public'
       and c.relname in ('calls', 'call_logs', 'processed_webhook_events')
       and a.attnum > 0 and not a.attisdropped;

    if array['processed_webhook_events.call_log_id', 'call_logs.id', 'call_logs.org_id'] <@ v_cols then
      v_o1 := 'cl.org_id';
      v_joins := v_joins || ' left join public.call_logs cl on cl.id = e.call_log_id';
    end if;
    if array['processed_webhook_events.call_id', 'calls.id', 'calls.org_id'] <@ v_cols then
      v_o2 := 'c.org_id';
      v_joins := v_joins || ' left join public.calls c on c.id = e.call_id';
    end if;
    if array['calls.vapi_call_id', 'calls.org_id'] <@ v_cols then
      v_vapi := v_vapi || 'select vapi_call_id, org_id from public.calls where vapi_call_id is not null and org_id is not null'::text;
    end if;
    if array['call_logs.vapi_call_id', 'call_logs.org_id'] <@ v_cols then
      v_vapi := v_vapi || 'select vapi_call_id, org_id from public.call_logs where vapi_call_id is not null and org_id is not null'::text;
    end if;
    if 'processed_webhook_events.vapi_call_id' = any (v_cols) and cardinality(v_vapi) > 0 then
      v_o3 := 'v.orgs';
      v_joins := v_joins || format(
        ' left join (select vapi_call_id, array_agg(distinct org_id order by org_id) as orgs'
        '              from (%s) s group by vapi_call_id) v on v.vapi_call_id = e.vapi_call_id',
        array_to_string(v_vapi, ' union all '));
    end if;

    execute format($q$
      with src as (
        select e.id, %1$s as o1, %2$s as o2, %3$s as o3s
          from public.processed_webhook_events e %4$s
         where e.org_id is null
      ), decided as (
        select s.*,
               coalesce(s.o1, s.o2, s.o3s[1], %5$L::uuid) as chosen,
               (select count(distinct x)
                  from unnest(array[s.o1, s.o2] || coalesce(s.o3s, '{}'::uuid[])) as x
                 where x is not null) > 1 as conflict
          from src s
      ), upd as (
        update public.processed_webhook_events e
           set org_id = d.chosen
          from decided d
         where e.id = d.id
        returning d.id, d.o1, d.o2, d.o3s, d.conflict
      )
      select count(*) filter (where o1 is not null),
             count(*) filter (where o1 is null and o2 is not null),
             count(*) filter (where o1 is null and o2 is null and o3s is not null),
             count(*) filter (where o1 is null and o2 is null and o3s is null),
             count(*) filter (where conflict),
             (array_agg(id order by id) filter (where conflict))[1:5]
        from upd$q$, v_o1, v_o2, v_o3, v_joins, c_default)
    into v_via_logs, v_via_calls, v_via_vapi, v_orphans, v_conflicts, v_conflict_ex;

    -- organizations named by legacy rows but unknown (normally created by V3 already)
    with ins as (
      insert into public.organizations (id, name, status)
      select distinct e.org_id, 'Legacy organization ' || e.org_id::text, 'active'::public.organization_status
        from public.processed_webhook_events e
       where not exists (select 1 from public.organizations o where o.id = e.org_id)
      on conflict (id) do nothing
      returning 1)
    select count(*) into v_placeholders from ins;
  end if;

  -- no row lost, none left without an organization
  select count(*) into v_after from public.processed_webhook_events;
  if v_after <> v_before then
    raise exception 'voxanne V9: processed_webhook_events had % rows before the backfill and % after', v_before, v_after;
  end if;
  if exists (select 1 from public.processed_webhook_events where org_id is null) then
    raise exception 'voxanne V9: rows of processed_webhook_events are left without org_id after the backfill';
  end if;

  -- one organization must not hold the same event_id twice (the new unique key)
  select count(*),
         string_agg(format('(org %s, event_id %L, %s rows)', d.org_id, d.event_id, d.n), ', ')
           filter (where d.rn <= 5)
    into v_dups, v_dup_ex
    from (select org_id, event_id, count(*) as n,
                 row_number() over (order by org_id, event_id) as rn
            from public.processed_webhook_events
           where event_id is not null
           group by org_id, event_id
          having count(*) > 1) d;
  if v_dups > 0 then
    raise exception 'voxanne V9: % (org_id, event_id) pair(s) occur more than once after the backfill, first: %', v_dups, v_dup_ex
      using errcode = '23505',
            hint = 'Webhook history is never dropped silently: resolve these rows by hand (or re-attribute them), then migrate again.';
  end if;

  raise notice 'voxanne V9: rows_total=%, backfilled_via_call_logs=%, backfilled_via_calls=%, backfilled_via_vapi_call_id=%, orphans_to_default_org=%, conflicts=%, duplicate_event_ids=0, placeholder_organizations=%',
    v_after, v_via_logs, v_via_calls, v_via_vapi, v_orphans, v_conflicts, v_placeholders;
  if v_conflicts > 0 then
    raise notice 'voxanne V9: conflicting attributions kept by precedence (call_logs > calls > vapi_call_id), first event row ids: %',
      array_to_string(v_conflict_ex, ', ');
  end if;

  -- recorded once (a second application records nothing, not even a sequence value)
  insert into public.voxanne_migration_report (migration, item, count, detail)
  select v.migration, v.item, v.count, v.detail from (values
    ('V9', 'rows_total',                  v_after,        'rows of processed_webhook_events'),
    ('V9', 'backfilled_via_call_logs',    v_via_logs,     'org_id from call_logs via call_log_id'),
    ('V9', 'backfilled_via_calls',        v_via_calls,    'org_id from calls via call_id'),
    ('V9', 'backfilled_via_vapi_call_id', v_via_vapi,     'org_id from calls/call_logs via vapi_call_id (lowest org uuid when several)'),
    ('V9', 'orphans_to_default_org',      v_orphans,      'no organization found: assigned to 00000000-0000-0000-0000-000000000001'),
    ('V9', 'conflicts',                   v_conflicts,
           case when v_conflicts > 0
                then 'strategies disagreed, higher precedence kept; first event row ids: ' || array_to_string(v_conflict_ex, ', ')
                else 'strategies never disagreed' end),
    ('V9', 'duplicate_event_ids',         0,              '(org_id, event_id) pairs occurring more than once (the migration fails if any)'),
    ('V9', 'placeholder_organizations',   v_placeholders, 'organizations created for org_ids named by the backfill')
  ) as v(migration, item, count, detail)
  where not exists (select 1 from public.voxanne_migration_report rep
                     where rep.migration = v.migration and rep.item = v.item)
  on conflict (migration, item) do nothing;
end $$;

-- ---------------------------------------------------------------------------------------------
-- Drop EVERY global uniqueness on event_id, whatever its name or shape: a unique constraint or
-- index, or an exclusion constraint, whose key mentions event_id (as a column or inside an
-- expression such as lower(event_id)) and does not include org_id. Any of them would still make one
-- clinic's event id block another's.
-- ---------------------------------------------------------------------------------------------
do $$
declare
  r         record;
  v_dropped text[] := '{}';
begin
  for r in
    select ns.nspname as idx_schema, ic.relname as idx_name, con.conname, con.contype
      from pg_catalog.pg_index i
      join pg_catalog.pg_class ic on ic.oid = i.indexrelid
      join pg_catalog.pg_namespace ns on ns.oid = ic.relnamespace
      left join pg_catalog.pg_constraint con
             on con.conindid = i.indexrelid and con.conrelid = i.indrelid and con.contype in ('p', 'u', 'x')
     where i.indrelid = 'public.processed_webhook_events'::regclass
       and (i.indisunique or con.contype = 'x')
       and (exists (select 1 from unnest(i.indkey::int2[]) k
                      join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = k
                     where a.attname = 'event_id')
            or coalesce(pg_catalog.pg_get_expr(i.indexprs, i.indrelid), '') ~ '\mevent_id\M')
       and not exists (select 1 from unnest(i.indkey::int2[]) k
                         join pg_catalog.pg_attribute a on a.attrelid = i.indrelid and a.attnum = k
                        where a.attname = 'org_id')
       and coalesce(pg_catalog.pg_get_expr(i.indexprs, i.indrelid), '') !~ '\morg_id\M'
     order by ic.relname
  loop
    if r.contype = 'p' then
      raise exception 'voxanne V9: event_id is the primary key of processed_webhook_events (%); cannot make it unique per organization', r.conname;
    elsif r.conname is not null then
      execute format('alter table public.processed_webhook_events drop constraint %I', r.conname);
    else
      execute format('drop index %I.%I', r.idx_schema, r.idx_name);
    end if;
    v_dropped := v_dropped || r.idx_name::text;
  end loop;

  if cardinality(v_dropped) > 0 then
    raise notice 'voxanne V9: dropped global unique on event_id: %', array_to_string(v_dropped, ', ');
  end if;
  insert into public.voxanne_migration_report (migration, item, count, detail)
  select 'V9', 'dropped_global_unique', cardinality(v_dropped), nullif(array_to_string(v_dropped, ', '), '')
   where not exists (select 1 from public.voxanne_migration_report rep
                      where rep.migration = 'V9' and rep.item = 'dropped_global_unique')
  on conflict (migration, item) do nothing;
end $$;

-- ---------------------------------------------------------------------------------------------
-- New key, NOT NULL, foreign key
-- ---------------------------------------------------------------------------------------------
do $$
begin
  if not exists (select 1 from pg_catalog.pg_constraint
                  where conrelid = 'public.processed_webhook_events'::regclass
                    and conname = 'uq_processed_webhook_events_org_event') then
    alter table public.processed_webhook_events
      add constraint uq_processed_webhook_events_org_event unique (org_id, event_id);
  end if;
end $$;

alter table public.processed_webhook_events alter column org_id set not null;

do $$
begin
  if not exists (select 1 from pg_catalog.pg_constraint
                  where conrelid = 'public.processed_webhook_events'::regclass
                    and conname = 'fk_processed_webhook_events_org') then
    alter table public.processed_webhook_events
      add constraint fk_processed_webhook_events_org foreign key (org_id)
        references public.organizations (id) on delete cascade;
  end if;
end $$;

comment on column public.processed_webhook_events.org_id is
  'Organization that received the webhook; (org_id, event_id) is the idempotency key.';

-- ---------------------------------------------------------------------------------------------
-- Triggers
-- ---------------------------------------------------------------------------------------------
create or replace trigger org_id_immutable_processed_webhook_events
  before update on public.processed_webhook_events
  for each row execute function public.prevent_org_id_change();

create or replace trigger set_updated_at_processed_webhook_events
  before update on public.processed_webhook_events
  for each row execute function public.set_updated_at();

-- ---------------------------------------------------------------------------------------------
-- Access: tenant table for the backend only (RLS and the service_role policy since V1/V2)
-- ---------------------------------------------------------------------------------------------
alter table public.processed_webhook_events enable row level security;
alter table public.processed_webhook_events force  row level security;
revoke all on table public.processed_webhook_events from public, anon, authenticated;
