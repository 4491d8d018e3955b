package com.voxanne.cli;

import com.voxanne.schema.NewerSchemaException;
import com.voxanne.schema.RollbackRefusedException;
import com.voxanne.schema.internal.SqlFailures;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;

/**
 * Turns whatever a command threw into one line a person can act on and an {@link ExitCode}. The SQLSTATE
 * decides, not the message text, because messages are localised by the server and reworded by drivers.
 *
 * <p>The line never carries a value of the database: Voxanne's own exceptions (voxanne-schema's, the
 * DAO's) already say what failed without one, and a raw database error is told by {@link SqlFailures}'s
 * rule (SQLSTATE, the names the server gave, its words only where they cannot hold a value), never by the
 * driver's message, which quotes the server's DETAIL ({@code Failing row contains (...)}).
 */
final class Failures {

    private Failures() {
    }

    static CliException explain(Throwable failure) {
        if (failure instanceof CliException) {
            return (CliException) failure;
        }
        if (failure instanceof NewerSchemaException) {
            return new CliException(ExitCode.NEWER_SCHEMA, failure.getMessage(), failure);
        }
        if (failure instanceof RollbackRefusedException refused) {
            return new CliException(ExitCode.ROLLBACK_REFUSED, failure.getMessage()
                    + (refused.reason() == RollbackRefusedException.Reason.DATA_LOSS ? "; add --force to delete it" : ""),
                    failure);
        }
        String own = isOurs(failure) && failure.getMessage() != null ? firstLine(failure.getMessage()) : null;
        SQLException sql = find(failure, SQLException.class);
        String state = sql == null || sql.getSQLState() == null ? "" : sql.getSQLState();
        if (state.startsWith("08") || isNetwork(failure)) {
            return new CliException(ExitCode.UNREACHABLE, "cannot reach the database server: " + networkDetail(failure), failure);
        }
        if (state.startsWith("28")) {
            return new CliException(ExitCode.AUTHENTICATION, "the server refused to log in: "
                    + (own != null ? own : serverMessage(sql))
                    + " (check --user/--password, PGUSER/PGPASSWORD)", failure);
        }
        if (state.equals("42501")) {
            return new CliException(ExitCode.PRIVILEGE, "missing privilege: " + (own != null ? own : serverMessage(sql))
                    + " (voxanne needs a superuser on PostgreSQL, the postgres role on Supabase)", failure);
        }
        if (own != null) {
            return new CliException(ExitCode.FAILED, own, failure);
        }
        if (sql != null) {
            return new CliException(ExitCode.FAILED, "database failure: " + SqlFailures.describe(sql), failure);
        }
        // No database error behind it: the text is not the server's or the driver's.
        String message = failure.getMessage() == null ? failure.getClass().getName() : firstLine(failure.getMessage());
        return new CliException(ExitCode.FAILED, message, failure);
    }

    /** Voxanne's exceptions are written without values of the database (voxanne-schema's, the DAO's). */
    private static boolean isOurs(Throwable failure) {
        return failure.getClass().getName().startsWith("com.voxanne.");
    }

    private static boolean isNetwork(Throwable failure) {
        return find(failure, UnknownHostException.class) != null || find(failure, ConnectException.class) != null
                || find(failure, NoRouteToHostException.class) != null || find(failure, SocketTimeoutException.class) != null;
    }

    /**
     * The driver says "The connection attempt failed." for an unknown host; the cause says which host.
     * Connection failures (SQLSTATE class 08) happen outside any statement, so the driver's text here
     * tells of a host, a port or a socket, never of data.
     */
    private static String networkDetail(Throwable failure) {
        UnknownHostException unknown = find(failure, UnknownHostException.class);
        if (unknown != null) {
            return "unknown host " + unknown.getMessage();
        }
        SQLException sql = find(failure, SQLException.class);
        return firstLine((sql != null ? sql : failure).getMessage());
    }

    /**
     * The server's primary message where {@link SqlFailures} allows it (log-in and privilege refusals are
     * worded from names), else the SQLSTATE and the names the server gave.
     */
    private static String serverMessage(SQLException sql) {
        String words = SqlFailures.serverWords(sql);
        return words != null ? words : SqlFailures.describe(sql);
    }

    private static <T extends Throwable> T find(Throwable failure, Class<T> type) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "";
        }
        int end = message.indexOf('\n');
        return (end < 0 ? message : message.substring(0, end)).strip();
    }
}
