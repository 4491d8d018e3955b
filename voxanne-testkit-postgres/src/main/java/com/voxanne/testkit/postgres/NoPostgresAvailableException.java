package com.voxanne.testkit.postgres;

/**
 * No backend could provide a PostgreSQL server. The message says what was tried, why each failed, and
 * how to enable each of the three backends.
 */
public final class NoPostgresAvailableException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** An exception with the full explanation as its message. */
    public NoPostgresAvailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
