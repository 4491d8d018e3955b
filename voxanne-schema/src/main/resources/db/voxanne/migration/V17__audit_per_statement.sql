-- =============================================================================================
-- V17  The audit trail is written once per statement, and names its table by trigger argument
--
-- * public.audit_statement_change(): an AFTER ... FOR EACH STATEMENT trigger function that reads the
--   statement's rows from its transition tables and appends them to audit_logs with ONE
--   INSERT ... SELECT. Per row it records exactly what audit_row_change() records (operation, table,
--   API role, login role, acting user, the row's organization, the request's organization, the first
--   2,048 characters of the statement, row_data, old_data for an update); the caller's settings, the
--   statement text and the catalog check are read once per statement instead of once per row, and the
--   per-row trigger call (a SECURITY DEFINER call with its search_path swap) is gone.
-- * Three triggers per audited table (PostgreSQL allows transition tables only on a single-event
--   trigger): audit_insert_<table> (NEW TABLE), audit_update_<table> (OLD and NEW TABLE),
--   audit_delete_<table> (OLD TABLE). They replace audit_row_change_<table>.
-- * Arguments: the table's name as recorded (a trigger that fires on a copy of the table under another
--   name, such as a Citus shard, still records the table's name) and the column that holds the row's
--   organization ('id' on organizations). Defaults: the trigger's table name, 'org_id'.
-- * An update's new and old rows are paired by id. A row whose id changed (no Voxanne write does that)
--   is recorded as two rows, the new one without old_data and the old one without row_data: a row is
--   never left out.
-- * On a copy of a table under another name (a Citus shard: the trigger's table name differs from its
--   first argument) audit_logs is a distributed table and an INSERT ... SELECT from a transition table
--   cannot be planned there (the tables exist only on the node running the trigger); the function
--   then inserts the rows one INSERT ... VALUES at a time, each routed to its shard.
-- * A statement that changes no row writes nothing and is never refused, as with the row trigger. A
--   write as authenticated without a user (no sub claim) that changes rows is refused (42501), as
--   before.
-- * public.audit_row_change() stays, unchanged: an application's own tables may use it (README,
--   "Your own tables").
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

create or replace function public.audit_statement_change()
  returns trigger
  language plpgsql
  security definer
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_role       text := coalesce(nullif(pg_catalog.current_setting('role', true), 'none'), session_user);
  v_user       uuid := public.auth_user_id();
  v_table      text := coalesce(tg_argv[0], tg_table_name);
  v_org_column text := coalesce(tg_argv[1], 'org_id');
  v_changed    boolean;
  v_new        jsonb;
  v_old        jsonb;
begin
  -- A statement that changed no row (also the cascade of a parent's delete that found no child) writes
  -- nothing and is not refused. One transition table per operation: an INSERT trigger has no old_rows,
  -- a DELETE trigger no new_rows.
  if tg_op = 'DELETE' then
    v_changed := exists (select from old_rows);
  else
    v_changed := exists (select from new_rows);
  end if;
  if not v_changed then
    return null;
  end if;

  -- current_user is the function owner here; the caller's role is the 'role' setting. A caller with
  -- authenticated's rights is subject to its policies (not superuser, not BYPASSRLS). Nested IFs so
  -- that the catalog is read only for a write without a user.
  if v_user is null then
    if pg_catalog.pg_has_role(v_role::pg_catalog.name, 'authenticated', 'USAGE')
       and not exists (select 1 from pg_catalog.pg_roles r
                        where r.rolname = v_role and (r.rolsuper or r.rolbypassrls)) then
      raise exception 'a write as authenticated needs the acting user (the sub claim) for the audit trail'
        using errcode = '42501';
    end if;
  end if;

  -- On a copy of the table under another name (a Citus shard, docs/citus.md) audit_logs is distributed:
  -- Citus would plan an INSERT ... SELECT into it on other nodes, where this statement's transition
  -- tables do not exist. There each row is one INSERT ... VALUES, routed to the shard that holds it.
  if tg_table_name <> v_table then
    for v_new, v_old in execute case tg_op
        when 'INSERT' then 'select pg_catalog.to_jsonb(n), null::jsonb from new_rows n'
        when 'DELETE' then 'select pg_catalog.to_jsonb(o), null::jsonb from old_rows o'
        else 'select c.r, p.r from (select pg_catalog.to_jsonb(n) as r from new_rows n) c'
          || ' full join (select pg_catalog.to_jsonb(o) as r from old_rows o) p on (p.r ->> ''id'') = (c.r ->> ''id'')'
        end
    loop
      insert into public.audit_logs
        (event_type, operation, schema_name, table_name, database_user, session_user_name,
         authenticated_user, org_id, claims_org_id, statement_text, row_data, old_data)
      values
        ('WRITE', tg_op, tg_table_schema, v_table, v_role, session_user, v_user,
         (coalesce(v_new, v_old) ->> v_org_column)::uuid, public.auth_org_id(),
         pg_catalog.left(pg_catalog.current_query(), 2048), v_new, v_old);
    end loop;
    return null;
  end if;

  -- One insert for the statement's rows; s holds what is the same for all of them, read once.
  if tg_op = 'INSERT' then
    insert into public.audit_logs
      (event_type, operation, schema_name, table_name, database_user, session_user_name,
       authenticated_user, org_id, claims_org_id, statement_text, row_data)
    select 'WRITE', 'INSERT', tg_table_schema, v_table, v_role, session_user,
           v_user, (c.r ->> v_org_column)::uuid, s.claims_org_id, s.statement_text, c.r
      from (select public.auth_org_id() as claims_org_id,
                   -- bounded: a multi-row statement's text grows with its rows and is kept on each
                   pg_catalog.left(pg_catalog.current_query(), 2048) as statement_text) s,
           lateral (select pg_catalog.to_jsonb(n) as r from new_rows n) c;
  elsif tg_op = 'DELETE' then
    insert into public.audit_logs
      (event_type, operation, schema_name, table_name, database_user, session_user_name,
       authenticated_user, org_id, claims_org_id, statement_text, row_data)
    select 'WRITE', 'DELETE', tg_table_schema, v_table, v_role, session_user,
           v_user, (c.r ->> v_org_column)::uuid, s.claims_org_id, s.statement_text, c.r
      from (select public.auth_org_id() as claims_org_id,
                   pg_catalog.left(pg_catalog.current_query(), 2048) as statement_text) s,
           lateral (select pg_catalog.to_jsonb(o) as r from old_rows o) c;
  else
    insert into public.audit_logs
      (event_type, operation, schema_name, table_name, database_user, session_user_name,
       authenticated_user, org_id, claims_org_id, statement_text, row_data, old_data)
    select 'WRITE', 'UPDATE', tg_table_schema, v_table, v_role, session_user,
           v_user, (coalesce(c.r, p.r) ->> v_org_column)::uuid, s.claims_org_id, s.statement_text, c.r, p.r
      from (select public.auth_org_id() as claims_org_id,
                   pg_catalog.left(pg_catalog.current_query(), 2048) as statement_text) s
      cross join lateral (select pg_catalog.to_jsonb(n) as r from new_rows n) c
      full join (select pg_catalog.to_jsonb(o) as r from old_rows o) p
        on (p.r ->> 'id') = (c.r ->> 'id');
  end if;
  return null;
end;
$$;
comment on function public.audit_statement_change() is
  'AFTER statement trigger (with transition tables) on tenant tables: appends each changed row (end user, organization, operation, row data, statement) to audit_logs in one insert; arguments: the table name to record, the organization column (default org_id); refuses (42501) a write as authenticated with no user in the claims.';
revoke all on function public.audit_statement_change() from public, anon, authenticated, service_role;

-- The three triggers of each audited table, then the row trigger they replace. One transaction: no
-- write between the two goes unrecorded or is recorded twice.
create or replace trigger audit_insert_organizations after insert on public.organizations
  referencing new table as new_rows
  for each statement execute function public.audit_statement_change('organizations', 'id');
create or replace trigger audit_update_organizations after update on public.organizations
  referencing old table as old_rows new table as new_rows
  for each statement execute function public.audit_statement_change('organizations', 'id');
create or replace trigger audit_delete_organizations after delete on public.organizations
  referencing old table as old_rows
  for each statement execute function public.audit_statement_change('organizations', 'id');
drop trigger if exists audit_row_change_organizations on public.organizations;

create or replace trigger audit_insert_contacts after insert on public.contacts
  referencing new table as new_rows
  for each statement execute function public.audit_statement_change('contacts', 'org_id');
create or replace trigger audit_update_contacts after update on public.contacts
  referencing old table as old_rows new table as new_rows
  for each statement execute function public.audit_statement_change('contacts', 'org_id');
create or replace trigger audit_delete_contacts after delete on public.contacts
  referencing old table as old_rows
  for each statement execute function public.audit_statement_change('contacts', 'org_id');
drop trigger if exists audit_row_change_contacts on public.contacts;

create or replace trigger audit_insert_appointments after insert on public.appointments
  referencing new table as new_rows
  for each statement execute function public.audit_statement_change('appointments', 'org_id');
create or replace trigger audit_update_appointments after update on public.appointments
  referencing old table as old_rows new table as new_rows
  for each statement execute function public.audit_statement_change('appointments', 'org_id');
create or replace trigger audit_delete_appointments after delete on public.appointments
  referencing old table as old_rows
  for each statement execute function public.audit_statement_change('appointments', 'org_id');
drop trigger if exists audit_row_change_appointments on public.appointments;

create or replace trigger audit_insert_notifications after insert on public.notifications
  referencing new table as new_rows
  for each statement execute function public.audit_statement_change('notifications', 'org_id');
create or replace trigger audit_update_notifications after update on public.notifications
  referencing old table as old_rows new table as new_rows
  for each statement execute function public.audit_statement_change('notifications', 'org_id');
create or replace trigger audit_delete_notifications after delete on public.notifications
  referencing old table as old_rows
  for each statement execute function public.audit_statement_change('notifications', 'org_id');
drop trigger if exists audit_row_change_notifications on public.notifications;

create or replace trigger audit_insert_processed_webhook_events after insert on public.processed_webhook_events
  referencing new table as new_rows
  for each statement execute function public.audit_statement_change('processed_webhook_events', 'org_id');
create or replace trigger audit_update_processed_webhook_events after update on public.processed_webhook_events
  referencing old table as old_rows new table as new_rows
  for each statement execute function public.audit_statement_change('processed_webhook_events', 'org_id');
create or replace trigger audit_delete_processed_webhook_events after delete on public.processed_webhook_events
  referencing old table as old_rows
  for each statement execute function public.audit_statement_change('processed_webhook_events', 'org_id');
drop trigger if exists audit_row_change_processed_webhook_events on public.processed_webhook_events;
