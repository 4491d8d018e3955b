package com.voxanne.schema;

/** A migration, rollback or inspection of the Voxanne schema failed; the message says what and why. */
public class SchemaException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** With a message. */
    public SchemaException(String message) {
        super(message);
    }

    /** With a message and the underlying failure. */
    public SchemaException(String message, Throwable cause) {
        super(message, cause);
    }
}
