package com.voxanne.testkit.internal;

import java.sql.SQLException;
import java.util.Optional;

/** Finding the database's error in what a write threw (jOOQ wraps it, JDBC does not). */
final class SqlErrors {

    /** insufficient_privilege: no grant, or a row that a policy's WITH CHECK refuses. */
    static final String INSUFFICIENT_PRIVILEGE = "42501";

    private SqlErrors() {
    }

    /** The first {@link SQLException} with a SQLSTATE in the cause chain of {@code thrown}. */
    static Optional<SQLException> find(Throwable thrown) {
        for (Throwable t = thrown; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                return Optional.of(sql);
            }
        }
        return Optional.empty();
    }
}
