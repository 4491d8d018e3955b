package com.voxanne.dao;

import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.voxanne.dao.internal.BindingPlacement;
import com.voxanne.schema.session.RequestBinding.Placement;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * Which kind of database a test runs on, read from the database itself as {@code Voxanne} reads it: one
 * server, or Voxanne's tables distributed by Citus (the citus backend with
 * {@code -Dvoxanne.test.citus.distributed=true}). A test that watches what only one server shows (its
 * LISTEN channel, its backends, the exact strings a unit sends there) says so with
 * {@link #assumeOneServer}, naming the test of the same guarantee on a cluster.
 */
public final class DatabaseKind {

    private DatabaseKind() {
    }

    /** The placement {@code Voxanne} would bind for on {@code pool}'s database. */
    public static Placement placement(DataSource pool) {
        return BindingPlacement.of(pool);
    }

    /** Whether {@code pool}'s database has Voxanne's tables distributed by Citus. */
    public static boolean distributed(DataSource pool) {
        return placement(pool) == Placement.DISTRIBUTED;
    }

    /**
     * Distributes a service's own tenant table by its {@code org_id}, colocated with {@code organizations},
     * as a service does on a cluster (docs/citus.md, "A service's own tables"): then a unit's statements on
     * it and on Voxanne's tables run on the clinic's worker, in the unit's transaction.
     */
    public static void distributeByOrganization(DSLContext admin, String table) {
        admin.execute("select pg_catalog.create_distributed_table({0}::regclass, 'org_id', colocate_with => 'organizations')",
                DSL.inline(table));
    }

    /** Skips the rest of a test on a distributed database; {@code why} says why and where the cluster's test is. */
    public static void assumeOneServer(DataSource pool, String why) {
        assumeFalse(distributed(pool), why);
    }
}
