package com.voxanne.dao;

import java.sql.SQLException;

/**
 * The database failed in a way no other exception of this package describes (connection lost, a lock or
 * statement timeout, a bug); {@link #sqlState()} says how. Nothing of the unit of work was committed,
 * unless {@link #outcomeUnknown()}: the connection was lost while the unit's commit may have been on its
 * way, and the unit may have committed or not.
 *
 * <p>Neither the message nor the cause chain carries values of the failed statement: the cause is a
 * copy of the driver's exception with its SQLSTATE and stack trace, not the driver's exception itself,
 * whose text can quote the row.
 */
public final class DataAccessFailureException extends VoxanneDataException {
    private static final long serialVersionUID = 1L;

    private final String sqlState;
    private final boolean outcomeUnknown;

    /** With a message; the SQLSTATE is that of the first {@link SQLException} in {@code cause}'s chain. */
    public DataAccessFailureException(String message, Throwable cause) {
        this(message, sqlStateOf(cause), cause);
    }

    /** With a message and the SQLSTATE the database reported ({@code null} when none); nothing committed. */
    public DataAccessFailureException(String message, String sqlState, Throwable cause) {
        this(message, sqlState, false, cause);
    }

    /**
     * With a message, the SQLSTATE the database reported ({@code null} when none), and whether the unit
     * may have committed.
     */
    public DataAccessFailureException(String message, String sqlState, boolean outcomeUnknown, Throwable cause) {
        super(message, cause);
        this.sqlState = sqlState;
        this.outcomeUnknown = outcomeUnknown;
    }

    /**
     * The SQLSTATE of the failure, for example {@code 55P03} (lock_timeout), {@code 57014}
     * (statement_timeout or a cancel), {@code 57P01} (the server terminated the connection) or a class
     * {@code 08} state (the connection failed), or {@code null} when the failure did not come with one.
     */
    public String sqlState() {
        return sqlState;
    }

    /**
     * Whether the unit of work may have committed: the connection was lost (SQLSTATE class {@code 08},
     * or {@code 57P01}–{@code 57P03}) while its commit was on its way. That is the commit of a unit run in
     * a transaction ({@code inOrg}, {@code processOnce}, a repository call of several statements), or the
     * one statement of a call that sends its begin, statement and commit in one round trip (most
     * single calls, such as {@code contacts(ctx).create(…)}). A read committed nothing either way.
     * {@code false}: nothing of the unit was committed, and retrying it is as safe as the first try.
     * {@code true}: read back before retrying, or retry a call that is safe to repeat (a create with a
     * caller-chosen id, {@code processOnce}; see the README's "Failures and retries").
     */
    public boolean outcomeUnknown() {
        return outcomeUnknown;
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
