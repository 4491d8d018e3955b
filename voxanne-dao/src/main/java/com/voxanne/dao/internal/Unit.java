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
     * so it may pass here more than once. A database failure aborts the unit's transaction, and
     * PostgreSQL then refuses every further statement with {@value SqlErrors#IN_FAILED_TRANSACTION}: a
     * caller that caught the first failure and went on gets an exception that says the unit is aborted
     * and whose cause is that first failure, instead of a bare 25P02.
     */
    RuntimeException failure(Throwable failure) {
        RuntimeException translated = SqlErrors.translate(failure);
        if (!(translated instanceof VoxanneDataException) || SqlFailures.find(translated) == null) {
            return translated;   // a misuse, the caller's own exception, or a refusal before any SQL
        }
        if (translated instanceof DataAccessFailureException refused
                && SqlErrors.IN_FAILED_TRANSACTION.equals(refused.sqlState())) {
            if (lastFailure == null || refused.getCause() == lastFailure || refused == lastFailure) {
                return translated;  // already said, or nothing of this unit to name
            }
            return SqlErrors.unitAborted(lastFailure, refused);
        }
        lastFailure = translated;
        return translated;
    }

    /** Whether a database failure left a call of this unit (the work may have caught it). */
    boolean sawFailure() {
        return lastFailure != null;
    }

    /**
     * The unit's transaction is aborted and its work returned anyway (it caught a failure): PostgreSQL
     * would answer the commit by rolling back, and the caller would take the unit for committed.
     */
    RuntimeException abortedAtCommit() {
        return SqlErrors.unitAborted(lastFailure, null);
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
