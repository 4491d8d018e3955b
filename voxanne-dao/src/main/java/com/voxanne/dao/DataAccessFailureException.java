package com.voxanne.dao;

/**
 * The database failed in a way no other exception of this package describes (connection lost, a bug);
 * the cause carries the SQLSTATE. Nothing of the unit of work was committed.
 */
public final class DataAccessFailureException extends VoxanneDataException {
    private static final long serialVersionUID = 1L;

    /** With the database's message. */
    public DataAccessFailureException(String message, Throwable cause) {
        super(message, cause);
    }
}
