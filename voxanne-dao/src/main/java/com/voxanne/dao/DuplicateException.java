package com.voxanne.dao;

/** A unique rule refused the write (for example a phone number already used in this organization). */
public final class DuplicateException extends VoxanneDataException {
    private static final long serialVersionUID = 1L;

    private final String constraint;

    /** The write broke {@code constraint}. */
    public DuplicateException(String constraint, String message, Throwable cause) {
        super(message, cause);
        this.constraint = constraint;
    }

    /** The database constraint that refused it, for example {@code uq_contacts_org_phone}. */
    public String constraint() {
        return constraint;
    }
}
