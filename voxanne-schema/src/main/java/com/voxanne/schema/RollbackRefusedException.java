package com.voxanne.schema;

/**
 * A rollback would have destroyed data (rows in a table it drops, or webhook event ids that two
 * organizations now share) and was not forced. Nothing was changed.
 */
public final class RollbackRefusedException extends SchemaException {
    private static final long serialVersionUID = 1L;

    /** With the database's explanation. */
    public RollbackRefusedException(String message, Throwable cause) {
        super(message, cause);
    }
}
