package com.voxanne.dao;

/**
 * The appointment would overlap another active (not cancelled, not no-show, not deleted) appointment of
 * the same organization. The database's exclusion constraint {@code excl_appointments_no_double_booking}
 * decides, so this also holds between concurrent bookings. The transaction it happened in cannot continue.
 */
public final class DoubleBookingException extends ConflictException {
    private static final long serialVersionUID = 1L;

    /** With the reason reported by the database. */
    public DoubleBookingException(String message, Throwable cause) {
        super(message, cause);
    }
}
