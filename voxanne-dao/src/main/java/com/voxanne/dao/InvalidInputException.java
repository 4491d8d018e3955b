package com.voxanne.dao;

/**
 * Input was refused before (or by) the database: which field, and why. Nothing was written. Neither the
 * message nor the reason holds the refused value (it may be a patient's name, phone number or e-mail
 * address): {@code phone: not a valid phone number for region US (TOO_SHORT_NSN)}.
 */
public final class InvalidInputException extends VoxanneDataException {
    private static final long serialVersionUID = 1L;

    private final String field;
    private final String reason;

    /** {@code field} is invalid because of {@code reason}. */
    public InvalidInputException(String field, String reason) {
        super(field + ": " + reason);
        this.field = field;
        this.reason = reason;
    }

    /** The same, reported by the database. */
    public InvalidInputException(String field, String reason, Throwable cause) {
        super(field + ": " + reason, cause);
        this.field = field;
        this.reason = reason;
    }

    /** The invalid field (or constraint when the database found it). */
    public String field() {
        return field;
    }

    /** Why it is invalid. */
    public String reason() {
        return reason;
    }
}
