-- =============================================================================================
-- U18  Undo V18 (the GIN indexes of contacts keep the server's pending list limit; suspicious-activity
--      detection reads the window's events with one condition again)
--
-- Drops no data. Resets gin_pending_list_limit on the GIN indexes of contacts, drops
-- idx_audit_logs_claims_elsewhere, and puts back V10's detect_suspicious_activity body byte for byte
-- with V14's search_path.
-- =============================================================================================

set local lock_timeout = '10s';

-- The function first: on a distributed database Citus refuses a function's DDL after DDL on distributed
-- tables in the same transaction (docs/citus.md, fact 35), as V18 orders it too.
-- V10's detect_suspicious_activity, byte for byte, with V14's search_path
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
  with w as (
    select a.*
      from public.audit_logs a
     where a.event_time >= v_since
       and (p_org_id is null or a.org_id = p_org_id
            or (a.claims_org_id = p_org_id and a.org_id is distinct from p_org_id))
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

do $$
declare
  v_index pg_catalog.regclass;
begin
  for v_index in
    select i.indexrelid::pg_catalog.regclass
      from pg_catalog.pg_index i
      join pg_catalog.pg_class x on x.oid = i.indexrelid
     where i.indrelid = 'public.contacts'::pg_catalog.regclass
       and x.relname in ('idx_contacts_search_tokens', 'idx_contacts_search_trgm', 'idx_contacts_service_interests')
     order by x.relname
  loop
    execute pg_catalog.format('alter index %s reset (gin_pending_list_limit)', v_index);
  end loop;
end $$;

drop index if exists public.idx_audit_logs_claims_elsewhere;
