-- =============================================================================================
-- V18  A clinic's search and its suspicious-activity check cost what its own rows cost, however
--      much the other clinics write (docs/adr/0025-reads-apart-from-other-clinics-writes.md)
--
-- * The GIN indexes of contacts (the search tokens of V13, the trigrams and the service interests
--   of V6, whichever exist) keep a pending list of at most 64 kB (gin_pending_list_limit; the
--   server's default is 4 MB). GIN's fast update appends new entries to one unsorted list per index,
--   shared by every clinic, that every search through the index reads whole until a write past the
--   limit or a vacuum merges it; at 4 MB a clinic's search by e-mail or phone took 3.8 ms instead of
--   0.3 ms after other clinics' writes. The list's existing entries are merged now.
-- * detect_suspicious_activity(p_org_id, ...) for one organization reads that organization's events
--   through idx_audit_logs_org_time, and the events of other organizations done with its claims
--   through the new partial index idx_audit_logs_claims_elsewhere (claims_org_id, event_time), which
--   holds only events whose row's organization is not the claims' (none in normal operation). Before,
--   one condition with OR read every organization's events of the window through the BRIN index. The
--   same rows as before: the organization's events, and other organizations' events done with its
--   claims; every organization's events for p_org_id null. Result, checks and errors unchanged.
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
-- detect_suspicious_activity: one organization's events through its indexes
-- ---------------------------------------------------------------------------------------------
-- First: on a distributed database (Citus) a function is a distributed object, whose CREATE OR REPLACE
-- Citus refuses after the parallel DDL below in the same transaction.
create or replace function public.detect_suspicious_activity(
  p_org_id    uuid     default null,
  p_window    interval default '1 hour',
  p_threshold integer  default 100
)
  returns table (
    activity           text,
    org_id             uuid,
    authenticated_user uuid,
    database_user      text,
    event_count        bigint,
    first_seen         timestamptz,
    last_seen          timestamptz,
    detail             text
  )
  language plpgsql
  stable
  security definer
  set search_path = pg_catalog, pg_temp
as $$
#variable_conflict use_column
declare
  v_since timestamptz;
begin
  if not public.is_service_role_caller() then
    raise exception 'detect_suspicious_activity: only service_role may analyse audit logs' using errcode = '42501';
  end if;
  if p_window is null or p_window <= interval '0' then
    raise exception 'detect_suspicious_activity: p_window must be positive' using errcode = '22023';
  end if;
  if p_threshold is null or p_threshold < 1 then
    raise exception 'detect_suspicious_activity: p_threshold must be at least 1' using errcode = '22023';
  end if;
  v_since := pg_catalog.clock_timestamp() - p_window;

  return query
  -- Three disjoint arms, each with an index of its own: every organization (BRIN on event_time);
  -- the organization's events (idx_audit_logs_org_time); other organizations' events done with its
  -- claims (idx_audit_logs_claims_elsewhere, whose predicate the third arm repeats so that the
  -- planner may use it). With p_org_id null only the first arm returns rows, otherwise only the others.
  with w as (
    select a.*
      from public.audit_logs a
     where p_org_id is null
       and a.event_time >= v_since
    union all
    select a.*
      from public.audit_logs a
     where a.org_id = p_org_id
       and a.event_time >= v_since
    union all
    select a.*
      from public.audit_logs a
     where a.claims_org_id = p_org_id
       and a.claims_org_id is not null
       and a.org_id is distinct from a.claims_org_id
       and a.event_time >= v_since
  )
  -- many deletes by one actor in one organization
  select 'bulk_delete'::text, w.org_id, w.authenticated_user, w.database_user,
         count(*), min(w.event_time), max(w.event_time),
         format('%s DELETE events within %s', count(*), p_window)
    from w
   where w.operation = 'DELETE'
   group by w.org_id, w.authenticated_user, w.database_user
  having count(*) >= p_threshold
  union all
  -- many events (reads logged by the application included) by one actor in one organization
  select 'high_volume'::text, w.org_id, w.authenticated_user, w.database_user,
         count(*), min(w.event_time), max(w.event_time),
         format('%s events within %s', count(*), p_window)
    from w
   group by w.org_id, w.authenticated_user, w.database_user
  having count(*) >= p_threshold
  union all
  -- an end user acting on rows of another organization than the one of its claims
  select 'cross_org_access'::text, w.org_id, w.authenticated_user, w.database_user,
         count(*), min(w.event_time), max(w.event_time),
         format('acted on organization %s with claims of organization %s', w.org_id, w.claims_org_id)
    from w
   where w.authenticated_user is not null
     and w.claims_org_id is not null
     and w.org_id is distinct from w.claims_org_id
   group by w.org_id, w.authenticated_user, w.database_user, w.claims_org_id
  union all
  -- one end user seen in several organizations
  select 'multi_org_user'::text, null::uuid, w.authenticated_user, null::text,
         count(*), min(w.event_time), max(w.event_time),
         format('events in %s organizations', count(distinct w.org_id))
    from w
   where w.authenticated_user is not null
   group by w.authenticated_user
  having count(distinct w.org_id) > 1
  union all
  -- refusals the application recorded with log_audit_event(..., 'ACCESS_DENIED', ...)
  select 'access_denied'::text, w.org_id, w.authenticated_user, w.database_user,
         count(*), min(w.event_time), max(w.event_time),
         format('%s ACCESS_DENIED events within %s', count(*), p_window)
    from w
   where w.event_type = 'ACCESS_DENIED'
   group by w.org_id, w.authenticated_user, w.database_user
  order by 5 desc, 1, 2, 3;
end;
$$;

-- ---------------------------------------------------------------------------------------------
-- idx_audit_logs_claims_elsewhere
-- ---------------------------------------------------------------------------------------------
-- A plain CREATE INDEX on an existing table, on purpose (MIGRATIONS.md "Indexes on live tables"): this
-- migration is one transaction, where CONCURRENTLY cannot run. The build reads audit_logs once and
-- keeps only the rows of its predicate (none in normal operation); audited writes wait for it.
-- squawk-ignore require-concurrent-index-creation
create index if not exists idx_audit_logs_claims_elsewhere
  on public.audit_logs (claims_org_id, event_time)
  where claims_org_id is not null and org_id is distinct from claims_org_id;

do $$
declare
  v_actual text;
  v_valid  boolean;
begin
  select pg_catalog.pg_get_indexdef(i.indexrelid), i.indisvalid and i.indrelid = 'public.audit_logs'::pg_catalog.regclass
    into v_actual, v_valid
    from pg_catalog.pg_index i
   where i.indexrelid = pg_catalog.to_regclass('public.idx_audit_logs_claims_elsewhere');
  if v_actual is null or not v_valid
     or v_actual not like '% USING btree (claims_org_id, event_time) WHERE ((claims_org_id IS NOT NULL) AND (org_id IS DISTINCT FROM claims_org_id))' then
    raise exception 'voxanne V18: index public.idx_audit_logs_claims_elsewhere is missing, invalid or not as expected (%)', v_actual
      using errcode = '55000',
            hint = 'Drop it (an interrupted CREATE INDEX CONCURRENTLY leaves an invalid index) and run the migration again.';
  end if;
end $$;

-- ---------------------------------------------------------------------------------------------
-- The pending lists of the GIN indexes of contacts
-- ---------------------------------------------------------------------------------------------
-- gin_pending_list_limit takes SHARE UPDATE EXCLUSIVE on the index (reads and writes go on);
-- gin_clean_pending_list merges what the list holds now, so the first searches after the migration
-- do not read it either. On a distributed database (Citus) the shards' lists are merged by their
-- next vacuum.
do $$
declare
  v_index pg_catalog.regclass;
begin
  for v_index in
    select i.indexrelid::pg_catalog.regclass
      from pg_catalog.pg_index i
      join pg_catalog.pg_class x on x.oid = i.indexrelid
      join pg_catalog.pg_am a on a.oid = x.relam
     where i.indrelid = 'public.contacts'::pg_catalog.regclass
       and a.amname = 'gin'
       and x.relname in ('idx_contacts_search_tokens', 'idx_contacts_search_trgm', 'idx_contacts_service_interests')
     order by x.relname
  loop
    execute pg_catalog.format('alter index %s set (gin_pending_list_limit = 64)', v_index);
    perform pg_catalog.gin_clean_pending_list(v_index);
  end loop;
end $$;
