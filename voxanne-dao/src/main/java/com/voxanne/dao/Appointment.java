package com.voxanne.dao;

import com.voxanne.schema.jooq.enums.AppointmentStatus;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * An appointment of a contact at one clinic. Its {@link #toString()} shows whether the calendar link
 * and the notes are set, never what they say.
 *
 * @param id its id
 * @param organizationId its clinic
 * @param contactId the contact (of the same clinic) it is for
 * @param serviceType what it is for
 * @param scheduledAt when it starts
 * @param duration how long it lasts (whole minutes, 1 to 1440)
 * @param status where it stands (see {@link Appointments#changeStatus})
 * @param calendarLink the link of its calendar entry, or {@code null}
 * @param confirmationSent whether the confirmation message went out
 * @param notes internal notes, or {@code null}
 * @param deletedAt when it was soft-deleted, or {@code null}
 * @param createdAt when created
 * @param updatedAt when last changed
 */
public record Appointment(UUID id, UUID organizationId, UUID contactId, ServiceType serviceType,
                          OffsetDateTime scheduledAt, Duration duration, AppointmentStatus status, String calendarLink,
                          boolean confirmationSent, String notes, OffsetDateTime deletedAt,
                          OffsetDateTime createdAt, OffsetDateTime updatedAt) {

    /** When it ends: the first instant after it, so that back-to-back appointments do not overlap. */
    public OffsetDateTime endsAt() {
        return scheduledAt.plus(duration);
    }

    /** Whether it is soft-deleted. */
    public boolean deleted() {
        return deletedAt != null;
    }

    /** Ids, service, times and status; the calendar link and the notes only as set or not. */
    @Override
    public String toString() {
        return Redaction.of("Appointment").plain("id", id).plain("organizationId", organizationId)
                .plain("contactId", contactId).plain("serviceType", serviceType).plain("scheduledAt", scheduledAt)
                .plain("duration", duration).plain("status", status).secret("calendarLink", calendarLink)
                .plain("confirmationSent", confirmationSent).secret("notes", notes).plain("deletedAt", deletedAt)
                .plain("createdAt", createdAt).plain("updatedAt", updatedAt).toString();
    }
}
