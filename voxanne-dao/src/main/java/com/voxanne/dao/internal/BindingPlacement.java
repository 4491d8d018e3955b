package com.voxanne.dao.internal;

import com.voxanne.schema.internal.SqlFailures;
import com.voxanne.schema.session.RequestBinding;
import com.voxanne.schema.session.RequestBinding.Placement;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.jdbc.PreferQueryMode;

/**
 * Decides, once per pool, which form of the binding its units send ({@link RequestBinding#placementOf}),
 * and refuses a pool that could not send the distributed form safely or logs in as a role that row-level
 * security does not apply to ({@link LoginRoleCheck}).
 */
public final class BindingPlacement {

    private BindingPlacement() {
    }

    /** The placement of {@code pool}'s database, read on one connection of it (see {@link #of(DataSource, boolean)}). */
    public static Placement of(DataSource pool) {
        return of(pool, false);
    }

    /**
     * The placement of {@code pool}'s database, read on one connection of it, which first, when
     * {@code requireUnprivilegedLoginRole}, refuses a superuser or BYPASSRLS login role: what
     * {@code Voxanne} checks when it is built, on one connection.
     *
     * @throws IllegalStateException when the login role is refused, the database cannot be read, or it is
     *                               distributed and the pool's PgJDBC sends queries over the simple protocol
     *                               ({@code preferQueryMode=simple}): Citus would propagate the binding's
     *                               {@code SET LOCAL} as the whole string, query included, and the workers
     *                               refuse it
     */
    public static Placement of(DataSource pool, boolean requireUnprivilegedLoginRole) {
        try (Connection c = pool.getConnection()) {
            if (requireUnprivilegedLoginRole) {
                LoginRoleCheck.requireUnprivileged(c);
            }
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
            throw new IllegalStateException("cannot check the login role and whether the database is distributed: "
                    + SqlFailures.describe(e), SqlFailures.scrub(e));
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
