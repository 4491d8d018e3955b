package com.voxanne.testkit.internal;

import com.voxanne.schema.session.RequestBinding;
import com.voxanne.schema.session.RequestClaims;
import com.voxanne.schema.session.RoleTimeouts;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.jooq.exception.DataAccessException;

/**
 * One transaction on a login-role connection, bound to claims by {@link RequestBinding} (never by a
 * statement of our own, so the test kit binds exactly as the DAO does).
 */
final class BoundTransactions {

    private BoundTransactions() {
    }

    /** Work on the bound connection. */
    @FunctionalInterface
    interface JdbcWork<T> {
        T apply(Connection connection) throws Exception;
    }

    /**
     * Runs {@code work} in one transaction bound to {@code claims}; commits when {@code commit} is true and
     * the work returns, and rolls back otherwise (assertions never leave anything behind).
     */
    static <T> T inTransaction(DataSource dataSource, RequestClaims claims, boolean commit, JdbcWork<T> work) throws Exception {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try {
                bind(c, claims);
                T result = work.apply(c);
                if (commit) {
                    c.commit();
                } else {
                    c.rollback();
                }
                return result;
            } catch (Throwable e) {
                try {
                    c.rollback();
                } catch (SQLException rollbackFailure) {
                    e.addSuppressed(rollbackFailure);
                }
                throw e;
            }
        }
    }

    /**
     * Binds {@code claims} on {@code c} (auto-commit off) in the form its database needs, read from the
     * database on every call: on a database whose tables Citus distributes the single-server form would
     * stay on the coordinator, so a worker's shard would see no claims and an assertion of "cannot see"
     * would hold for the wrong reason. Read each time because a test may distribute its database midway.
     */
    static void bind(Connection c, RequestClaims claims) throws SQLException {
        RequestBinding.bind(c, claims, RoleTimeouts.defaults(), RequestBinding.placementOf(c));
    }

    /**
     * {@code e} as an unchecked exception: SQL errors as jOOQ's {@link DataAccessException}, like every
     * other failure of the {@code DSLContext} the work was given.
     */
    static RuntimeException unchecked(Exception e) {
        if (e instanceof RuntimeException runtime) {
            return runtime;
        }
        if (e instanceof SQLException sql) {
            return new DataAccessException(sql.getMessage(), sql);
        }
        return new IllegalStateException(e.getMessage(), e);
    }
}
