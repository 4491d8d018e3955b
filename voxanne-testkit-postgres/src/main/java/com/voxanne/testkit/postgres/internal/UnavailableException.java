package com.voxanne.testkit.postgres.internal;

/** A backend could not start here; the message says why, for the combined error. */
final class UnavailableException extends Exception {
    private static final long serialVersionUID = 1L;

    UnavailableException(String message) {
        super(message);
    }

    UnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
