package com.voxanne.schema;

import java.util.Objects;

/**
 * {@link VoxanneSchema#distribute()} refused the database before changing anything: it is not a Citus
 * coordinator with workers and a migrated Voxanne schema whose tables can be placed. {@link #reason()}
 * says which, the message says it in words and what to do.
 */
public final class DistributionRefusedException extends SchemaException {
    private static final long serialVersionUID = 1L;

    /** Why a database was refused. */
    public enum Reason {
        /** The database has no {@code citus} extension: a single server, or Citus not created in this database. */
        NOT_CITUS,
        /** The database is a Citus worker's, not the coordinator's. */
        NOT_COORDINATOR,
        /** The coordinator has no active primary worker to hold the shards. */
        NO_WORKERS,
        /** Voxanne's tables are missing: {@link VoxanneSchema#migrate()} has not run. */
        NOT_MIGRATED,
        /** A table is already placed in Citus some other way (a Citus local table, another column or colocation). */
        PLACED_OTHERWISE,
        /**
         * A table that would stay local (a service's) has a foreign key to a table distribute places, which
         * Citus cannot keep: a local table may not reference a distributed one.
         */
        REFERENCED_BY_LOCAL_TABLE,
        /** Audit rows without an organization: a distributed {@code audit_logs} needs one per row. */
        ROWS_WITHOUT_ORGANIZATION
    }

    private final Reason reason;

    /** With the reason and its explanation. */
    public DistributionRefusedException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** Why the database was refused. */
    public Reason reason() {
        return reason;
    }
}
