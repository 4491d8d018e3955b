package com.voxanne.schema.session;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.regex.Pattern;

/**
 * Binds {@link RequestClaims} to the current transaction. Every setting is transaction-local
 * ({@code set_config(…, true)}): it ends with the transaction, commit or rollback, and never reaches the
 * next borrower of a pooled connection. A session-level {@code SET} is never used.
 *
 * <p>The binding is also proof against what an earlier borrower may have left on the session. A
 * transaction-local setting takes precedence over a session-level one for the rest of the transaction,
 * so the binding sets, transaction-locally, everything the schema's functions read to tell who the
 * request is: the role, {@code request.jwt.claims}, and the older per-claim settings Supabase still
 * honours ({@code request.jwt.claim}, {@code request.jwt.claim.sub}, {@code .role}, {@code .email},
 * {@code .app_metadata}), which {@code auth.uid()}, {@code public.auth_user_id()} and
 * {@code public.auth_org_id()} prefer to the claims JSON when set. Those are blanked ({@code ''} reads
 * as unset), so the claims bound here are the only claims the transaction's statements see. Likewise
 * {@code statement_timeout} and {@code lock_timeout} are set to the role's {@link RoleTimeouts}, whatever
 * the session says: a session-level {@code set statement_timeout = 0} cannot lift them; and
 * {@code search_path} is set to {@link #SEARCH_PATH}, so that names in the transaction's statements
 * resolve the same whatever the session's path, with temporary objects searched last.
 *
 * <p>On a database distributed by Citus ({@link Placement#DISTRIBUTED}) a setting made by
 * {@code set_config} stays on the coordinator: the query a worker runs on a shard would see none of the
 * claims. There the binding is {@link #BIND_SQL} followed by {@code SET LOCAL} statements, which Citus
 * sends to the workers ({@code citus.propagate_set_commands = 'local'}, a database setting
 * {@code VoxanneSchema.distribute()} makes): the claims, the blanked per-claim settings, the timeouts and
 * the search_path, as literals ({@link #bindSql}). The role stays with {@code set_config}: a propagated
 * role would follow a SECURITY DEFINER function's statements to the workers as the caller
 * (docs/adr/0018-binding-on-a-distributed-database.md). Which form a database needs is decided once per
 * pool ({@link #placementOf}), never per call.
 */
public final class RequestBinding {

    /**
     * The binding statement. Its parameters, set by {@link #setParameters}, are the role name, the claims
     * JSON, the statement timeout and the lock timeout (in this order, {@link #PARAMETER_COUNT} in all);
     * the text is the same whatever the claims and timeouts, so a driver's statement cache holds one
     * entry. It may be sent as the first statement of a transaction, or prefixed to a query
     * ({@code BIND_SQL + "; " + query}) so that binding and query share one round trip: PostgreSQL arms
     * {@code statement_timeout} afresh for each statement of the extended protocol, so the query runs
     * under the timeout the binding just set.
     */
    public static final String BIND_SQL = "select set_config('role', ?, true), set_config('request.jwt.claims', ?, true),"
            + " set_config('statement_timeout', ?, true), set_config('lock_timeout', ?, true),"
            + " set_config('request.jwt.claim', '', true), set_config('request.jwt.claim.sub', '', true),"
            + " set_config('request.jwt.claim.role', '', true), set_config('request.jwt.claim.email', '', true),"
            + " set_config('request.jwt.claim.app_metadata', '', true),"
            + " set_config('search_path', '" + RequestBinding.SEARCH_PATH + "', true)";

    /**
     * The search_path a bound transaction runs with: pg_catalog first, so that no other schema's type,
     * function or operator can stand in for a built-in one, then public, where the schema's objects live,
     * and pg_temp last (unnamed it would be searched first for types and tables, so that a temporary
     * {@code uuid} left on a pooled connection would be the one a query's {@code cast(? as uuid)} meant).
     * Whatever search_path an earlier borrower left on the session does not apply inside the transaction.
     */
    public static final String SEARCH_PATH = "pg_catalog, public, pg_temp";

    /**
     * How many parameters {@link #BIND_SQL} has: a query prefixed with it has its own parameters from
     * {@code PARAMETER_COUNT + 1} on.
     */
    public static final int PARAMETER_COUNT = 4;

    /**
     * What a binding must reach. Decide it once per pool with {@link #placementOf} and keep it: the
     * forms differ in text and in statement count, not in what the transaction's statements see.
     */
    public enum Placement {
        /** One server (no Citus, or none of Voxanne's tables distributed): {@link #BIND_SQL} alone. */
        SINGLE_SERVER(1),
        /**
         * Voxanne's tables distributed by Citus: {@link #BIND_SQL}, then {@code SET LOCAL} statements for what
         * the workers must see. Must be sent over PgJDBC's extended protocol, each statement with its own
         * text: Citus propagates a {@code SET LOCAL} that shares a simple-protocol query string with other
         * statements as that whole string, and the workers refuse it.
         */
        DISTRIBUTED(1 + DistributedSettings.STATEMENTS);

        private final int statements;

        Placement(int statements) {
            this.statements = statements;
        }

        /** How many statements the binding is: the results a caller skips before its own statement's. */
        public int statements() {
            return statements;
        }
    }

    /**
     * The settings a distributed binding sends by {@code SET LOCAL}, in this order, and how each literal is
     * checked before it is quoted into the text.
     */
    private static final class DistributedSettings {
        /** The claims JSON: UUIDs and a fixed role name, in the fixed shape {@link RequestClaims#toJson()} gives. */
        private static final Pattern CLAIMS = Pattern.compile("\\{[a-z_\":,{}0-9-]{0,200}\\}");
        /** A timeout as {@link RoleTimeouts} writes it: whole milliseconds. */
        private static final Pattern TIMEOUT = Pattern.compile("[0-9]{1,10}ms");
        private static final String[] BLANKED = {"request.jwt.claim", "request.jwt.claim.sub", "request.jwt.claim.role",
                "request.jwt.claim.email", "request.jwt.claim.app_metadata"};
        /** claims, the blanked ones, statement_timeout, lock_timeout, search_path. */
        static final int STATEMENTS = 1 + BLANKED.length + 3;

        private DistributedSettings() {
        }

        static String sql(RequestClaims claims, RoleTimeouts timeouts) {
            ApiRole role = claims.role();
            StringBuilder sql = new StringBuilder(BIND_SQL);
            setLocal(sql, "\"request.jwt.claims\"", checked(claims.toJson(), CLAIMS, "claims"));
            for (String blanked : BLANKED) {
                setLocal(sql, '"' + blanked + '"', "");
            }
            setLocal(sql, "statement_timeout", checked(timeouts.statementTimeoutSetting(role), TIMEOUT, "statement timeout"));
            setLocal(sql, "lock_timeout", checked(timeouts.lockTimeoutSetting(role), TIMEOUT, "lock timeout"));
            // a list, not one string: unquoted, as SET reads it (a constant, never input)
            sql.append(";\nset local search_path = ").append(SEARCH_PATH);
            return sql.toString();
        }

        private static void setLocal(StringBuilder sql, String name, String value) {
            sql.append(";\nset local ").append(name).append(" = ").append(literal(value));
        }
    }

    /**
     * {@code value} as a string literal: quotes doubled. A backslash is refused rather than escaped, so the
     * literal reads the same whatever {@code standard_conforming_strings} says; so is a NUL.
     */
    static String literal(String value) {
        if (value.indexOf('\\') >= 0 || value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a binding literal may not contain a backslash or a NUL");
        }
        return "'" + value.replace("'", "''") + "'";
    }

    /**
     * {@code value} when it has the shape {@code shape}; refused otherwise, before any SQL is built. The
     * values are built from {@link java.util.UUID}s, an {@link ApiRole} and whole milliseconds, so a refusal
     * means a bug, never a caller's input; the message names the setting, not the value.
     */
    static String checked(String value, Pattern shape, String what) {
        if (!shape.matcher(value).matches()) {
            throw new IllegalStateException("the " + what + " of a binding do not have the expected shape: refused");
        }
        return value;
    }

    private RequestBinding() {
    }

    /**
     * Whether {@code connection}'s database is distributed: it has the citus extension and one of
     * Voxanne's tables is in {@code pg_dist_partition}. Two catalog reads (one without Citus), readable by
     * any role; call it once per pool.
     */
    public static Placement placementOf(Connection connection) throws SQLException {
        try (Statement s = connection.createStatement()) {
            try (ResultSet rs = s.executeQuery("select exists (select 1 from pg_catalog.pg_extension where extname = 'citus')")) {
                rs.next();
                if (!rs.getBoolean(1)) {
                    return Placement.SINGLE_SERVER;
                }
            }
            try (ResultSet rs = s.executeQuery("select exists (select 1 from pg_catalog.pg_dist_partition p"
                    + " where p.logicalrelid in (pg_catalog.to_regclass('public.organizations'),"
                    + " pg_catalog.to_regclass('public.contacts'), pg_catalog.to_regclass('public.audit_logs')))")) {
                rs.next();
                return rs.getBoolean(1) ? Placement.DISTRIBUTED : Placement.SINGLE_SERVER;
            }
        }
    }

    /**
     * The binding for {@code claims} on a database of {@code placement}, with {@link #PARAMETER_COUNT}
     * parameters set by {@link #setParameters}: {@link #BIND_SQL} on a single server, the same text
     * whatever the claims; on a distributed database {@link #BIND_SQL} and, after it, {@code ";\n"}-separated
     * {@code SET LOCAL} statements whose literals are the claims (UUIDs, the role's fixed name), empty
     * strings, the timeouts (whole milliseconds) and {@link #SEARCH_PATH}, each checked for its shape
     * and quoted. {@link Placement#statements()} statements in all.
     */
    public static String bindSql(Placement placement, RequestClaims claims, RoleTimeouts timeouts) {
        return switch (placement) {
            case SINGLE_SERVER -> BIND_SQL;
            case DISTRIBUTED -> DistributedSettings.sql(claims, timeouts);
        };
    }

    /**
     * Binds {@code claims} on {@code connection}, with the {@linkplain RoleTimeouts#defaults() default}
     * timeouts of the claims' role.
     *
     * @throws IllegalStateException when auto-commit is on
     * @see #bind(Connection, RequestClaims, RoleTimeouts)
     */
    public static void bind(Connection connection, RequestClaims claims) throws SQLException {
        bind(connection, claims, RoleTimeouts.defaults());
    }

    /**
     * Binds {@code claims} on {@code connection}, which must be inside a transaction (auto-commit off):
     * with auto-commit on the settings would end with this very statement. The transaction's statements
     * run with the timeouts {@code timeouts} gives the claims' role. The single-server form: on a
     * distributed database use {@link #bind(Connection, RequestClaims, RoleTimeouts, Placement)}.
     *
     * @throws IllegalStateException when auto-commit is on
     */
    public static void bind(Connection connection, RequestClaims claims, RoleTimeouts timeouts) throws SQLException {
        bind(connection, claims, timeouts, Placement.SINGLE_SERVER);
    }

    /**
     * As {@link #bind(Connection, RequestClaims, RoleTimeouts)}, in the form {@code placement} needs
     * ({@link #bindSql}).
     *
     * @throws IllegalStateException when auto-commit is on
     */
    public static void bind(Connection connection, RequestClaims claims, RoleTimeouts timeouts, Placement placement)
            throws SQLException {
        if (connection.getAutoCommit()) {
            throw new IllegalStateException("bind inside a transaction: with auto-commit on the binding ends at once");
        }
        try (PreparedStatement ps = connection.prepareStatement(bindSql(placement, claims, timeouts))) {
            setParameters(ps, 1, claims, timeouts);
            ps.execute();
        }
    }

    /**
     * Sets the {@link #PARAMETER_COUNT} parameters of {@link #BIND_SQL} starting at {@code firstIndex},
     * with the {@linkplain RoleTimeouts#defaults() default} timeouts of the claims' role.
     */
    public static void setParameters(PreparedStatement statement, int firstIndex, RequestClaims claims) throws SQLException {
        setParameters(statement, firstIndex, claims, RoleTimeouts.defaults());
    }

    /**
     * Sets the {@link #PARAMETER_COUNT} parameters of {@link #BIND_SQL} starting at {@code firstIndex}:
     * {@code claims}, and the timeouts {@code timeouts} gives the claims' role.
     */
    public static void setParameters(PreparedStatement statement, int firstIndex, RequestClaims claims,
                                     RoleTimeouts timeouts) throws SQLException {
        ApiRole role = claims.role();
        statement.setString(firstIndex, role.roleName());
        statement.setString(firstIndex + 1, claims.toJson());
        statement.setString(firstIndex + 2, timeouts.statementTimeoutSetting(role));
        statement.setString(firstIndex + 3, timeouts.lockTimeoutSetting(role));
    }
}
