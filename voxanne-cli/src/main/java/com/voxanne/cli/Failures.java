package com.voxanne.cli;

import com.voxanne.schema.NewerSchemaException;
import com.voxanne.schema.RollbackRefusedException;
import com.voxanne.schema.SchemaException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.sql.SQLException;
import org.postgresql.util.PSQLException;

/**
 * Turns whatever a command threw into one line a person can act on and an {@link ExitCode}. The SQLSTATE
 * decides, not the message text, because messages are localised by the server and reworded by drivers.
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
        if (failure instanceof RollbackRefusedException) {
            return new CliException(ExitCode.ROLLBACK_REFUSED, failure.getMessage()
                    + "; add --force to delete it", failure);
        }
        String context = failure instanceof SchemaException ? firstLine(failure.getMessage()) + ": " : "";
        SQLException sql = find(failure, SQLException.class);
        String state = sql == null || sql.getSQLState() == null ? "" : sql.getSQLState();
        if (state.startsWith("08") || isNetwork(failure)) {
            return new CliException(ExitCode.UNREACHABLE, "cannot reach the database server: " + networkDetail(failure), failure);
        }
        if (state.startsWith("28")) {
            return new CliException(ExitCode.AUTHENTICATION, "the server refused to log in: " + serverMessage(sql)
                    + " (check --user/--password, PGUSER/PGPASSWORD)", failure);
        }
        if (state.equals("42501")) {
            return new CliException(ExitCode.PRIVILEGE, "missing privilege: " + context + serverMessage(sql)
                    + " (migrating needs a superuser on PostgreSQL, the postgres role on Supabase)", failure);
        }
        if (sql != null) {
            return new CliException(ExitCode.FAILED, context + serverMessage(sql) + " [SQLSTATE " + state + "]", failure);
        }
        String message = failure.getMessage() == null ? failure.getClass().getName() : firstLine(failure.getMessage());
        return new CliException(ExitCode.FAILED, message, failure);
    }

    private static boolean isNetwork(Throwable failure) {
        return find(failure, UnknownHostException.class) != null || find(failure, ConnectException.class) != null
                || find(failure, NoRouteToHostException.class) != null || find(failure, SocketTimeoutException.class) != null;
    }

    /** The driver says "The connection attempt failed." for an unknown host; the cause says which host. */
    private static String networkDetail(Throwable failure) {
        UnknownHostException unknown = find(failure, UnknownHostException.class);
        if (unknown != null) {
            return "unknown host " + unknown.getMessage();
        }
        SQLException sql = find(failure, SQLException.class);
        return firstLine((sql != null ? sql : failure).getMessage());
    }

    /** The server's own words, without the driver's "ERROR: " prefix and the multi-line details. */
    private static String serverMessage(SQLException sql) {
        if (sql instanceof PSQLException && ((PSQLException) sql).getServerErrorMessage() != null) {
            String message = ((PSQLException) sql).getServerErrorMessage().getMessage();
            if (message != null) {
                return message;
            }
        }
        return firstLine(sql.getMessage()).replaceFirst("^(ERROR|FATAL): ", "");
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
