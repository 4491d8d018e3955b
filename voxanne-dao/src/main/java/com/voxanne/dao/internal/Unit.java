package com.voxanne.dao.internal;

import java.sql.Connection;
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
}
