package com.voxanne.dao.internal;

import com.voxanne.schema.session.RequestBinding;
import com.voxanne.schema.session.RequestBinding.Placement;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.jdbc.PreferQueryMode;

/**
 * Decides, once per pool, which form of the binding its units send ({@link RequestBinding#placementOf}),
 * and refuses a pool that could not send the distributed form safely.
 */
public final class BindingPlacement {

    private BindingPlacement() {
    }

    /**
     * The placement of {@code pool}'s database, read on one connection of it.
     *
     * @throws IllegalStateException when the database cannot be read, or is distributed and the pool's
     *                               PgJDBC sends queries over the simple protocol ({@code preferQueryMode=simple}):
     *                               Citus would propagate the binding's {@code SET LOCAL} as the whole string,
     *                               query included, and the workers refuse it
     */
    public static Placement of(DataSource pool) {
        try (Connection c = pool.getConnection()) {
            Placement placement = RequestBinding.placementOf(c);
            if (!c.getAutoCommit()) {
                c.rollback();   // the catalog reads opened a transaction; the pool gets the connection back idle
            }
            if (placement == Placement.DISTRIBUTED && simpleProtocol(c)) {
                throw new IllegalStateException("the database is distributed by Citus and the pool's PgJDBC connections"
                        + " use preferQueryMode=simple: a unit's binding would not reach the workers. Use the"
                        + " extended protocol (PgJDBC's default).");
            }
            return placement;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot tell whether the database is distributed: " + e.getMessage(), e);
        }
    }

    /** Whether PgJDBC sends every query as a simple-protocol string; unknown behind a wrapper hiding it: assumed not. */
    private static boolean simpleProtocol(Connection c) {
        try {
            return c.unwrap(PGConnection.class).getPreferQueryMode() == PreferQueryMode.SIMPLE;
        } catch (SQLException notPgJdbc) {
            return false;
        }
    }
}
