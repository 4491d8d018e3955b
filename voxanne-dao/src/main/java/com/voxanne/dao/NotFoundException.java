package com.voxanne.dao;

/**
 * No such row for this tenant. A row of another organization is reported exactly like a row that does
 * not exist, so that nothing about other clinics leaks.
 */
public final class NotFoundException extends VoxanneDataException {
    private static final long serialVersionUID = 1L;

    /** {@code what} (for example "contact 3f0…") was not found. */
    public NotFoundException(String what) {
        super(what + " not found");
    }
}
