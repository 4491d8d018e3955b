package com.voxanne.dao;

/**
 * A failure of a Voxanne data operation. The subclasses are the failures a caller can act on; this
 * class itself (via {@link DataAccessFailureException}) stands for everything else the database
 * reported.
 *
 * <p>The messages of these exceptions and of their causes hold no patient data (see the package
 * documentation), so they may be logged as they are.
 */
public abstract class VoxanneDataException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** With a message. */
    protected VoxanneDataException(String message) {
        super(message);
    }

    /** With a message and the underlying failure. */
    protected VoxanneDataException(String message, Throwable cause) {
        super(message, cause);
    }
}
