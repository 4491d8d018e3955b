package com.voxanne.schema.internal;

import com.voxanne.schema.DistributionRefusedException;
import com.voxanne.schema.DistributionRefusedException.Reason;
import com.voxanne.schema.DistributionResult;
import com.voxanne.schema.DistributionResult.Placement;
import com.voxanne.schema.SchemaException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Places a migrated Voxanne database on a Citus cluster: what {@link com.voxanne.schema.VoxanneSchema#distribute()}
 * does. Checks first, in the transaction that then runs {@value #SCRIPT} and commits: refused databases are
 * left as they were. The catalog is read before and after the script, so the result says what this run
 * changed; the workers' roles are read after the commit (a read on each worker, nothing changed there).
 *
 * <p>Not API: public only so that {@code com.voxanne.schema} can use it.
 */
public final class Distributor {

    /** The script, in voxanne-schema's resources beside the migrations but not among them. */
    static final String SCRIPT = "db/voxanne/citus/distribute.sql";

    /** The tables distributed by organization, in the order the script places them; organizations by id. */
    static final List<String> BY_ORGANIZATION = List.of("audit_logs", "organizations", "contacts", "appointments",
            "processed_webhook_events", "notifications");

    /** The table every node holds whole. */
    static final String REFERENCE_TABLE = "auth.users";

    /** The API roles a tenant's shard queries arrive as on a worker (anon reads no table, so nothing of its reaches one). */
    static final List<String> ROLES_NEEDING_LOGIN = List.of("authenticated", "service_role");

    /** The database settings a distributed Voxanne database needs, as pg_db_role_setting stores them. */
    static final List<String> SETTINGS = List.of("citus.propagate_set_commands=local", "citus.enable_unsafe_triggers=on");

    /** The settings of search_contact_ids a distributed database needs, as pg_proc.proconfig stores them (ADR 0019). */
    static final List<String> SEARCH_SETTINGS = List.of("plan_cache_mode=force_custom_plan",
            "citus.allow_nested_distributed_execution=on");

    /** create_notification's signature, as regprocedure reads it. */
    static final String CREATE_NOTIFICATION = "public.create_notification(uuid, uuid, public.notification_type, text, text,"
            + " uuid, text, public.notification_priority, text, jsonb, timestamptz, uuid)";

    /**
     * The settings of create_notification a distributed database needs, as pg_proc.proconfig stores them: the
     * DAO calls it from a query routed to the clinic's worker, where its statements are nested distributed
     * queries (docs/citus.md, fact 12; ADR 0023).
     */
    static final List<String> NOTIFICATION_SETTINGS = List.of("citus.allow_nested_distributed_execution=on");

    /**
     * What create_notification's caller check holds on a distributed database besides is_service_role_caller():
     * on a worker the service's call arrives as a session of service_role with no role set.
     */
    static final String SERVICE_SESSION_CHECK = "and session_user = 'service_role'";

    /** archive_old_audit_logs' signature, as regprocedure reads it. */
    static final String ARCHIVE = "public.archive_old_audit_logs(integer, bigint)";

    /**
     * The settings of archive_old_audit_logs a distributed database needs, as pg_proc.proconfig stores them: its
     * statements over audit_logs carry PL/pgSQL variables, which Citus plans only with their values (fact 24).
     */
    static final List<String> ARCHIVE_SETTINGS = List.of("plan_cache_mode=force_custom_plan");

    /**
     * What archive_old_audit_logs' body holds on a distributed database (ADR 0024): its flag set by SET LOCAL,
     * which reaches the workers' append-only triggers, where set_config does not, from a DO block, which
     * Citus propagates a SET LOCAL from even when the call is a statement of its own.
     */
    static final String ARCHIVE_FLAG_BY_SET_LOCAL = "do $flag$ begin set local voxanne.audit_archive = 'on'; end $flag$;";

    /** log_audit_event's signature, as regprocedure reads it. */
    static final String LOG_AUDIT_EVENT = "public.log_audit_event(uuid, text, text, text, jsonb, text)";

    /**
     * What log_audit_event's body holds on a distributed database: its refusal of an event without an
     * organization, which has no shard there (docs/citus.md, fact 6).
     */
    static final String AUDIT_EVENT_NEEDS_ORGANIZATION = "every audit event belongs to an organization";

    /** A policy expression with a scalar subquery, as pg_get_expr prints it ({@code ( SELECT auth_org_id() AS auth_org_id)}). */
    static final String SUBQUERY_PATTERN = "\\(\\s*SELECT\\s";

    private Distributor() {
    }

    /** {@code schema.table} for one of {@link #BY_ORGANIZATION} or the reference table. */
    static String qualified(String table) {
        return table.contains(".") ? table : "public." + table;
    }

    /** The distribution column of one of {@link #BY_ORGANIZATION}. */
    static String distributionColumn(String table) {
        return table.equals("organizations") ? "id" : "org_id";
    }

    /**
     * Distributes the database of {@code dataSource}, in one transaction.
     *
     * @throws DistributionRefusedException when the database cannot be distributed; nothing changed
     * @throws SchemaException when the database fails; nothing changed
     */
    public static DistributionResult distribute(DataSource dataSource) {
        String script = script();
        State before;
        State after;
        try (Connection c = dataSource.getConnection()) {
            boolean autoCommit = c.getAutoCommit();
            c.setAutoCommit(false);
            try {
                try (Statement s = c.createStatement()) {
                    // every name below and in the script is qualified; pg_get_expr then qualifies what it prints
                    s.execute("set local search_path = pg_catalog, pg_temp");
                }
                refuseUnlessPlaceable(c);
                before = State.read(c);
                try (Statement s = c.createStatement()) {
                    // "cannot distribute relation ... because it has triggers" otherwise; this transaction only
                    s.execute("set local citus.enable_unsafe_triggers = on");
                    // notifications' foreign key to the reference table auth.users is added in this transaction,
                    // which Citus allows only when nothing in it used parallel connections to a node
                    s.execute("set local citus.multi_shard_modify_mode = 'sequential'");
                    s.execute(script);
                }
                after = State.read(c);
                c.commit();
            } catch (SQLException | RuntimeException e) {
                rollback(c, e);
                throw e;
            } finally {
                c.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            throw new SchemaException("distribute failed, nothing changed: " + SqlFailures.describe(e), SqlFailures.scrub(e));
        }
        return new DistributionResult(tables(before, after), settingsAdded(before, after), workers(dataSource));
    }

    private static List<DistributionResult.Table> tables(State before, State after) {
        List<DistributionResult.Table> tables = new ArrayList<>();
        for (String table : BY_ORGANIZATION) {
            String name = qualified(table);
            tables.add(new DistributionResult.Table(name, Placement.DISTRIBUTED, distributionColumn(table),
                    !before.placed.containsKey(name) && after.placed.containsKey(name),
                    before.keyedWithoutOrgId.contains(table) && !after.keyedWithoutOrgId.contains(table),
                    Math.max(0, before.subqueryPolicies.getOrDefault(name, 0) - after.subqueryPolicies.getOrDefault(name, 0))));
        }
        tables.add(new DistributionResult.Table(REFERENCE_TABLE, Placement.REFERENCE, null,
                !before.placed.containsKey(REFERENCE_TABLE) && after.placed.containsKey(REFERENCE_TABLE), false,
                Math.max(0, before.subqueryPolicies.getOrDefault(REFERENCE_TABLE, 0)
                        - after.subqueryPolicies.getOrDefault(REFERENCE_TABLE, 0))));
        return tables;
    }

    private static List<String> settingsAdded(State before, State after) {
        return SETTINGS.stream().filter(s -> !before.settings.contains(s) && after.settings.contains(s)).toList();
    }

    /** Refuses, before anything changes, a database the script cannot place or would place wrongly. */
    private static void refuseUnlessPlaceable(Connection c) throws SQLException {
        if (!bool(c, "select exists (select 1 from pg_catalog.pg_extension where extname = 'citus')")) {
            throw new DistributionRefusedException(Reason.NOT_CITUS, "the database has no citus extension, so there is"
                    + " nothing to distribute it on: distribute runs on a Citus coordinator (create extension citus, then"
                    + " citus_add_node for each worker); on a single server Voxanne needs no distribution (nothing changed)");
        }
        if (!bool(c, "select pg_catalog.citus_is_coordinator()")) {
            throw new DistributionRefusedException(Reason.NOT_COORDINATOR, "this is a Citus worker's database: run"
                    + " distribute on the coordinator (nothing changed)");
        }
        if (count(c, "select count(*) from pg_catalog.pg_dist_node"
                + " where groupid <> 0 and noderole = 'primary' and isactive") == 0) {
            throw new DistributionRefusedException(Reason.NO_WORKERS, "the coordinator has no active worker to hold the"
                    + " shards: add them first (select citus_add_node('host', port) for each; nothing changed)");
        }
        List<String> missing = new ArrayList<>();
        List<String> required = new ArrayList<>();
        BY_ORGANIZATION.forEach(t -> required.add(qualified(t)));
        required.add(REFERENCE_TABLE);
        required.add("public.voxanne_schema_history");
        for (String table : required) {
            if (!bool(c, "select pg_catalog.to_regclass(?) is not null", table)) {
                missing.add(table);
            }
        }
        if (!missing.isEmpty()) {
            throw new DistributionRefusedException(Reason.NOT_MIGRATED, "the Voxanne schema is not migrated here ("
                    + String.join(", ", missing) + " missing): run migrate first, then distribute (nothing changed)");
        }
        State state = State.read(c);
        List<String> misplaced = new ArrayList<>();
        Placed anchor = state.placed.containsKey("public.organizations") ? state.placed.get("public.organizations")
                : state.placed.get("public.audit_logs");
        Integer group = anchor == null ? null : Integer.valueOf(anchor.colocation());
        for (String table : BY_ORGANIZATION) {
            Placed placed = state.placed.get(qualified(table));
            if (placed == null) {
                continue;
            }
            if (!placed.method().equals("h") || !distributionColumn(table).equals(placed.column())) {
                misplaced.add(qualified(table) + " is " + placed.describe() + ", not distributed by " + distributionColumn(table));
            } else if (!Objects.equals(group, placed.colocation())) {
                misplaced.add(qualified(table) + " is not colocated with public.organizations");
            }
        }
        Placed users = state.placed.get(REFERENCE_TABLE);
        if (users != null && !users.reference()) {
            misplaced.add(REFERENCE_TABLE + " is " + users.describe() + ", not a reference table");
        }
        if (!misplaced.isEmpty()) {
            throw new DistributionRefusedException(Reason.PLACED_OTHERWISE, String.join("; ", misplaced)
                    + ": undo that first (select undistribute_table('<table>')), then run distribute again (nothing changed)");
        }
        List<String> referencing = strings(c, "select distinct k.conrelid::regclass::text || ' references '"
                + " || k.confrelid::regclass::text from pg_catalog.pg_constraint k"
                + " where k.contype = 'f' and k.confrelid = any(?::regclass[]) and not (k.conrelid = any(?::regclass[]))"
                + " and not exists (select 1 from pg_catalog.pg_dist_partition p where p.logicalrelid = k.conrelid)"
                + " order by 1", required.subList(0, BY_ORGANIZATION.size()), required);
        if (!referencing.isEmpty()) {
            throw new DistributionRefusedException(Reason.REFERENCED_BY_LOCAL_TABLE, String.join(", ", referencing)
                    + ": that table would stay local to the coordinator, and Citus cannot keep a local table's foreign key"
                    + " to a distributed one; distribute places Voxanne's tables only, so a service's table must first be"
                    + " made distributable by the service (nothing changed)");
        }
        if (!state.placed.containsKey("public.audit_logs")
                && bool(c, "select exists (select 1 from public.audit_logs where org_id is null)")) {
            throw new DistributionRefusedException(Reason.ROWS_WITHOUT_ORGANIZATION, "public.audit_logs has rows without"
                    + " an organization (org_id null: events logged without one, such as the archive's); a distributed"
                    + " audit_logs needs org_id on every row, its distribution value. Export and delete them (voxanne"
                    + " audit archive) or give them an organization, then run distribute again (nothing changed)");
        }
    }

    /** The active primary workers and, on each, which of {@link #ROLES_NEEDING_LOGIN} may not log in yet. */
    private static List<DistributionResult.Worker> workers(DataSource dataSource) {
        String query = "select coalesce(string_agg(rolname, ',' order by rolname), '') from pg_catalog.pg_roles"
                + " where rolname in (" + String.join(", ", ROLES_NEEDING_LOGIN.stream().map(r -> "'" + r + "'").toList())
                + ") and not rolcanlogin";
        List<DistributionResult.Worker> workers = new ArrayList<>();
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement("select nodename, nodeport, success, result"
                     + " from pg_catalog.run_command_on_workers(?) order by nodename, nodeport")) {
            ps.setString(1, query);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String result = rs.getString(4);
                    // a worker that cannot be asked is reported with everything still to do
                    List<String> roles = !rs.getBoolean(3) ? ROLES_NEEDING_LOGIN
                            : result == null || result.isEmpty() ? List.of() : List.of(result.split(","));
                    workers.add(new DistributionResult.Worker(rs.getString(1), rs.getInt(2), roles));
                }
            }
        } catch (SQLException e) {
            throw new SchemaException("the database is distributed, but its workers' roles could not be read: "
                    + SqlFailures.describe(e), SqlFailures.scrub(e));
        }
        return workers;
    }

    private static String script() {
        try (InputStream in = Distributor.class.getClassLoader().getResourceAsStream(SCRIPT)) {
            if (in == null) {
                throw new SchemaException("the distribution script " + SCRIPT + " is missing from voxanne-schema's jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void rollback(Connection c, Exception failure) {
        try {
            c.rollback();
        } catch (SQLException e) {
            failure.addSuppressed(e);
        }
    }

    private static boolean bool(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getBoolean(1);
            }
        }
    }

    /** The first column of every row; each {@code List} parameter is bound as a text array. */
    private static List<String> strings(Connection c, String sql, List<?>... arrays) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < arrays.length; i++) {
                ps.setArray(i + 1, c.createArrayOf("text", arrays[i].toArray()));
            }
            List<String> values = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    values.add(rs.getString(1));
                }
            }
            return values;
        }
    }

    private static int count(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** A table's entry in pg_dist_partition: method ('h' hash, 'n' none), column, colocation group, replication model. */
    record Placed(String method, String column, int colocation, String replication) {
        boolean reference() {
            return method.equals("n") && replication.equals("t");
        }

        String describe() {
            if (reference()) {
                return "a reference table";
            }
            if (method.equals("n")) {
                return "a Citus local table";
            }
            return "distributed by " + column + " (method " + method + ")";
        }
    }

    /** What the result compares before and after the script. */
    private record State(Map<String, Placed> placed, List<String> keyedWithoutOrgId, Map<String, Integer> subqueryPolicies,
                         List<String> settings) {

        static State read(Connection c) throws SQLException {
            Map<String, Placed> placed = new LinkedHashMap<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(PLACED)) {
                while (rs.next()) {
                    placed.put(rs.getString(1), new Placed(rs.getString(2), rs.getString(3), rs.getInt(4), rs.getString(5)));
                }
            }
            List<String> keyed = new ArrayList<>();
            try (PreparedStatement ps = c.prepareStatement("select c.relname from pg_catalog.pg_constraint k"
                    + " join pg_catalog.pg_class c on c.oid = k.conrelid join pg_catalog.pg_namespace n on n.oid = c.relnamespace"
                    + " where n.nspname = 'public' and c.relname = any(?) and k.contype = 'p'"
                    + " and not exists (select 1 from pg_catalog.pg_attribute a where a.attrelid = k.conrelid"
                    + "   and a.attnum = any(k.conkey) and a.attname = 'org_id')")) {
                ps.setArray(1, c.createArrayOf("text", BY_ORGANIZATION.toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        keyed.add(rs.getString(1));
                    }
                }
            }
            Map<String, Integer> policies = new LinkedHashMap<>();
            try (PreparedStatement ps = c.prepareStatement(SUBQUERY_POLICIES)) {
                ps.setString(1, SUBQUERY_PATTERN);
                ps.setString(2, SUBQUERY_PATTERN);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        policies.put(rs.getString(1), rs.getInt(2));
                    }
                }
            }
            List<String> settings = new ArrayList<>();
            try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("select unnest(s.setconfig)"
                    + " from pg_catalog.pg_db_role_setting s join pg_catalog.pg_database d on d.oid = s.setdatabase"
                    + " where d.datname = pg_catalog.current_database() and s.setrole = 0")) {
                while (rs.next()) {
                    settings.add(rs.getString(1));
                }
            }
            return new State(placed, keyed, policies, settings);
        }
    }

    /** Voxanne's tables in pg_dist_partition, by qualified name. */
    static final String PLACED = "select n.nspname || '.' || c.relname, p.partmethod::text,"
            + " case when p.partkey is null then null else pg_catalog.column_to_column_name(p.logicalrelid, p.partkey) end,"
            + " p.colocationid, p.repmodel::text"
            + " from pg_catalog.pg_dist_partition p join pg_catalog.pg_class c on c.oid = p.logicalrelid"
            + " join pg_catalog.pg_namespace n on n.oid = c.relnamespace"
            + " where (n.nspname = 'public' and c.relname in ('audit_logs', 'organizations', 'contacts', 'appointments',"
            + " 'processed_webhook_events', 'notifications')) or (n.nspname = 'auth' and c.relname = 'users')";

    /** Per table ({@code schema.table}), how many policies have a scalar subquery; binds: the pattern twice. */
    static final String SUBQUERY_POLICIES = "select n.nspname || '.' || c.relname, count(*)::int from pg_catalog.pg_policy p"
            + " join pg_catalog.pg_class c on c.oid = p.polrelid join pg_catalog.pg_namespace n on n.oid = c.relnamespace"
            + " where (coalesce(pg_catalog.pg_get_expr(p.polqual, p.polrelid), '') ~* ?"
            + "     or coalesce(pg_catalog.pg_get_expr(p.polwithcheck, p.polrelid), '') ~* ?)"
            + " group by 1";
}
