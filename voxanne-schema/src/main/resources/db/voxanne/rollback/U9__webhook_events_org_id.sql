-- =============================================================================================
-- U9  Undo V9 (org_id of processed_webhook_events)
--
-- Restores the legacy GLOBAL unique key on event_id (as constraint
-- processed_webhook_events_event_id_key, V1's name) and drops org_id, updated_at, their
-- constraints and triggers.
-- Refuses (SQLSTATE VX001) when one event_id is used by two or more organizations (the global
-- unique key could not be restored), unless voxanne.rollback_force = 'on'; when forced, only the
-- oldest row of each such event_id is kept (by processed_at, then id) and the others are deleted.
-- The organizations V9 may have created as placeholders stay (U3 drops organizations).
-- =============================================================================================

do $$
declare
  v_n  bigint;
  v_ex text;
begin
  if to_regclass('public.processed_webhook_events') is null
     or not exists (select 1 from pg_catalog.pg_attribute
                     where attrelid = 'public.processed_webhook_events'::regclass
                       and attname = 'org_id' and not attisdropped) then
    return;
  end if;
  if coalesce(pg_catalog.current_setting('voxanne.rollback_force', true), '') = 'on' then
    raise notice 'voxanne U9: forced (voxanne.rollback_force = on)';
    return;
  end if;
  if not exists (select 1 from pg_catalog.pg_roles r
                  where r.rolname = current_user and (r.rolsuper or r.rolbypassrls)) then
    raise exception 'voxanne rollbacks must run as a role that bypasses row-level security (superuser or BYPASSRLS); % does not', current_user
      using errcode = '42501';
  end if;
  execute $q$
    select count(*), string_agg(format('%L', d.event_id), ', ') filter (where d.rn <= 5)
      from (select event_id, row_number() over (order by event_id) as rn
              from public.processed_webhook_events
             where event_id is not null
             group by event_id
            having count(distinct org_id) > 1) d$q$
  into v_n, v_ex;
  if v_n > 0 then
    raise exception 'rollback of V9 would need a global unique event_id, but % event_id(s) of public.processed_webhook_events are used by several organizations (first: %); forcing deletes all but the oldest row of each', v_n, v_ex
      using errcode = 'VX001',
            hint = 'Force with set_config(''voxanne.rollback_force'', ''on'', true).';
  end if;
end $$;

drop trigger if exists org_id_immutable_processed_webhook_events on public.processed_webhook_events;
drop trigger if exists set_updated_at_processed_webhook_events on public.processed_webhook_events;
alter table public.processed_webhook_events drop constraint if exists fk_processed_webhook_events_org;
alter table public.processed_webhook_events drop constraint if exists uq_processed_webhook_events_org_event;

-- forced only (otherwise the check above refused): keep the oldest row of each event_id
do $$
declare
  v_deleted bigint;
begin
  if not exists (select 1 from pg_catalog.pg_attribute
                  where attrelid = 'public.processed_webhook_events'::regclass
                    and attname = 'org_id' and not attisdropped) then
    return;
  end if;
  execute $q$
    with ranked as (
      select id, row_number() over (partition by event_id order by processed_at, id) as rn
        from public.processed_webhook_events
       where event_id in (select event_id from public.processed_webhook_events
                           group by event_id having count(*) > 1)
    ), del as (
      delete from public.processed_webhook_events e using ranked r
       where e.id = r.id and r.rn > 1
      returning 1)
    select count(*) from del$q$
  into v_deleted;
  if v_deleted > 0 then
    raise notice 'voxanne U9 (forced): deleted % row(s) of public.processed_webhook_events sharing an event_id', v_deleted;
  end if;
end $$;

alter table public.processed_webhook_events drop column if exists org_id;
alter table public.processed_webhook_events drop column if exists updated_at;

do $$
begin
  if not exists (select 1 from pg_catalog.pg_constraint
                  where conrelid = 'public.processed_webhook_events'::regclass
                    and conname = 'processed_webhook_events_event_id_key') then
    alter table public.processed_webhook_events
      add constraint processed_webhook_events_event_id_key unique (event_id);
  end if;
end $$;

delete from public.voxanne_migration_report where migration = 'V9';
