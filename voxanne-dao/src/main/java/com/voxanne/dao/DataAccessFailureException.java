package com.voxanne.dao;

import java.sql.SQLException;

/**
 * The database failed in a way no other exception of this package describes (connection lost, a lock or
 * statement timeout, a bug); {@link #sqlState()} says how. Nothing of the unit of work was committed.
 *
 * <p>Neither the message nor the cause chain carries values of the failed statement: the cause is a
 * copy of the driver's exception with its SQLSTATE and stack trace, not the driver's exception itself,
 * whose text can quote the row.
 */
public final class DataAccessFailureException extends VoxanneDataException {
    private static final long serialVersionUID = 1L;

    private final String sqlState;

    /** With a message; the SQLSTATE is that of the first {@link SQLException} in {@code cause}'s chain. */
    public DataAccessFailureException(String message, Throwable cause) {
        this(message, sqlStateOf(cause), cause);
    }

    /** With a message and the SQLSTATE the database reported ({@code null} when none). */
    public DataAccessFailureException(String message, String sqlState, Throwable cause) {
        super(message, cause);
        this.sqlState = sqlState;
    }

    /**
     * The SQLSTATE of the failure, for example {@code 55P03} (lock_timeout) or {@code 57014}
     * (statement_timeout or a cancel), or {@code null} when the failure did not come with one.
     */
    public String sqlState() {
        return sqlState;
    }

    private static String sqlStateOf(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                return sql.getSQLState();
            }
        }
        return null;
    }
}
