package com.voxanne.dao.internal;

import com.voxanne.dao.AccessDeniedException;
import com.voxanne.dao.ConflictException;
import com.voxanne.dao.DataAccessFailureException;
import com.voxanne.dao.DoubleBookingException;
import com.voxanne.dao.DuplicateException;
import com.voxanne.dao.InvalidInputException;
import com.voxanne.dao.VoxanneDataException;
import java.sql.SQLException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * The one place where database failures become the DAO's exceptions, by SQLSTATE: every
 * {@link DataAccessFailureException} and every exception that translates a database error is made here.
 * Inside a unit of work failures reach it through {@link Unit#failure}, which also knows when the unit's
 * transaction is already aborted ({@link #unitAborted}); outside one (getting a connection, a
 * subscription) directly.
 *
 * <p>A misuse of a unit of work ({@link BindingConnection.Misuse}) is a bug of the DAO, not a data
 * failure: it comes out as itself, from wherever jOOQ wrapped it.
 *
 * <p>No exception made here carries a value of the failed statement, in its message or anywhere in its
 * cause chain: PostgreSQL quotes the row in an error's DETAIL ({@code Key (org_id, phone)=(..., +1212...)},
 * {@code Failing row contains (...)}) and, for some errors, in the primary message itself
 * ({@code invalid input syntax for type uuid: "..."}); PgJDBC puts both into
 * {@link PSQLException#getMessage()}, and jOOQ copies that into its own exception's message. So the
 * messages here are built from the SQLSTATE and the identifiers the server names (constraint, table,
 * column), the server's primary message is added only for the SQLSTATEs whose text never holds a value
 * ({@code SAFE_PRIMARY_MESSAGE}) when PostgreSQL wrote it or a RAISE of Voxanne's own functions did (a
 * service's trigger may RAISE a row with any SQLSTATE), and the cause is a {@code ScrubbedSqlException}: the SQLSTATE, those
 * identifiers and the original stack trace, never the driver's exception.
 */
public final class SqlErrors {

    /** What a unique constraint means, in words a caller can show. */
    private static final Map<String, String> DUPLICATES = Map.of(
            "uq_contacts_org_phone", "a contact with this phone number already exists in this organization",
            "uq_processed_webhook_events_org_event", "this webhook event was already processed for this organization",
            "organizations_pkey", "an organization with this id already exists",
            // caller-chosen ids: the same id held by a row the caller may not take over
            "contacts_pkey", "a contact with this id already exists",
            "appointments_pkey", "an appointment with this id already exists",
            "notifications_pkey", "a notification with this id already exists");

    /**
     * SQLSTATEs whose primary message PostgreSQL words from identifiers and fixed text only, never from a
     * value: serialization failures and deadlocks, privilege and row-level security refusals (the
     * Voxanne functions name at most ids there), lock and statement timeouts, server shutdown, an aborted
     * transaction, a read-only transaction, undefined objects, insufficient resources. Everything else
     * may quote input (22P02 {@code invalid input syntax for type uuid: "..."}, 22008, a RAISE that
     * formats its arguments). Only the message the server sent counts: what PgJDBC or a pool wrapper
     * write themselves ({@code Bad value for type int : ...}) is never passed on.
     */
    private static final Set<String> SAFE_PRIMARY_MESSAGE = Set.of(
            "40001", "40P01", "42501", "55P03", "57014", "57P01", "57P02", "57P03", "25P02", "25006",
            "42P01", "42703", "42883", "53000", "53100", "53200", "53300", "53400");

    /** The PostgreSQL C routine that reports a PL/pgSQL RAISE. */
    private static final String RAISE_ROUTINE = "exec_stmt_raise";

    /**
     * Voxanne's own functions, whose RAISE messages name ids and rules, never a row's values. A RAISE of
     * any other function (a service's own trigger on its table, inside a unit through
     * {@code TenantTransaction.dsl()}) may format a row into its message whatever SQLSTATE it picks, so
     * its message is never passed on.
     */
    private static final Set<String> OWN_FUNCTIONS = Set.of("appointment_time_range", "archive_old_audit_logs",
            "audit_logs_append_only", "audit_row_change", "audit_statement_change", "auth_org_id", "auth_user_id",
            "contact_search_tokens", "create_notification", "detect_suspicious_activity", "expire_old_notifications", "get_org_audit_logs",
            "is_service_role_caller", "log_audit_event", "notifications_check_user_org", "notifications_notify",
            "prevent_org_id_change", "search_contact_ids", "set_updated_at");

    private static final String LOCK_TIMEOUT = "55P03";
    /** current transaction is aborted, commands ignored until end of transaction block */
    static final String IN_FAILED_TRANSACTION = "25P02";
    private static final String QUERY_CANCELED = "57014";

    private SqlErrors() {
    }

    /** Translates {@code failure} (a jOOQ or JDBC exception, or one of ours) into a DAO exception. */
    public static RuntimeException translate(Throwable failure) {
        if (failure instanceof VoxanneDataException ours) {
            return ours;
        }
        BindingConnection.Misuse misuse = BindingConnection.Misuse.in(failure);
        if (misuse != null) {
            return misuse;
        }
        // Only what the database or jOOQ threw is ours to translate; a caller's own exception (say, a
        // handler's, even one wrapping a database error) passes through untouched.
        if (failure instanceof RuntimeException runtime && !(failure instanceof org.jooq.exception.DataAccessException)) {
            return runtime;
        }
        SQLException sql = findSqlException(failure);
        if (sql == null) {
            // jOOQ failed without the database (a conversion or a mapping: a bug of the DAO). Its text can
            // quote the value it could not convert, so only its type is kept.
            return withSuppressed(new DataAccessFailureException(
                    "database access failed without a database error (" + failure.getClass().getSimpleName() + ")",
                    null, scrub(failure)), failure);
        }
        String state = sql.getSQLState() == null ? "" : sql.getSQLState();
        ServerErrorMessage server = server(sql);
        String constraint = server == null ? null : server.getConstraint();
        ScrubbedSqlException cause = scrub(sql);
        RuntimeException translated = switch (state) {
            case "23505" -> new DuplicateException(constraint,
                    DUPLICATES.getOrDefault(constraint, "duplicate: the write breaks unique constraint " + constraint), cause);
            case "23P01" -> "excl_appointments_no_double_booking".equals(constraint)
                    ? new DoubleBookingException("the appointment overlaps another active appointment of this organization", cause)
                    : new ConflictException("the write conflicts with exclusion constraint " + constraint, cause);
            case "40001", "40P01" -> new ConflictException("a concurrent change got in the way; retry: " + safeMessage(sql), cause);
            case "23503" -> new InvalidInputException(constraint == null ? "reference" : constraint,
                    "refers to a row that does not exist in this organization", cause);
            case "23502" -> new InvalidInputException(column(server), "must not be null", cause);
            case "23514" -> new InvalidInputException(constraint == null ? column(server) : constraint,
                    "refused by a check constraint" + on(server), cause);
            case "22001" -> new InvalidInputException(constraintOrColumn(server), "is too long for its column", cause);
            case "22P02" -> new InvalidInputException(constraintOrColumn(server), "is not valid input for its type", cause);
            case "22007", "22008" -> new InvalidInputException(constraintOrColumn(server), "is not a valid date or time", cause);
            case "22023" -> new InvalidInputException(constraintOrColumn(server), "is not a valid parameter value", cause);
            case "VX002" -> new InvalidInputException("org_id", "a row's organization never changes", cause);
            case "42501" -> new AccessDeniedException(safeMessage(sql), cause);
            case LOCK_TIMEOUT -> new DataAccessFailureException(
                    "the database gave up waiting for a lock (lock_timeout)", state, cause);
            case QUERY_CANCELED -> new DataAccessFailureException(canceled(sql), state, cause);
            default -> new DataAccessFailureException("database failure (SQLSTATE " + state + ")" + on(server)
                    + (isSafe(sql) ? ": " + safeMessage(sql) : ""), state.isEmpty() ? null : state, cause);
        };
        return withSuppressed(translated, failure);
    }

    /**
     * No connection to work on: the pool refused one (timed out, closed), or the one it lent could not be
     * set up for the unit. {@code what} says what it was needed for.
     */
    static DataAccessFailureException noConnection(String what, SQLException failure) {
        return new DataAccessFailureException("cannot " + what + ": " + failure.getMessage(), failure);
    }

    /**
     * {@code lost} (a lost connection) as it reads when the unit's commit may have been on its way: the
     * server may have committed before the connection broke, or not
     * ({@link DataAccessFailureException#outcomeUnknown()}).
     */
    static DataAccessFailureException outcomeUnknown(DataAccessFailureException lost) {
        DataAccessFailureException unknown = new DataAccessFailureException(lost.getMessage()
                + "; the connection was lost while the unit committed: it may have committed or not",
                lost.sqlState(), true, lost.getCause());
        for (Throwable suppressed : lost.getSuppressed()) {
            unknown.addSuppressed(suppressed);
        }
        return unknown;
    }

    /**
     * A statement of a unit whose transaction an earlier failure aborted (PostgreSQL refuses everything
     * until the transaction ends: {@value #IN_FAILED_TRANSACTION}), or the unit's commit then: says so, and
     * names that first failure, which is the cause. {@code refusal} is the server's refusal, or null at
     * commit (PostgreSQL answers a COMMIT of an aborted transaction by rolling it back).
     * {@code firstFailure} is null when the failure that aborted it never left the DAO translated (raw
     * JDBC through {@code tx.dsl().connection(…)}).
     */
    static DataAccessFailureException unitAborted(RuntimeException firstFailure, RuntimeException refusal) {
        String first = "an earlier statement failed";
        if (firstFailure != null) {
            // the first failure's database error as scrubbed when it was translated: SQLSTATE and names only
            SQLException database = findSqlException(firstFailure);
            first = "an earlier call failed: " + firstFailure.getClass().getSimpleName() + " (" + firstFailure.getMessage()
                    + (database instanceof ScrubbedSqlException ? "; " + database.getMessage() : "") + ")";
        }
        DataAccessFailureException aborted = new DataAccessFailureException("the unit of work is aborted, " + first
                + "; PostgreSQL refuses every further statement of the unit and it commits nothing. Let the first"
                + " failure end the unit, or run a call that may fail inside tx.dsl().transaction(…), a savepoint,"
                + " to go on after it", IN_FAILED_TRANSACTION, firstFailure);
        if (refusal != null) {
            aborted.addSuppressed(refusal);
        }
        return aborted;
    }

    /**
     * Whether {@code sqlState} reports a lost connection: class 08 (connection exception, PgJDBC's I/O
     * errors), or the server ending the session (57P01 terminated by an administrator, 57P02 crash of
     * another backend, 57P03 cannot connect now).
     */
    static boolean connectionLost(String sqlState) {
        return sqlState != null && (sqlState.startsWith("08") || sqlState.equals("57P01")
                || sqlState.equals("57P02") || sqlState.equals("57P03"));
    }

    static SQLException findSqlException(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql) {
                return sql;
            }
        }
        return null;
    }

    /**
     * {@code failure} as a {@link SQLException} that keeps its SQLSTATE, error code, the identifiers the
     * server named and its stack trace, with a cause chain scrubbed the same way, and nothing the server
     * or the driver wrote about the values.
     */
    static ScrubbedSqlException scrub(SQLException failure) {
        return (ScrubbedSqlException) scrub(failure, Collections.newSetFromMap(new IdentityHashMap<>()));
    }

    /** Any failure scrubbed: SQL exceptions as in {@link #scrub(SQLException)}, others down to their type. */
    static Throwable scrub(Throwable failure) {
        return scrub(failure, Collections.newSetFromMap(new IdentityHashMap<>()));
    }

    private static Throwable scrub(Throwable failure, Set<Throwable> seen) {
        if (failure instanceof ScrubbedSqlException || failure instanceof ScrubbedFailure) {
            return failure;
        }
        seen.add(failure);
        Throwable copy;
        if (failure instanceof SQLException sql) {
            String state = sql.getSQLState();
            copy = new ScrubbedSqlException(describe(sql), state, sql.getErrorCode());
        } else {
            copy = new ScrubbedFailure(failure.getClass().getName());
        }
        copy.setStackTrace(failure.getStackTrace());
        Throwable cause = failure.getCause();
        if (cause != null && !seen.contains(cause)) {
            copy.initCause(scrub(cause, seen));
        }
        for (Throwable suppressed : failure.getSuppressed()) {
            if (!seen.contains(suppressed)) {
                copy.addSuppressed(scrub(suppressed, seen));
            }
        }
        return copy;
    }

    /** What the failures in {@code failure}'s chain had suppressed (a failed rollback, say), scrubbed. */
    private static RuntimeException withSuppressed(RuntimeException translated, Throwable failure) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
            for (Throwable suppressed : t.getSuppressed()) {
                translated.addSuppressed(scrub(suppressed));
            }
        }
        return translated;
    }

    /** The scrubbed text of one SQL exception: SQLSTATE, identifiers, and the primary message when safe. */
    private static String describe(SQLException sql) {
        String state = sql.getSQLState();
        return "SQLSTATE " + (state == null ? "unknown" : state) + on(server(sql))
                + (isSafe(sql) ? ": " + safeMessage(sql) : "");
    }

    /**
     * Whether {@code sql} carries a primary message from the server that is worded without values (see
     * {@link #SAFE_PRIMARY_MESSAGE}).
     */
    private static boolean isSafe(SQLException sql) {
        ServerErrorMessage server = server(sql);
        return server != null && server.getMessage() != null && SAFE_PRIMARY_MESSAGE.contains(sql.getSQLState())
                && (!RAISE_ROUTINE.equals(server.getRoutine()) || isOwnRaise(server));
    }

    /**
     * A RAISE in one of {@link #OWN_FUNCTIONS}: the innermost frame of the error's context (its first line,
     * {@code PL/pgSQL function public.create_notification(uuid,…) line 37 at RAISE}) names it. Qualified
     * with {@code public} (our functions run with {@code search_path = pg_catalog, pg_temp}) or, on
     * servers that print it so, unqualified.
     */
    private static boolean isOwnRaise(ServerErrorMessage server) {
        String where = server.getWhere();
        if (where == null) {
            return false;
        }
        String frame = where.lines().findFirst().orElse("");
        String prefix = "PL/pgSQL function ";
        if (!frame.startsWith(prefix)) {
            return false;
        }
        String name = frame.substring(prefix.length());
        name = name.startsWith("public.") ? name.substring("public.".length()) : name;
        int paren = name.indexOf('(');
        return paren > 0 && OWN_FUNCTIONS.contains(name.substring(0, paren));
    }

    /** The server's primary message (no DETAIL, no HINT) of a failure {@link #isSafe}, else the SQLSTATE. */
    private static String safeMessage(SQLException sql) {
        return isSafe(sql) ? server(sql).getMessage() : "SQLSTATE " + sql.getSQLState();
    }

    /**
     * 57014 is both statement_timeout and a cancel (a client's query timeout, {@code pg_cancel_backend});
     * the server's primary message, fixed text, tells which.
     */
    private static String canceled(SQLException sql) {
        ServerErrorMessage server = server(sql);
        String message = server == null ? null : server.getMessage();
        if (message != null && message.contains("statement timeout")) {
            return "the statement ran past statement_timeout";
        }
        return "the statement was canceled" + (message == null ? "" : ": " + message);
    }

    /** {@code " on table t, column c, constraint k"} for what the server named, or nothing. */
    private static String on(ServerErrorMessage server) {
        if (server == null) {
            return "";
        }
        StringBuilder names = new StringBuilder();
        append(names, "table", server.getTable());
        append(names, "column", server.getColumn());
        append(names, "constraint", server.getConstraint());
        return names.length() == 0 ? "" : " on " + names;
    }

    private static void append(StringBuilder names, String what, String name) {
        if (name != null && !name.isEmpty()) {
            names.append(names.length() == 0 ? "" : ", ").append(what).append(' ').append(name);
        }
    }

    private static ServerErrorMessage server(SQLException sql) {
        return sql instanceof PSQLException p ? p.getServerErrorMessage() : null;
    }

    private static String column(ServerErrorMessage server) {
        return server == null || server.getColumn() == null ? "value" : server.getColumn();
    }

    private static String constraintOrColumn(ServerErrorMessage server) {
        return server != null && server.getConstraint() != null ? server.getConstraint() : column(server);
    }

    /**
     * A database failure as the DAO passes it on: the SQLSTATE (and error code), the constraint, table and
     * column the server named, the server's primary message only where it cannot hold a value, and the
     * original stack trace. Never the row values of the server's DETAIL or of the driver's message.
     */
    static final class ScrubbedSqlException extends SQLException {
        private static final long serialVersionUID = 1L;

        ScrubbedSqlException(String reason, String sqlState, int vendorCode) {
            super(reason, sqlState, vendorCode);
        }
    }

    /** A failure other than a database error, reduced to its type (its text may quote a value); stack trace kept. */
    static final class ScrubbedFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ScrubbedFailure(String type) {
            super(type + " (its message is withheld: it may quote a value)");
        }
    }
}
