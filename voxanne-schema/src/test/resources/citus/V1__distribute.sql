-- Prototype, not one of Voxanne's migrations: turns a database migrated to V16 on a Citus coordinator, with its
-- workers added, into a distributed one. Run as the migration owner (superuser) on the coordinator.
-- Each step answers a refusal measured in docs/citus.md; CitusDistributeTest runs it, and
-- voxanne-dao's CitusDaoIsolationTest applies it as its Flyway migrations.

-- 1. Policies without scalar subqueries. Citus refuses "(select auth_org_id())" in a policy on a
--    distributed table: "Subqueries are not supported in policies on distributed tables".
alter policy organizations_select_own on public.organizations using (id = public.auth_org_id());
alter policy contacts_select_org on public.contacts using (org_id = public.auth_org_id());
alter policy contacts_insert_org on public.contacts with check (org_id = public.auth_org_id());
alter policy contacts_update_org on public.contacts using (org_id = public.auth_org_id()) with check (org_id = public.auth_org_id());
alter policy contacts_delete_org on public.contacts using (org_id = public.auth_org_id());
alter policy appointments_select_org on public.appointments using (org_id = public.auth_org_id());
alter policy appointments_insert_org on public.appointments with check (org_id = public.auth_org_id());
alter policy appointments_update_org on public.appointments using (org_id = public.auth_org_id()) with check (org_id = public.auth_org_id());
alter policy appointments_delete_org on public.appointments using (org_id = public.auth_org_id());
alter policy notifications_select_own on public.notifications
  using (user_id = public.auth_user_id() and org_id = public.auth_org_id());
alter policy notifications_update_own on public.notifications
  using (user_id = public.auth_user_id() and org_id = public.auth_org_id())
  with check (user_id = public.auth_user_id() and org_id = public.auth_org_id());

-- 2. The audit trigger names its table by argument: on a worker tg_table_name is the shard's name,
--    which also made organizations' rows fall through to org_id (null) and be refused as
--    "cannot perform an INSERT with NULL in the partition column".
create or replace function public.audit_row_change()
  returns trigger
  language plpgsql
  security definer
  set search_path = pg_catalog, pg_temp
as $$
declare
  v_role text := coalesce(nullif(pg_catalog.current_setting('role', true), 'none'), session_user);
  v_user uuid := public.auth_user_id();
  v_row  jsonb;
  v_old  jsonb;
  -- On a Citus worker the trigger fires on a shard (contacts_102010): the logical name comes from the
  -- trigger's argument.
  v_table text := coalesce(tg_argv[0], tg_table_name);
begin
  -- current_user is the function owner here; the caller's role is the 'role' setting. A caller with
  -- authenticated's rights is subject to its policies (not superuser, not BYPASSRLS); nested IFs
  -- so the catalog is read only for a write without a user.
  if v_user is null then
    if pg_catalog.pg_has_role(v_role::pg_catalog.name, 'authenticated', 'USAGE')
       and not exists (select 1 from pg_catalog.pg_roles r
                        where r.rolname = v_role and (r.rolsuper or r.rolbypassrls)) then
      raise exception 'a write as authenticated needs the acting user (the sub claim) for the audit trail'
        using errcode = '42501';
    end if;
  end if;

  if tg_op = 'DELETE' then
    v_row := pg_catalog.to_jsonb(old);
  else
    v_row := pg_catalog.to_jsonb(new);
  end if;
  if tg_op = 'UPDATE' then
    v_old := pg_catalog.to_jsonb(old);
  end if;

  insert into public.audit_logs
    (event_type, operation, schema_name, table_name, database_user, session_user_name,
     authenticated_user, org_id, claims_org_id, statement_text, row_data, old_data)
  values
    ('WRITE', tg_op, tg_table_schema, v_table,
     v_role,
     session_user,
     v_user,
     case when v_table = 'organizations' then (v_row ->> 'id')::uuid
          else (v_row ->> 'org_id')::uuid end,
     public.auth_org_id(),
     -- bounded: a multi-row statement repeated on each of its rows would cost O(rows x length)
     pg_catalog.left(pg_catalog.current_query(), 2048),
     v_row,
     v_old);
  return null;
end;
$$;
create or replace trigger audit_row_change_organizations
  after insert or update or delete on public.organizations
  for each row execute function public.audit_row_change('organizations');
create or replace trigger audit_row_change_contacts
  after insert or update or delete on public.contacts
  for each row execute function public.audit_row_change('contacts');
create or replace trigger audit_row_change_appointments
  after insert or update or delete on public.appointments
  for each row execute function public.audit_row_change('appointments');
create or replace trigger audit_row_change_notifications
  after insert or update or delete on public.notifications
  for each row execute function public.audit_row_change('notifications');
create or replace trigger audit_row_change_processed_webhook_events
  after insert or update or delete on public.processed_webhook_events
  for each row execute function public.audit_row_change('processed_webhook_events');

-- 3. A distributed table's primary and unique keys must contain the distribution column:
--    "Distributed relations cannot have UNIQUE, EXCLUDE, or PRIMARY KEY constraints that do not
--    include the partition column". Every tenant table's key becomes (org_id, id); the unique
--    (org_id, id) keys that duplicated it go, except contacts' (fk_appointments_contact depends on it).
--    audit_logs.org_id becomes NOT NULL with its key (Citus refuses a NULL distribution value anyway:
--    "cannot perform an INSERT with NULL in the partition column").
alter table public.audit_logs drop constraint audit_logs_pkey, add primary key (org_id, id);
alter table public.contacts drop constraint contacts_pkey, add constraint contacts_pkey primary key (org_id, id);
alter table public.appointments drop constraint appointments_pkey, drop constraint uq_appointments_org_id_id,
  add constraint appointments_pkey primary key (org_id, id);
alter table public.notifications drop constraint notifications_pkey, drop constraint uq_notifications_org_id_id,
  add constraint notifications_pkey primary key (org_id, id);
alter table public.processed_webhook_events drop constraint processed_webhook_events_pkey,
  add constraint processed_webhook_events_pkey primary key (org_id, id);

-- 4. Distribution. Triggers are allowed on distributed tables only with citus.enable_unsafe_triggers
--    ("cannot distribute relation ... because it has triggers"); they then fire on the workers' shards.
--    Moving existing rows into shards fires the AFTER INSERT audit trigger for each of them; they are
--    not writes by anyone, so user triggers are off during the move.
set citus.enable_unsafe_triggers = on;
-- notifications.user_id -> auth.users stands in the way in either order: made a reference table
-- first, auth.users turns every table in its foreign-key graph into a Citus local table, and then
-- "cannot create foreign key constraint since foreign keys from reference tables and local tables to
-- distributed tables are not supported"; made last, notifications cannot be distributed while it
-- references a local table. So the foreign key goes, and comes back once both sides are placed.
alter table public.notifications drop constraint notifications_user_id_fkey;
select create_distributed_table('public.audit_logs', 'org_id');
alter table public.organizations disable trigger user;
select create_distributed_table('public.organizations', 'id', colocate_with => 'public.audit_logs');
alter table public.organizations enable trigger user;
alter table public.contacts disable trigger user;
select create_distributed_table('public.contacts', 'org_id', colocate_with => 'public.organizations');
alter table public.contacts enable trigger user;
alter table public.appointments disable trigger user;
select create_distributed_table('public.appointments', 'org_id', colocate_with => 'public.organizations');
alter table public.appointments enable trigger user;
alter table public.processed_webhook_events disable trigger user;
select create_distributed_table('public.processed_webhook_events', 'org_id', colocate_with => 'public.organizations');
alter table public.processed_webhook_events enable trigger user;
alter table public.notifications disable trigger user;
select create_distributed_table('public.notifications', 'org_id', colocate_with => 'public.organizations');
alter table public.notifications enable trigger user;
select create_reference_table('auth.users');
alter table public.notifications add constraint notifications_user_id_fkey
  foreign key (user_id) references auth.users (id) on delete cascade;
-- The rows moved into shards stay, invisible, in the coordinator's local tables until removed. Not
-- audit_logs': its TRUNCATE trigger refuses ("public.audit_logs is append-only: TRUNCATE refused").
select truncate_local_data_after_distributing_table(t)
  from unnest(array['public.organizations', 'public.contacts', 'public.appointments',
                    'public.processed_webhook_events', 'public.notifications', 'auth.users']::regclass[]) t;

-- 5. Citus reaches the workers as the current user: the API roles must be able to log in there, or a
--    tenant's query fails with 'role "authenticated" is not permitted to log in'. Roles are per server
--    (this is not part of the database a clone copies), so each worker is told directly, with DDL
--    propagation off (else each worker sends it back to the others: "canceling the transaction since it
--    was involved in a distributed deadlock"). In production the workers admit these roles from the
--    coordinator only.
select run_command_on_workers('set citus.enable_ddl_propagation to off;'
  || ' alter role authenticated login; alter role service_role login; alter role anon login');

-- 6. Database settings for every later session: SET LOCAL (the claims) reaches the workers' shard
--    queries only with citus.propagate_set_commands = 'local'; triggers on distributed tables can be
--    created, enabled or disabled only with citus.enable_unsafe_triggers ("triggers are not supported on
--    distributed tables" otherwise).
do $settings$
begin
  execute pg_catalog.format('alter database %I set citus.propagate_set_commands = %L', pg_catalog.current_database(), 'local');
  execute pg_catalog.format('alter database %I set citus.enable_unsafe_triggers = %L', pg_catalog.current_database(), 'on');
end $settings$;
