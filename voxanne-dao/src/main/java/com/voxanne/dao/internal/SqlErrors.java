package com.voxanne.dao.internal;

import com.voxanne.dao.AccessDeniedException;
import com.voxanne.dao.ConflictException;
import com.voxanne.dao.DataAccessFailureException;
import com.voxanne.dao.DoubleBookingException;
import com.voxanne.dao.DuplicateException;
import com.voxanne.dao.InvalidInputException;
import com.voxanne.dao.VoxanneDataException;
import com.voxanne.schema.internal.SqlFailures;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import org.postgresql.util.PSQLException;
import org.postgresql.util.PSQLWarning;
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
 * {@link PSQLException#getMessage()}, and jOOQ copies that into its own exception's message. The messages
 * here are built from the SQLSTATE, the identifiers the server names and, where the rule of
 * {@link SqlFailures} allows, the server's primary message; every cause is {@link SqlFailures#scrub}'s
 * copy, never the driver's exception. That rule is the project's one scrubber, shared with
 * voxanne-schema and the command line.
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
        SQLException sql = SqlFailures.find(failure);
        if (sql == null) {
            // jOOQ failed without the database (a conversion or a mapping: a bug of the DAO). Its text can
            // quote the value it could not convert, so only its type is kept.
            return withSuppressed(new DataAccessFailureException(
                    "database access failed without a database error (" + failure.getClass().getSimpleName() + ")",
                    null, SqlFailures.scrub(failure)), failure);
        }
        String state = sql.getSQLState() == null ? "" : sql.getSQLState();
        ServerErrorMessage server = server(sql);
        String constraint = constraint(server);
        Throwable cause = SqlFailures.scrub(sql);
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
                    "refused by a check constraint" + SqlFailures.on(sql), cause);
            case "22001" -> new InvalidInputException(constraintOrColumn(server), "is too long for its column", cause);
            case "22P02" -> new InvalidInputException(constraintOrColumn(server), "is not valid input for its type", cause);
            case "22007", "22008" -> new InvalidInputException(constraintOrColumn(server), "is not a valid date or time", cause);
            case "22023" -> new InvalidInputException(constraintOrColumn(server), "is not a valid parameter value", cause);
            case "VX002" -> new InvalidInputException("org_id", "a row's organization never changes", cause);
            case "42501" -> new AccessDeniedException(safeMessage(sql), cause);
            case LOCK_TIMEOUT -> new DataAccessFailureException(
                    "the database gave up waiting for a lock (lock_timeout)", state, cause);
            case QUERY_CANCELED -> new DataAccessFailureException(canceled(sql), state, cause);
            default -> new DataAccessFailureException("database failure (SQLSTATE " + state + ")" + SqlFailures.on(sql)
                    + words(sql), state.isEmpty() ? null : state, cause);
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
     * What a commit that failed on a distributed database means. Citus commits a transaction that wrote
     * on one worker by sending that worker {@code COMMIT} once its own has committed, and reports a
     * failure there as {@code XX000 could not commit transaction for shard …} (docs/citus.md fact 32). If
     * the worker replied with an error (a deferred constraint or trigger refusing), its transaction rolled
     * back: Citus relays that reply as a warning before the error, and that warning, returned here, is
     * the failure to report, a known rollback. If no such reply came first (the worker's connection was
     * lost on the way: Citus relays the worker's {@code 57P01} and its {@code FATAL:} line, the latter as
     * {@code XX000}), the worker may have committed or not: {@code unknownOutcome} is then true. For any
     * other failure, null.
     */
    static WorkerCommitFailure workerCommitFailure(SQLException failure, SQLWarning warnings) {
        ServerErrorMessage server = server(failure);
        if (!"XX000".equals(failure.getSQLState()) || server == null || server.getMessage() == null
                || !server.getMessage().startsWith(CITUS_WORKER_COMMIT_FAILED)) {
            return null;
        }
        int depth = 0;
        for (SQLWarning w = warnings; w != null && depth < 50; w = w.getNextWarning(), depth++) {
            String state = w.getSQLState();
            if (connectionLost(state) || relayedFatal(w)) {
                break;
            }
            if (state != null && !state.startsWith("00") && !state.startsWith("01")) {
                return new WorkerCommitFailure(w, false);
            }
        }
        return new WorkerCommitFailure(failure, true);
    }

    /** A worker's FATAL that Citus relays as a warning: the worker's connection ended, not its transaction by a refusal. */
    private static boolean relayedFatal(SQLWarning warning) {
        ServerErrorMessage relayed = warning instanceof PSQLWarning w ? w.getServerErrorMessage() : null;
        String words = relayed != null ? relayed.getMessage() : warning.getMessage();
        return words != null && words.startsWith("FATAL:");
    }

    /** See {@link #workerCommitFailure}: the failure to report, and whether the worker may have committed. */
    record WorkerCommitFailure(SQLException failure, boolean unknownOutcome) {
    }

    /** The start of Citus's message when a worker's part of a transaction failed at its commit. */
    static final String CITUS_WORKER_COMMIT_FAILED = "could not commit transaction for shard ";

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
            SQLException database = SqlFailures.find(firstFailure);
            first = "an earlier call failed: " + firstFailure.getClass().getSimpleName() + " (" + firstFailure.getMessage()
                    + (SqlFailures.isScrubbed(database) ? "; " + database.getMessage() : "") + ")";
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
     * A call of a unit whose connection an earlier call lost ({@code earlier}, the failure that call
     * reported; {@code lostWith}, the SQLSTATE of the loss), or the unit's end then: the pool has closed
     * the connection, so the call failed with a bare "connection is closed", and nothing of the unit
     * committed. {@code refusal} is what the call itself got, or null at commit.
     */
    static DataAccessFailureException connectionLostEarlier(RuntimeException earlier, String lostWith,
                                                            RuntimeException refusal) {
        DataAccessFailureException gone = new DataAccessFailureException("the unit of work lost its connection in an"
                + " earlier call (" + earlier.getClass().getSimpleName() + ": " + earlier.getMessage() + "; SQLSTATE "
                + lostWith + "); nothing of the unit is committed and nothing further of it can run: retry the whole unit",
                lostWith, earlier);
        if (refusal != null) {
            gone.addSuppressed(refusal);
        }
        return gone;
    }

    /**
     * The SQLSTATE with which {@code failure} reports a lost connection ({@link #connectionLost}), looked
     * for along its causes and each {@link SQLException}'s chain of next exceptions (the pool looks there
     * too), or null.
     */
    static String connectionLostIn(Throwable failure) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
            if (t instanceof DataAccessFailureException ours && connectionLost(ours.sqlState())) {
                return ours.sqlState();
            }
            if (t instanceof SQLException sql) {
                SQLException next = sql;
                for (int depth = 0; next != null && depth < 10; depth++, next = next.getNextException()) {
                    if (connectionLost(next.getSQLState())) {
                        return next.getSQLState();
                    }
                }
            }
        }
        return null;
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

    /** What the failures in {@code failure}'s chain had suppressed (a failed rollback, say), scrubbed. */
    private static RuntimeException withSuppressed(RuntimeException translated, Throwable failure) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
            for (Throwable suppressed : t.getSuppressed()) {
                translated.addSuppressed(SqlFailures.scrub(suppressed));
            }
        }
        return translated;
    }

    /** {@code ": "} and the server's primary message where {@link SqlFailures} allows it, else nothing. */
    private static String words(SQLException sql) {
        String words = SqlFailures.serverWords(sql);
        return words == null ? "" : ": " + words;
    }

    /** The server's primary message (no DETAIL, no HINT) where {@link SqlFailures} allows it, else the SQLSTATE. */
    private static String safeMessage(SQLException sql) {
        String words = SqlFailures.serverWords(sql);
        return words != null ? words : "SQLSTATE " + sql.getSQLState();
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

    private static ServerErrorMessage server(SQLException sql) {
        return sql instanceof PSQLException p ? p.getServerErrorMessage() : null;
    }

    /** The constraint {@code server} names, a worker's included ({@link SqlFailures#constraint}). */
    private static String constraint(ServerErrorMessage server) {
        return SqlFailures.constraint(server);
    }

    /** The column {@code server} names, a worker's included ({@link SqlFailures#column}), or {@code "value"}. */
    private static String column(ServerErrorMessage server) {
        String named = SqlFailures.column(server);
        return named == null ? "value" : named;
    }

    private static String constraintOrColumn(ServerErrorMessage server) {
        String constraint = constraint(server);
        return constraint != null ? constraint : column(server);
    }
}
