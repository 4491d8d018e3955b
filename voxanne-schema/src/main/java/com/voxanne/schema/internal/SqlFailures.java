package com.voxanne.schema.internal;

import java.sql.SQLException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * Database failures in words that never carry a value of the database: what voxanne-schema and the
 * {@code voxanne} command put into a message, a verification reason or a printed stack trace.
 *
 * <p>Why: PostgreSQL quotes rows in an error's DETAIL ({@code Failing row contains (...)},
 * {@code Key (org_id, phone)=(..., +1212...) already exists}), the statement in its WHERE context, and for
 * some errors a value in the primary message itself ({@code invalid input syntax for type uuid: "..."}).
 * PgJDBC puts all of that into {@link PSQLException#getMessage()}, and Flyway adds the failing statement.
 * A migration that backfills a table full of patients' contacts or webhook payloads would thus print
 * them to an operator's terminal, a CI log or an error tracker.
 *
 * <p>The rule: a failure is described by the SQLSTATE and the identifiers the server names (table,
 * column, constraint, from {@link ServerErrorMessage}'s own fields). The server's primary message is added
 * only when it cannot hold a value, which is decided by who wrote it and the SQLSTATE, never by whether
 * the text looks harmless:
 * <ul>
 *   <li>a message PostgreSQL itself wrote, for the SQLSTATEs in {@link #SAFE_PRIMARY_MESSAGE}, which it
 *       builds from identifiers and fixed text only; or</li>
 *   <li>a PL/pgSQL RAISE (the server names the C routine {@code exec_stmt_raise}) of Voxanne's own:
 *       <ul>
 *         <li>of Voxanne's SQLSTATE class {@code VX} (rollback refusals VX001, org_id immutability VX002)
 *             or worded {@code "voxanne ..."} (the migrations' and rollbacks' checks, such as V9's backfill
 *             checks, whatever their SQLSTATE: P0001, 42501, or 23505 for V9's duplicates): they name
 *             tables, counts and ids and tell an operator what to fix; their HINT is ours too and is kept;
 *             or</li>
 *         <li>raised inside one of {@link #OWN_FUNCTIONS} (the innermost frame of the error's context
 *             names it) with a SQLSTATE of {@link #SAFE_PRIMARY_MESSAGE}: those name ids and rules. The
 *             SQLSTATE matters here because some of them pass on a message they did not write
 *             ({@code create_notification}'s 22023 carries the invalid input's own words).</li>
 *       </ul>
 *       Any other RAISE (a service's trigger on its own table, a trigger a legacy database added) may
 *       format a row into its message whatever SQLSTATE it picks, so it gets the SQLSTATE only.</li>
 * </ul>
 * Never DETAIL, WHERE, the statement, nor what the driver or a pool wrote themselves.
 *
 * <p>This is the one scrubber of the project: voxanne-schema's exceptions, the command line's output and
 * the DAO's translated exceptions all describe and scrub database failures here.
 *
 * <p>Not API: public only so that the DAO and the command line can use it.
 */
public final class SqlFailures {

    /**
     * SQLSTATEs whose primary message, when PostgreSQL itself writes it (not a RAISE), is worded from
     * identifiers and fixed text only, never from a value: serialization failures and deadlocks,
     * privilege refusals, lock and statement timeouts, server shutdown, an aborted or read-only transaction,
     * undefined objects, insufficient resources, and the log-in refusals (they name a role or a
     * database). Everything else may quote input or a row (22P02, 22008, a RAISE that formats its
     * arguments).
     */
    private static final Set<String> SAFE_PRIMARY_MESSAGE = Set.of(
            "40001", "40P01", "42501", "55P03", "57014", "57P01", "57P02", "57P03", "25P02", "25006",
            "42P01", "42703", "42883", "53000", "53100", "53200", "53300", "53400",
            "28000", "28P01", "3D000");

    /** The PostgreSQL C routine that reports a PL/pgSQL RAISE. */
    private static final String RAISE_ROUTINE = "exec_stmt_raise";
    /** Voxanne's own SQLSTATE class (VX001 rollback refused, VX002 org_id immutable). */
    private static final String OWN_STATE_CLASS = "VX";
    /** How the migrations' own checks start their messages. */
    private static final String OWN_WORDING = "voxanne ";

    /**
     * Voxanne's own functions, whose RAISE messages at a SQLSTATE of {@link #SAFE_PRIMARY_MESSAGE} name ids
     * and rules, never a row's values.
     */
    private static final Set<String> OWN_FUNCTIONS = Set.of("appointment_time_range", "archive_old_audit_logs",
            "audit_logs_append_only", "audit_row_change", "audit_statement_change", "auth_org_id", "auth_user_id",
            "contact_search_tokens", "create_notification", "detect_suspicious_activity", "expire_old_notifications",
            "get_org_audit_logs", "is_service_role_caller", "log_audit_event", "notifications_check_user_org",
            "notifications_notify", "prevent_org_id_change", "search_contact_ids", "set_updated_at");

    private SqlFailures() {
    }

    /** The first {@link SQLException} in {@code failure}'s cause chain, or {@code null}. */
    public static SQLException find(Throwable failure) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
            if (t instanceof SQLException sql) {
                return sql;
            }
        }
        return null;
    }

    /**
     * {@code SQLSTATE 23502 on table t, column c}, with {@code ": "} and the server's primary message (and
     * HINT of Voxanne's own RAISE) where the class comment's rule allows it.
     */
    public static String describe(SQLException sql) {
        String state = sql.getSQLState();
        ServerErrorMessage server = server(sql);
        String words = serverWords(sql);
        String hint = isOwnRaise(sql) && server.getHint() != null ? " (hint: " + server.getHint() + ")" : "";
        return "SQLSTATE " + (state == null ? "unknown" : state) + on(server) + (words == null ? "" : ": " + words) + hint;
    }

    /**
     * The server's primary message (no DETAIL, no HINT, no context) where the rule allows it, else
     * {@code null}.
     */
    public static String serverWords(SQLException sql) {
        ServerErrorMessage server = server(sql);
        if (server == null || server.getMessage() == null) {
            return null;
        }
        if (raised(server)) {
            return isOwnRaise(sql) ? server.getMessage() : null;
        }
        return SAFE_PRIMARY_MESSAGE.contains(sql.getSQLState()) ? server.getMessage() : null;
    }

    /**
     * Whether {@code server}'s error may have been a PL/pgSQL RAISE, whose words are the raiser's and may
     * quote a row's values. On one server the reporting routine says so. An error Citus relays from a worker
     * is reported by Citus's own routine, with the worker's context above its {@value #RELAYED} line; there
     * any PL/pgSQL frame in that context counts as a RAISE, so that a service's trigger quoting its row is
     * never passed on because its SQLSTATE happens to be one whose server words are safe.
     */
    private static boolean raised(ServerErrorMessage server) {
        if (RAISE_ROUTINE.equals(server.getRoutine())) {
            return true;
        }
        return relayed(server) && server.getWhere().lines().anyMatch(line -> line.startsWith("PL/pgSQL function "));
    }

    /** Whether Citus relayed {@code server}'s error from a worker (docs/citus.md, fact 30). */
    private static boolean relayed(ServerErrorMessage server) {
        return server.getWhere() != null && server.getWhere().contains(RELAYED);
    }

    /** The line Citus adds to the context of an error it relays from a worker. */
    private static final String RELAYED = "while executing command on";

    /** A PL/pgSQL RAISE of Voxanne's own whose words may be passed on (see the class comment). */
    private static boolean isOwnRaise(SQLException sql) {
        ServerErrorMessage server = server(sql);
        if (server == null || server.getMessage() == null || !raised(server)) {
            return false;
        }
        String state = sql.getSQLState();
        return state != null && state.startsWith(OWN_STATE_CLASS) || server.getMessage().startsWith(OWN_WORDING)
                || SAFE_PRIMARY_MESSAGE.contains(state) && raisedInOwnFunction(server);
    }

    /**
     * Whether the innermost frame of the error's context (its first line, {@code PL/pgSQL function
     * public.create_notification(uuid,…) line 37 at RAISE}) is one of {@link #OWN_FUNCTIONS}: qualified
     * with {@code public} (they run with {@code search_path = pg_catalog, pg_temp}) or, on servers that
     * print it so, unqualified.
     */
    private static boolean raisedInOwnFunction(ServerErrorMessage server) {
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

    /** Whether {@code failure} is already a copy made by {@link #scrub}. */
    public static boolean isScrubbed(Throwable failure) {
        return failure instanceof ScrubbedSqlException || failure instanceof ScrubbedFailure;
    }

    /**
     * A copy of {@code failure} and its causes and suppressed exceptions, with their stack traces, to attach
     * as a cause: SQL exceptions keep their SQLSTATE, error code and {@link #describe} text; exceptions of
     * Voxanne ({@code com.voxanne.*}, whose messages are written without values) keep their type and
     * message; any other (Flyway's, whose message quotes the failing statement, the driver's, a pool's)
     * keeps only its type.
     */
    public static Throwable scrub(Throwable failure) {
        return scrub(failure, Collections.newSetFromMap(new IdentityHashMap<>()));
    }

    private static Throwable scrub(Throwable failure, Set<Throwable> seen) {
        if (isScrubbed(failure)) {
            return failure;
        }
        seen.add(failure);
        String type = failure.getClass().getName();
        Throwable copy;
        boolean ours = type.startsWith("com.voxanne.");
        if (failure instanceof SQLException sql) {
            copy = new ScrubbedSqlException(type + (ours ? ": " + sql.getMessage() : " (scrubbed): " + describe(sql)),
                    sql.getSQLState(), sql.getErrorCode());
        } else if (ours) {
            copy = new ScrubbedFailure(type + (failure.getMessage() == null ? "" : ": " + failure.getMessage()));
        } else {
            copy = new ScrubbedFailure(type + " (its message is withheld: it may quote a statement or a value)");
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

    /** {@code " on table t, column c, constraint k"} for what the server named in {@code sql}, or nothing. */
    public static String on(SQLException sql) {
        return on(server(sql));
    }

    private static String on(ServerErrorMessage server) {
        if (server == null) {
            return "";
        }
        StringBuilder names = new StringBuilder();
        append(names, "table", table(server));
        append(names, "column", column(server));
        append(names, "constraint", constraint(server));
        return names.length() == 0 ? "" : " on " + names;
    }

    /**
     * A constraint's name as a worker's shard has it: with {@code _<shardid>} (Citus's shard ids have six
     * digits or more) for an index (unique, exclusion), a foreign key and a check added after the table was
     * distributed; a check the table had when it was distributed keeps the schema's name.
     */
    private static final Pattern SHARD_CONSTRAINT = Pattern.compile(" constraint \"([a-z0-9_]+?)(?:_[0-9]{6,})?\"");
    /** A table's name as a worker's message has it, the shard's: {@code relation "contacts_102086"}. */
    private static final Pattern SHARD_TABLE = Pattern.compile("(?:relation|table) \"([a-z0-9_]+)_[0-9]{6,}\"");

    /** A column as a worker's not-null message names it: {@code column "name" of relation "contacts_102093"}. */
    private static final Pattern SHARD_COLUMN = Pattern.compile("column \"([a-z0-9_]+)\" of relation \"[a-z0-9_]+_[0-9]{6,}\"");

    /** The column {@code server} names, a worker's included (relayed in its message only), or null. */
    public static String column(ServerErrorMessage server) {
        if (server == null || server.getColumn() != null || server.getMessage() == null || !relayed(server)) {
            return server == null ? null : server.getColumn();
        }
        Matcher shard = SHARD_COLUMN.matcher(server.getMessage());
        return shard.find() ? shard.group(1) : null;
    }

    /** The table {@code server} names, a worker's shard's as its table's, or null. */
    private static String table(ServerErrorMessage server) {
        if (server.getTable() != null || server.getMessage() == null || !relayed(server)) {
            return server.getTable();
        }
        Matcher shard = SHARD_TABLE.matcher(server.getMessage());
        return shard.find() ? shard.group(1) : null;
    }

    /**
     * The constraint {@code server} names, or null. PostgreSQL names it in its own field; Citus relays a
     * worker's refusal without that field, with the shard's name of the constraint in the message
     * ({@code violates exclusion constraint "excl_appointments_no_double_booking_102117"}, its context
     * {@code while executing command on …}: docs/citus.md, fact 30), whose suffix is taken off.
     */
    public static String constraint(ServerErrorMessage server) {
        if (server == null) {
            return null;
        }
        String named = server.getConstraint();
        if (named != null || server.getMessage() == null || !relayed(server)) {
            return named;
        }
        Matcher shard = SHARD_CONSTRAINT.matcher(server.getMessage());
        return shard.find() ? shard.group(1) : null;
    }

    private static void append(StringBuilder names, String what, String name) {
        if (name != null && !name.isEmpty()) {
            names.append(names.length() == 0 ? "" : ", ").append(what).append(' ').append(name);
        }
    }

    private static ServerErrorMessage server(SQLException sql) {
        return sql instanceof PSQLException p ? p.getServerErrorMessage() : null;
    }

    /**
     * A database failure as voxanne-schema passes it on: the original type's name, the SQLSTATE (and error
     * code), the identifiers the server named, the primary message only where the rule allows, and the
     * original stack trace.
     */
    static final class ScrubbedSqlException extends SQLException {
        private static final long serialVersionUID = 1L;

        ScrubbedSqlException(String reason, String sqlState, int vendorCode) {
            super(reason, sqlState, vendorCode);
        }

        /** The message, which starts with the original type: a printed trace reads like the original's. */
        @Override
        public String toString() {
            return getMessage();
        }
    }

    /** Any other failure, by type (and message, if it is Voxanne's own); stack trace kept. */
    static final class ScrubbedFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ScrubbedFailure(String description) {
            super(description);
        }

        /** The message, which starts with the original type: a printed trace reads like the original's. */
        @Override
        public String toString() {
            return getMessage();
        }
    }
}
