package com.voxanne.schema;

import java.util.Objects;

/**
 * A rollback was refused and nothing was changed: it would have destroyed data (rows in a table it drops,
 * or webhook event ids that two organizations now share) and was not forced, or it would take a database
 * distributed by Citus below the oldest version that runs there (17), which forcing does not change.
 * {@link #reason()} tells which.
 */
public final class RollbackRefusedException extends SchemaException {
    private static final long serialVersionUID = 1L;

    /** Why a rollback was refused. */
    public enum Reason {
        /** It would delete data; {@code force} allows it. */
        DATA_LOSS,
        /** The database is distributed and the version is older than 17, the oldest that runs there; {@code force} does not change it. */
        OLDER_THAN_A_DISTRIBUTED_DATABASE_ALLOWS
    }

    private final Reason reason;

    /** A refusal for {@link Reason#DATA_LOSS}, with the database's explanation. */
    public RollbackRefusedException(String message, Throwable cause) {
        this(Reason.DATA_LOSS, message, cause);
    }

    /** A refusal for {@code reason}. */
    public RollbackRefusedException(Reason reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = Objects.requireNonNull(reason, "reason");
    }

    /** Why the rollback was refused. */
    public Reason reason() {
        return reason;
    }
}
