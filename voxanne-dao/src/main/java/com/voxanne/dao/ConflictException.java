package com.voxanne.dao;

/**
 * The write conflicts with the current state: an overlapping booking, a status change the state
 * machine does not allow, a row changed meanwhile.
 */
public class ConflictException extends VoxanneDataException {
    private static final long serialVersionUID = 1L;

    /** With the reason. */
    public ConflictException(String message) {
        super(message);
    }

    /** With the reason reported by the database. */
    public ConflictException(String message, Throwable cause) {
        super(message, cause);
    }
}
