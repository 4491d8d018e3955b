package com.voxanne.dao.internal;

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

    Unit(Connection connection, Configuration shared) {
        this.connection = connection;
        this.shared = shared;
    }

    /** The unit's connection: a {@link BindingConnection}, so whatever it prepares first carries the binding. */
    Connection connection() {
        return connection;
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
                throw SqlErrors.translate(e);
            }
            callerDsl = CallerConnection.dsl(this, shared);
        }
        return callerDsl;
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
