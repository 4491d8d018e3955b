package com.voxanne.dao;

/** The acting user (or role) may not do this; row-level security or a privilege refused it. */
public final class AccessDeniedException extends VoxanneDataException {
    private static final long serialVersionUID = 1L;

    /** With the reason. */
    public AccessDeniedException(String message, Throwable cause) {
        super(message, cause);
    }
}
