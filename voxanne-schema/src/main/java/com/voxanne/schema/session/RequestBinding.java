package com.voxanne.schema.session;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * Binds {@link RequestClaims} to the current transaction. Both settings are transaction-local
 * ({@code set_config(…, true)}): they end with the transaction, commit or rollback, and never reach the
 * next borrower of a pooled connection. A session-level {@code SET} is never used.
 */
public final class RequestBinding {

    /**
     * The binding statement, with the role name and the claims JSON as parameters. It may be sent as the
     * first statement of a transaction, or prefixed to a query ({@code BIND_SQL + "; " + query}) so that
     * binding and query share one round trip.
     */
    public static final String BIND_SQL =
            "select set_config('role', ?, true), set_config('request.jwt.claims', ?, true)";

    private RequestBinding() {
    }

    /**
     * Binds {@code claims} on {@code connection}, which must be inside a transaction (auto-commit off):
     * with auto-commit on the settings would end with this very statement.
     *
     * @throws IllegalStateException when auto-commit is on
     */
    public static void bind(Connection connection, RequestClaims claims) throws SQLException {
        if (connection.getAutoCommit()) {
            throw new IllegalStateException("bind inside a transaction: with auto-commit on the binding ends at once");
        }
        try (PreparedStatement ps = connection.prepareStatement(BIND_SQL)) {
            setParameters(ps, 1, claims);
            ps.execute();
        }
    }

    /** Sets the two parameters of {@link #BIND_SQL} starting at {@code firstIndex}. */
    public static void setParameters(PreparedStatement statement, int firstIndex, RequestClaims claims) throws SQLException {
        statement.setString(firstIndex, claims.role().roleName());
        statement.setString(firstIndex + 1, claims.toJson());
    }
}
