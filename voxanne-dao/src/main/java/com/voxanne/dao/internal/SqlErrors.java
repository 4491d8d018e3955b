package com.voxanne.dao.internal;

import com.voxanne.dao.AccessDeniedException;
import com.voxanne.dao.ConflictException;
import com.voxanne.dao.DataAccessFailureException;
import com.voxanne.dao.DoubleBookingException;
import com.voxanne.dao.DuplicateException;
import com.voxanne.dao.InvalidInputException;
import com.voxanne.dao.VoxanneDataException;
import java.sql.SQLException;
import java.util.Map;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/** The one place where database failures become the DAO's exceptions, by SQLSTATE. */
public final class SqlErrors {

    /** What a unique constraint means, in words a caller can show. */
    private static final Map<String, String> DUPLICATES = Map.of(
            "uq_contacts_org_phone", "a contact with this phone number already exists in this organization",
            "uq_processed_webhook_events_org_event", "this webhook event was already processed for this organization",
            "organizations_pkey", "an organization with this id already exists");

    private SqlErrors() {
    }

    /** Translates {@code failure} (a jOOQ or JDBC exception, or one of ours) into a DAO exception. */
    public static RuntimeException translate(Throwable failure) {
        if (failure instanceof VoxanneDataException ours) {
            return ours;
        }
        // Only what the database or jOOQ threw is ours to translate; a caller's own exception (say, a
        // handler's, even one wrapping a database error) passes through untouched.
        if (failure instanceof RuntimeException runtime && !(failure instanceof org.jooq.exception.DataAccessException)) {
            return runtime;
        }
        SQLException sql = findSqlException(failure);
        if (sql == null) {
            return failure instanceof RuntimeException r ? r : new DataAccessFailureException(String.valueOf(failure.getMessage()), failure);
        }
        String state = sql.getSQLState() == null ? "" : sql.getSQLState();
        String constraint = constraint(sql);
        String message = serverMessage(sql);
        switch (state) {
            case "23505":
                return new DuplicateException(constraint, DUPLICATES.getOrDefault(constraint, "duplicate: " + message), sql);
            case "23P01":
                if ("excl_appointments_no_double_booking".equals(constraint)) {
                    return new DoubleBookingException("the appointment overlaps another active appointment of this organization", sql);
                }
                return new ConflictException(message, sql);
            case "40001":
            case "40P01":
                return new ConflictException("a concurrent change got in the way; retry: " + message, sql);
            case "23503":
                return new InvalidInputException(constraint == null ? "reference" : constraint,
                        "refers to a row that does not exist in this organization", sql);
            case "23502":
            case "23514":
            case "22023":
            case "22P02":
            case "22001":
            case "22007":
            case "22008":
                return new InvalidInputException(constraint == null ? column(sql) : constraint, message, sql);
            case "VX002":
                return new InvalidInputException("org_id", "a row's organization never changes", sql);
            case "42501":
                return new AccessDeniedException(message, sql);
            default:
                return new DataAccessFailureException("database failure (SQLSTATE " + state + "): " + message, sql);
        }
    }

    static SQLException findSqlException(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                return sql;
            }
        }
        return null;
    }

    private static String constraint(SQLException sql) {
        ServerErrorMessage server = sql instanceof PSQLException p ? p.getServerErrorMessage() : null;
        return server == null ? null : server.getConstraint();
    }

    private static String column(SQLException sql) {
        ServerErrorMessage server = sql instanceof PSQLException p ? p.getServerErrorMessage() : null;
        return server == null || server.getColumn() == null ? "value" : server.getColumn();
    }

    private static String serverMessage(SQLException sql) {
        ServerErrorMessage server = sql instanceof PSQLException p ? p.getServerErrorMessage() : null;
        return server != null && server.getMessage() != null ? server.getMessage() : String.valueOf(sql.getMessage());
    }
}
