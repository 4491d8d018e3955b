-- Places a Voxanne database, migrated on a Citus coordinator with its workers added, on the cluster:
-- every tenant table distributed by its organization and colocated with organizations, auth.users a
-- reference table. Not a migration: it must never run on a single server. VoxanneSchema.distribute()
-- runs it in one transaction after its own checks (the citus extension, a coordinator with workers, a
-- migrated schema, every table either local or placed as below), with search_path = pg_catalog, pg_temp
-- and citus.enable_unsafe_triggers on for the transaction. Every step looks before it acts, so that a
-- second run finds everything placed and changes nothing. docs/citus.md gives each refusal a step answers.
do $distribute$
declare
  -- The tables distributed by organization, in the order they are placed: audit_logs and organizations
  -- start the colocation group, every other one joins organizations'.
  v_tables constant text[] := array['audit_logs', 'organizations', 'contacts', 'appointments',
                                    'processed_webhook_events', 'notifications'];
  -- The tables whose primary key is (id) on one server.
  v_keyed_by_id constant text[] := array['audit_logs', 'contacts', 'appointments', 'notifications',
                                         'processed_webhook_events'];
  -- unique (org_id, id) constraints that the key (org_id, id) makes redundant. contacts' stays:
  -- fk_appointments_contact depends on it.
  v_redundant constant text[][] := array[['appointments', 'uq_appointments_org_id_id'],
                                         ['notifications', 'uq_notifications_org_id_id']];
  v_table text;
  v_key record;
  v_policy record;
  v_using text;
  v_check text;
  v_triggers text[];
  v_trigger text;
  v_column text;
  v_colocate text;
  v_users_fk text;
  v_placed text[] := array[]::text[];
  v_function_def text;
  v_function_new text;
  -- The settings some functions need on a distributed database: step 13 sets them (function, name, value).
  v_function_settings constant text[][] := array[
    ['public.search_contact_ids(text)', 'plan_cache_mode', 'force_custom_plan'],
    ['public.search_contact_ids(text)', 'citus.allow_nested_distributed_execution', 'on'],
    ['public.create_notification(uuid, uuid, public.notification_type, text, text, uuid, text, '
       || 'public.notification_priority, text, jsonb, timestamptz, uuid)', 'citus.allow_nested_distributed_execution', 'on'],
    ['public.archive_old_audit_logs(integer, bigint)', 'plan_cache_mode', 'force_custom_plan']];
  v_setting text[];
  -- a scalar subquery calling a function without arguments, as pg_get_expr prints it:
  -- ( SELECT public.auth_org_id() AS auth_org_id)
  v_subquery constant text := '\(\s*SELECT\s+((?:[a-z_][a-z0-9_]*\.)?[a-z_][a-z0-9_]*\(\))\s+AS\s+[a-z_][a-z0-9_]*\)';
begin
  -- 1. Policies without scalar subqueries. Citus refuses "(select auth_org_id())" in a policy on a
  --    distributed table ("Subqueries are not supported in policies on distributed tables"). On one
  --    server the subquery form stays (ADR 0007: it is cheaper there); this runs on Citus only.
  --    pg_get_expr qualifies every name (search_path is pg_catalog), so the rewritten text means the same.
  for v_policy in
    select p.polname, c.oid as relid, n.nspname, c.relname,
           pg_catalog.pg_get_expr(p.polqual, p.polrelid) as qual,
           pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid) as with_check
      from pg_catalog.pg_policy p
      join pg_catalog.pg_class c on c.oid = p.polrelid
      join pg_catalog.pg_namespace n on n.oid = c.relnamespace
     where (n.nspname = 'public' and c.relname = any(v_tables)) or (n.nspname = 'auth' and c.relname = 'users')
     order by n.nspname, c.relname, p.polname
  loop
    v_using := pg_catalog.regexp_replace(v_policy.qual, v_subquery, '\1', 'gi');
    v_check := pg_catalog.regexp_replace(v_policy.with_check, v_subquery, '\1', 'gi');
    if v_using is distinct from v_policy.qual or v_check is distinct from v_policy.with_check then
      execute pg_catalog.format('alter policy %I on %I.%I', v_policy.polname, v_policy.nspname, v_policy.relname)
        || case when v_using is null then '' else ' using (' || v_using || ')' end
        || case when v_check is null then '' else ' with check (' || v_check || ')' end;
    end if;
  end loop;

  -- 2. Keys that contain the distribution column: Citus refuses "UNIQUE, EXCLUDE, or PRIMARY KEY
  --    constraints that do not include the partition column". Every tenant table's key becomes
  --    (org_id, id); audit_logs.org_id becomes NOT NULL with it, as Citus requires of a distribution
  --    value anyway.
  foreach v_table in array v_keyed_by_id loop
    select k.conname,
           exists (select 1 from pg_catalog.pg_attribute a
                    where a.attrelid = k.conrelid and a.attnum = any(k.conkey) and a.attname = 'org_id') as has_org_id
      into v_key
      from pg_catalog.pg_constraint k
     where k.conrelid = pg_catalog.format('public.%I', v_table)::pg_catalog.regclass and k.contype = 'p';
    if v_key.conname is not null and not v_key.has_org_id then
      execute pg_catalog.format('alter table public.%I drop constraint %I, add constraint %I primary key (org_id, id)',
        v_table, v_key.conname, v_key.conname);
    end if;
  end loop;
  for i in 1 .. pg_catalog.array_length(v_redundant, 1) loop
    if exists (select 1 from pg_catalog.pg_constraint k
                where k.conrelid = pg_catalog.format('public.%I', v_redundant[i][1])::pg_catalog.regclass
                  and k.conname = v_redundant[i][2]) then
      execute pg_catalog.format('alter table public.%I drop constraint %I', v_redundant[i][1], v_redundant[i][2]);
    end if;
  end loop;

  -- 3. notifications.user_id -> auth.users stands in the way in either order: made a reference table
  --    first, auth.users turns every table of its foreign-key graph into a Citus local table ("foreign
  --    keys from reference tables and local tables to distributed tables are not supported"); made
  --    last, notifications cannot be distributed while it references a local table. So the key goes,
  --    and comes back, as it was, once both sides are placed.
  if not exists (select 1 from pg_catalog.pg_dist_partition where logicalrelid = 'auth.users'::pg_catalog.regclass) then
    select pg_catalog.pg_get_constraintdef(k.oid) into v_users_fk
      from pg_catalog.pg_constraint k
     where k.conrelid = 'public.notifications'::pg_catalog.regclass and k.conname = 'notifications_user_id_fkey';
    if v_users_fk is not null then
      alter table public.notifications drop constraint notifications_user_id_fkey;
    end if;
  end if;

  -- 4. Each table to its shards. Moving its rows is nobody's write: the triggers that are enabled
  --    (the audit trail's AFTER INSERT among them) are disabled around the move and enabled again.
  foreach v_table in array v_tables loop
    continue when exists (select 1 from pg_catalog.pg_dist_partition
                           where logicalrelid = pg_catalog.format('public.%I', v_table)::pg_catalog.regclass);
    v_column := case when v_table = 'organizations' then 'id' else 'org_id' end;
    v_colocate := case
      when exists (select 1 from pg_catalog.pg_dist_partition where logicalrelid = 'public.organizations'::pg_catalog.regclass)
        then 'public.organizations'
      when exists (select 1 from pg_catalog.pg_dist_partition where logicalrelid = 'public.audit_logs'::pg_catalog.regclass)
        then 'public.audit_logs'
      else 'default' end;
    select coalesce(pg_catalog.array_agg(t.tgname order by t.tgname), array[]::text[]) into v_triggers
      from pg_catalog.pg_trigger t
     where t.tgrelid = pg_catalog.format('public.%I', v_table)::pg_catalog.regclass
       and not t.tgisinternal and t.tgenabled <> 'D';
    foreach v_trigger in array v_triggers loop
      execute pg_catalog.format('alter table public.%I disable trigger %I', v_table, v_trigger);
    end loop;
    perform pg_catalog.create_distributed_table(pg_catalog.format('public.%I', v_table)::pg_catalog.regclass,
      v_column, colocate_with => v_colocate);
    if v_table = 'audit_logs' then
      -- Its rows are in the shards now; the local copy is invisible but still on disk. Removed while its
      -- append-only TRUNCATE trigger is off, which is the only moment it may be.
      perform pg_catalog.truncate_local_data_after_distributing_table('public.audit_logs'::pg_catalog.regclass);
    else
      v_placed := v_placed || v_table;
    end if;
    foreach v_trigger in array v_triggers loop
      execute pg_catalog.format('alter table public.%I enable trigger %I', v_table, v_trigger);
    end loop;
  end loop;

  if not exists (select 1 from pg_catalog.pg_dist_partition where logicalrelid = 'auth.users'::pg_catalog.regclass) then
    perform pg_catalog.create_reference_table('auth.users'::pg_catalog.regclass);
    v_placed := v_placed || 'auth.users'::text;
  end if;
  if v_users_fk is not null then
    execute 'alter table public.notifications add constraint notifications_user_id_fkey ' || v_users_fk;
  end if;

  -- 5. The rows moved into shards stay, invisible, in the coordinator's local tables until removed; only
  --    now, when no local table references them any more.
  foreach v_table in array v_placed loop
    perform pg_catalog.truncate_local_data_after_distributing_table(
      (case when v_table like '%.%' then v_table else 'public.' || v_table end)::pg_catalog.regclass);
  end loop;

  -- 6. Settings of the database for every later session: SET LOCAL (the claims) reaches the workers'
  --    shard queries only with citus.propagate_set_commands = 'local'; triggers on distributed tables can
  --    be created, enabled or disabled (by later migrations) only with citus.enable_unsafe_triggers
  --    ("triggers are not supported on distributed tables" otherwise).
  if not exists (select 1 from pg_catalog.pg_db_role_setting s join pg_catalog.pg_database d on d.oid = s.setdatabase
                  where d.datname = pg_catalog.current_database() and s.setrole = 0
                    and 'citus.propagate_set_commands=local' = any(s.setconfig)) then
    execute pg_catalog.format('alter database %I set citus.propagate_set_commands = %L',
      pg_catalog.current_database(), 'local');
  end if;
  if not exists (select 1 from pg_catalog.pg_db_role_setting s join pg_catalog.pg_database d on d.oid = s.setdatabase
                  where d.datname = pg_catalog.current_database() and s.setrole = 0
                    and 'citus.enable_unsafe_triggers=on' = any(s.setconfig)) then
    execute pg_catalog.format('alter database %I set citus.enable_unsafe_triggers = %L',
      pg_catalog.current_database(), 'on');
  end if;

  -- 7. No NOTIFY on a distributed database. The notifications' trigger would NOTIFY on the worker
  --    holding the shard, where nobody listens (a subscription reads the user's changed notifications
  --    there instead: ADR 0022), and a transaction that changes notifications on two workers (expiry
  --    across clinics) would fail at commit: Citus commits it with PREPARE TRANSACTION, which PostgreSQL
  --    refuses to a transaction that notified (0A000). Every enabled trigger calling notifications_notify
  --    is disabled; the disable reaches the shards.
  for v_trigger in
    select t.tgname from pg_catalog.pg_trigger t join pg_catalog.pg_proc p on p.oid = t.tgfoid
     where t.tgrelid = 'public.notifications'::pg_catalog.regclass and not t.tgisinternal
       and p.oid = 'public.notifications_notify()'::pg_catalog.regprocedure and t.tgenabled <> 'D'
     order by t.tgname
  loop
    execute pg_catalog.format('alter table public.notifications disable trigger %I', v_trigger);
  end loop;

  -- 8. The contact search, as Citus can run it.
  --    * Planned with its values: on one server search_contact_ids keeps one generic plan per session
  --      (ADR 0008). Citus cannot plan a query over distributed tables whose parameters (a PL/pgSQL
  --      variable is one) are unresolved; it gives such a plan an exorbitant cost so that a custom plan is
  --      chosen, and force_generic_plan makes every call fail with 0A000 "could not create distributed
  --      plan" (docs/citus.md, fact 24).
  --    * Allowed to run its queries from a shard query: a router query (the DAO's, with org_id = ?) is
  --      sent whole to the worker holding the clinic's shard, function call included, where its own
  --      queries are distributed ones, refused otherwise with XX000 "cannot execute a distributed query
  --      from a query on a shard". ADR 0019.
  --    * Its token arm routed: on one server its fenced candidate query has no org_id condition, so that
  --      only the token index drives a kept plan (ADR 0008); on Citus that query would fan out from the
  --      worker to every shard, which failed outside the DAO's tests ("the backend has already been
  --      assigned a transaction id"). With org_id = v_org inside the fence it goes to the clinic's shard
  --      only, planned there with the values. The body is rewritten only when both places are exactly
  --      as V13 wrote them (a second run, or another body, finds nothing to change).
  --    The function is a distributed object: CREATE OR REPLACE and ALTER FUNCTION reach the workers.
  v_function_def := pg_catalog.pg_get_functiondef('public.search_contact_ids(text)'::pg_catalog.regprocedure);
  v_function_new := pg_catalog.replace(v_function_def,
    'where public.contact_search_tokens(c.org_id, c.name, c.email, c.phone) @> v_tokens',
    'where (public.contact_search_tokens(c.org_id, c.name, c.email, c.phone) @> v_tokens');
  if v_function_new <> v_function_def then
    v_function_def := v_function_new;
    v_function_new := pg_catalog.replace(v_function_def,
      E'or public.contact_search_tokens(c.org_id, c.name, c.email, c.phone) @> v_dtokens\n              offset 0',
      E'or public.contact_search_tokens(c.org_id, c.name, c.email, c.phone) @> v_dtokens)\n                 and c.org_id = v_org\n              offset 0');
    if v_function_new <> v_function_def then
      execute v_function_new;
    end if;
  end if;
  --    Its two settings are step 13's.

  -- 9. create_notification with a caller's id, on the keys step 2 made. Its insert's ON CONFLICT (id)
  --    matches no unique index once the key is (org_id, id) (42P10), and its read of the row holding a
  --    taken id, by id alone, would fan out to every shard. On the distributed database both name the
  --    organization: the id is unique per organization there, as for contacts and appointments
  --    (docs/citus.md, fact 27), and a taken id is looked for in the caller's organization only. The
  --    body is rewritten only where both places read exactly as V15 wrote them.
  v_function_def := pg_catalog.pg_get_functiondef(
    'public.create_notification(uuid, uuid, public.notification_type, text, text, uuid, text, public.notification_priority, text, jsonb, timestamptz, uuid)'::pg_catalog.regprocedure);
  v_function_new := pg_catalog.replace(pg_catalog.replace(v_function_def,
    'on conflict (id) do nothing', 'on conflict (org_id, id) do nothing'),
    'from public.notifications n where n.id = p_id;', 'from public.notifications n where n.org_id = p_org_id and n.id = p_id;');
  if v_function_new <> v_function_def
     and pg_catalog.strpos(v_function_new, 'on conflict (org_id, id) do nothing') > 0
     and pg_catalog.strpos(v_function_new, 'where n.org_id = p_org_id and n.id = p_id;') > 0 then
    execute v_function_new;
  end if;

  -- 10. create_notification beside the caller's own writes in one transaction (docs/citus.md, fact 12).
  --     Called on the coordinator, the definer's statements reach the clinic's worker over a connection of
  --     the function's owner, and Citus refuses, in the same transaction, the caller's access to placements
  --     the owner modified, and the owner's to placements the caller modified (25001). On a distributed
  --     database the DAO calls it from a query routed to the clinic's worker
  --     (select create_notification(...) from (select count(*) from organizations where id = ?) o), so it
  --     runs there, inside the caller's own transaction on that worker, and its statements are local to
  --     it. Two changes make that work; neither applies where the function runs on the coordinator:
  --     * citus.allow_nested_distributed_execution: its statements are distributed queries, which Citus
  --       refuses inside a shard query otherwise (XX000, as search_contact_ids in step 8);
  --     * the service's caller check: on a worker the connection is the caller's login (Citus connects as
  --       the coordinator's current user), and the role setting set_config gave on the coordinator is not
  --       there; a session of service_role with no role set is the service. No API role can open one: the
  --       workers admit service_role from the coordinator only, and the coordinator connects as it only
  --       for a transaction whose current user is service_role. Rewritten only where the check reads
  --       exactly as V15 wrote it.
  --     Not create_distributed_function with a distribution argument: with one, Citus 13.2.2 ends the
  --     coordinator's server process (SIGSEGV) for select f(...) from (select 1) s, whoever plans it.
  v_function_def := pg_catalog.pg_get_functiondef(
    'public.create_notification(uuid, uuid, public.notification_type, text, text, uuid, text, public.notification_priority, text, jsonb, timestamptz, uuid)'::pg_catalog.regprocedure);
  v_function_new := pg_catalog.replace(v_function_def,
    '  if not public.is_service_role_caller() then',
    '  if not (public.is_service_role_caller()' || chr(10)
    || '          or (coalesce(pg_catalog.current_setting(''role'', true), ''none'') = ''none'' and session_user = ''service_role'')) then');
  if v_function_new <> v_function_def then
    execute v_function_new;
  end if;
  --     Its setting is step 13's.

  -- 11. The audit archive (ADR 0024). As V14 wrote it, archive_old_audit_logs fails on the cluster twice:
  --     * its flag, set_config('voxanne.audit_archive', 'on', true), is not propagated (fact 10), so the
  --       append-only trigger of every shard of audit_logs refuses the delete on the workers (42501);
  --     * its MAINTENANCE event has no organization, and org_id is audit_logs' distribution value (fact 6).
  --     Rewritten: the flag by SET LOCAL, which citus.propagate_set_commands = 'local' (step 6) carries to
  --     the workers' part of the transaction (from a DO block, so that a call outside a transaction block
  --     carries it too), and turned off again the same way before anything else runs,
  --     so the rest of the transaction deletes nothing; the old rows counted per organization before the
  --     delete (one aggregate on each shard), the delete refused unless it removed exactly those; one
  --     event per organization whose rows were archived, with that organization's count and the run's
  --     parameters, so each clinic's own trail records its archive (a run that archives nothing records
  --     nothing). Planned with its values (plan_cache_mode = force_custom_plan): Citus plans a statement
  --     over distributed tables with unresolved parameters only with their values (fact 24). Who may
  --     archive is unchanged: the service check comes first, and no API role holds DELETE on audit_logs,
  --     so a session that sets the flag itself is still refused. Rewritten only where both places read
  --     exactly as V14 wrote them; the function is a distributed object, so the workers get it too.
  v_function_def := pg_catalog.pg_get_functiondef('public.archive_old_audit_logs(integer, bigint)'::pg_catalog.regprocedure);
  v_function_new := pg_catalog.replace(pg_catalog.replace(v_function_def,
    $v14$
  v_cutoff  timestamptz;
  v_deleted bigint;
begin
$v14$, $citus$
  v_cutoff  timestamptz;
  v_deleted bigint;
  v_orgs    uuid[];
  v_counts  bigint[];
  v_counted bigint;
begin
$citus$),
    $v14$
  perform pg_catalog.set_config('voxanne.audit_archive', 'on', true);
  delete from public.audit_logs a
   where a.event_time < v_cutoff
     and a.id <= p_exported_through_id;
  get diagnostics v_deleted = row_count;
  perform pg_catalog.set_config('voxanne.audit_archive', 'off', true);

  insert into public.audit_logs
    (event_type, operation, schema_name, table_name, database_user, session_user_name,
     authenticated_user, statement_text, row_data)
  values
    ('MAINTENANCE', 'ARCHIVE', 'public', 'audit_logs',
     coalesce(nullif(pg_catalog.current_setting('role', true), 'none'), session_user),
     session_user, public.auth_user_id(), pg_catalog.current_query(),
     pg_catalog.jsonb_build_object('retention_days', p_retention_days,
                                   'exported_through_id', p_exported_through_id,
                                   'cutoff', v_cutoff, 'deleted', v_deleted));
  return v_deleted;
$v14$, $citus$
  -- on a distributed database (voxanne distribute, ADR 0024): the old rows counted per organization
  select pg_catalog.array_agg(s.org_id order by s.org_id), pg_catalog.array_agg(s.n order by s.org_id),
         coalesce(pg_catalog.sum(s.n), 0)
    into v_orgs, v_counts, v_counted
    from (select a.org_id, pg_catalog.count(*) as n
            from public.audit_logs a
           where a.event_time < v_cutoff
             and a.id <= p_exported_through_id
           group by a.org_id) s;

  -- The flag by SET LOCAL, which citus.propagate_set_commands = 'local' carries to the workers' part of
  -- the transaction (set_config is not carried), turned off the same way before anything else runs. In
  -- a DO block: Citus propagates a SET LOCAL only inside what it takes for a multi-statement transaction;
  -- a DO block is one, a function's own statement is not when the call is a statement of its own.
  do $flag$ begin set local voxanne.audit_archive = 'on'; end $flag$;
  delete from public.audit_logs a
   where a.event_time < v_cutoff
     and a.id <= p_exported_through_id;
  get diagnostics v_deleted = row_count;
  do $flag$ begin set local voxanne.audit_archive = 'off'; end $flag$;
  if v_deleted <> v_counted then
    raise exception 'archive_old_audit_logs: audit rows changed while archiving (% counted, % deleted); nothing was deleted, retry',
      v_counted, v_deleted using errcode = '40001';
  end if;

  -- one event per organization archived, in that organization's own trail (org_id is the distribution value)
  insert into public.audit_logs
    (org_id, event_type, operation, schema_name, table_name, database_user, session_user_name,
     authenticated_user, statement_text, row_data)
  select u.org_id, 'MAINTENANCE', 'ARCHIVE', 'public', 'audit_logs',
         coalesce(nullif(pg_catalog.current_setting('role', true), 'none'), session_user),
         session_user, public.auth_user_id(), pg_catalog.current_query(),
         pg_catalog.jsonb_build_object('retention_days', p_retention_days,
                                       'exported_through_id', p_exported_through_id,
                                       'cutoff', v_cutoff, 'deleted', u.n)
    from unnest(v_orgs, v_counts) as u(org_id, n);  -- multi-argument unnest: the FROM clause form, unqualified
  return v_deleted;
$citus$);
  if pg_catalog.strpos(v_function_new, 'set local voxanne.audit_archive = ''on'';') > 0
     and pg_catalog.strpos(v_function_new, 'v_counted bigint;') > 0
     and pg_catalog.strpos(v_function_new, 'set_config(''voxanne.audit_archive''') = 0
     and v_function_new <> v_function_def then
    execute v_function_new;
  end if;
  --     Its setting is step 13's.

  -- 12. An audit event without an organization. org_id is audit_logs' distribution value (its key makes it
  --     NOT NULL, fact 6), so such an event has no shard, and Citus refuses its insert in its own words
  --     ("cannot perform an INSERT with NULL in the partition column"). log_audit_event refuses it first,
  --     naming its parameter and the rule, before anything is written. Added only where the insert reads
  --     as V14 wrote it and the refusal is not there yet.
  v_function_def := pg_catalog.pg_get_functiondef(
    'public.log_audit_event(uuid, text, text, text, jsonb, text)'::pg_catalog.regprocedure);
  if pg_catalog.strpos(v_function_def, 'every audit event belongs to an organization') = 0 then
    v_function_new := pg_catalog.replace(v_function_def, $v14$
  insert into public.audit_logs
    (event_type, operation, schema_name, table_name, database_user, session_user_name,$v14$, $citus$
  if p_org_id is null then
    raise exception 'voxanne log_audit_event: p_org_id is required on a distributed database, where every audit event belongs to an organization'
      using errcode = '22004';
  end if;
  insert into public.audit_logs
    (event_type, operation, schema_name, table_name, database_user, session_user_name,$citus$);
    if v_function_new <> v_function_def then
      execute v_function_new;
    end if;
  end if;

  -- 13. The functions' settings of steps 8, 10 and 11, after every rewrite (CREATE OR REPLACE keeps only
  --     the settings its text names), each set where it is missing.
  foreach v_setting slice 1 in array v_function_settings loop
    if not exists (select 1 from pg_catalog.pg_proc p
                    where p.oid = v_setting[1]::pg_catalog.regprocedure
                      and (v_setting[2] || '=' || v_setting[3]) = any(coalesce(p.proconfig, array[]::text[]))) then
      execute pg_catalog.format('alter function %s set %s = %s',
                                v_setting[1]::pg_catalog.regprocedure, v_setting[2], v_setting[3]);
    end if;
  end loop;
end
$distribute$
