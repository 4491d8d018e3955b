package com.voxanne.dao.internal;

import com.voxanne.dao.DataAccessFailureException;
import com.voxanne.dao.VoxanneDataException;
import com.voxanne.schema.internal.SqlFailures;
import com.voxanne.schema.session.RequestBinding.Placement;
import java.sql.Connection;
import java.sql.SQLException;
import org.jooq.Configuration;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * One unit of work's bound connection, and a jOOQ context on it made when first needed: a unit that
 * only runs {@link RenderedReads} (most reads) never pays for deriving a jOOQ configuration.
 */
final class Unit {

    private final Connection connection;
    private final Configuration shared;
    private DSLContext dsl;
    /** The caller's context ({@code TenantTransaction.dsl()}), if one was handed out. */
    private DSLContext callerDsl;
    private boolean ended;
    /** The last database failure that left a call of this unit: what aborted its transaction, if it is. */
    private RuntimeException lastFailure;
    /** The SQLSTATE with which a call of this unit lost the connection, or null while it has not. */
    private String lostWith;

    Unit(Connection connection, Configuration shared) {
        this.connection = connection;
        this.shared = shared;
    }

    /** The unit's connection: a {@link BindingConnection}, so whatever it prepares first carries the binding. */
    Connection connection() {
        return connection;
    }

    /** Whether the unit's database is distributed: a few statements take another shape there (docs/citus.md). */
    Placement placement() {
        return ((BindingConnection) connection).placement();
    }

    /** jOOQ on the unit's connection, sharing the caches of every unit (see {@link Transactions}). */
    DSLContext dsl() {
        if (dsl == null) {
            dsl = DSL.using(shared.derive(connection));
        }
        return dsl;
    }

    /**
     * jOOQ for the caller's own statements in this unit: on a {@link CallerConnection} over the unit's
     * connection, its failures translated like the repositories', its transactions savepoints.
     */
    DSLContext callerDsl() {
        if (ended) {
            throw CallerConnection.ended();
        }
        if (callerDsl == null) {
            // Bound before the caller's first statement, which may be one that cannot carry the binding
            // (a batch): one round trip, and none when the unit's statements have already bound it.
            try {
                ((BindingConnection) connection).bindNow();
            } catch (SQLException e) {
                throw failure(e);
            }
            callerDsl = CallerConnection.dsl(this, shared);
        }
        return callerDsl;
    }

    /**
     * {@code failure} as it leaves this unit's code for the caller: the one way failures inside a unit are
     * translated (by {@link SqlErrors}; a repository call, the caller's own statements, the unit's end),
     * so it may pass here more than once. A caller may catch a database failure and go on, but the unit
     * cannot, and what the next statement gets says nothing of why: after a lost connection, the pool's
     * "connection is closed" (no SQLSTATE); after any other failure, which aborts the transaction,
     * PostgreSQL's {@value SqlErrors#IN_FAILED_TRANSACTION}. Either becomes an exception that says the unit
     * is lost or aborted, whose cause is that first failure.
     */
    RuntimeException failure(Throwable failure) {
        RuntimeException translated = SqlErrors.translate(failure);
        if (!(translated instanceof VoxanneDataException) || SqlFailures.find(translated) == null) {
            return translated;   // a misuse, the caller's own exception, or a refusal before any SQL
        }
        if (lastFailure != null && (translated == lastFailure || translated.getCause() == lastFailure)) {
            return translated;   // already said
        }
        if (lostConnection()) {
            return SqlErrors.connectionLostEarlier(lastFailure, lostWith, translated);
        }
        if (translated instanceof DataAccessFailureException refused
                && SqlErrors.IN_FAILED_TRANSACTION.equals(refused.sqlState())) {
            // with no failure of this unit to name (raw JDBC through tx.dsl().connection(…)), as is
            return lastFailure == null ? translated : SqlErrors.unitAborted(lastFailure, refused);
        }
        lastFailure = translated;
        // The loss may come second: a statement's own error (a duplicate, say), then the server ending
        // the session before the reply was complete. PgJDBC chains both; the call reports its own error,
        // and the pool has closed the connection all the same.
        lostWith = SqlErrors.connectionLostIn(failure);
        return translated;
    }

    /** Whether a database failure left a call of this unit (the work may have caught it). */
    boolean sawFailure() {
        return lastFailure != null;
    }

    /** Whether a call of this unit lost the connection: nothing further of the unit can run, or commit. */
    boolean lostConnection() {
        return lostWith != null;
    }

    /**
     * The unit's work returned after it caught a failure, so the unit cannot commit: its connection is
     * gone ({@link #lostConnection()}), or its transaction is aborted, which PostgreSQL would answer the
     * commit by rolling back, silently, and the caller would take the unit for committed.
     */
    RuntimeException cannotCommit() {
        return lostConnection() ? SqlErrors.connectionLostEarlier(lastFailure, lostWith, null)
                : SqlErrors.unitAborted(lastFailure, null);
    }

    /** Whether {@link #callerDsl()} was handed out: the unit then checks its binding before it commits. */
    boolean handedOutCallerDsl() {
        return callerDsl != null;
    }

    /** The unit has ended (committed or rolled back): its connection is no longer the caller's to use. */
    void end() {
        ended = true;
    }

    boolean ended() {
        return ended;
    }
}
