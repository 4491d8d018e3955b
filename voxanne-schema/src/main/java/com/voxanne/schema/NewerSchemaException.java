package com.voxanne.schema;

/**
 * The database has migrations applied that this version of the library does not know: it was migrated
 * by a newer version. Nothing was changed; upgrade the library rather than touching the database.
 */
public final class NewerSchemaException extends SchemaException {
    private static final long serialVersionUID = 1L;

    /** With the versions found. */
    public NewerSchemaException(String message) {
        super(message);
    }
}
