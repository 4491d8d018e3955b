package com.voxanne.dao;

import com.voxanne.schema.jooq.enums.AppointmentStatus;

/** The appointment status state machine does not allow this change (see {@link Appointments#changeStatus}). */
public final class InvalidTransitionException extends ConflictException {
    private static final long serialVersionUID = 1L;

    private final AppointmentStatus from;
    private final AppointmentStatus to;

    /** The appointment {@code what} cannot go from {@code from} to {@code to}. */
    public InvalidTransitionException(String what, AppointmentStatus from, AppointmentStatus to) {
        super(what + " cannot go from " + from.getLiteral() + " to " + to.getLiteral());
        this.from = from;
        this.to = to;
    }

    /** The status it has. */
    public AppointmentStatus from() {
        return from;
    }

    /** The status that was asked for. */
    public AppointmentStatus to() {
        return to;
    }
}
