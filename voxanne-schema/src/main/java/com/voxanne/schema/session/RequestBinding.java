package com.voxanne.schema.session;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

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

    private RequestBinding() {
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
     * run with the timeouts {@code timeouts} gives the claims' role.
     *
     * @throws IllegalStateException when auto-commit is on
     */
    public static void bind(Connection connection, RequestClaims claims, RoleTimeouts timeouts) throws SQLException {
        if (connection.getAutoCommit()) {
            throw new IllegalStateException("bind inside a transaction: with auto-commit on the binding ends at once");
        }
        try (PreparedStatement ps = connection.prepareStatement(BIND_SQL)) {
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
