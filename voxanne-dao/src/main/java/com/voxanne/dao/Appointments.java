package com.voxanne.dao;

import com.voxanne.schema.jooq.enums.AppointmentStatus;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/**
 * The appointments of the organization a unit of work is bound to.
 *
 * <p>No double booking: two active appointments (not cancelled, not no-show, not soft-deleted) of one
 * organization never overlap in time; {@code [start, start + duration)}, so back-to-back is fine. The
 * database enforces it (also between concurrent transactions) and a refused write throws
 * {@link DoubleBookingException}.
 *
 * <p>An id of another organization's appointment is reported like an id that does not exist:
 * {@link NotFoundException}. Soft-deleted appointments are left out of {@link #get}, the lists and
 * every change but {@link #restore}; {@link #getIncludingDeleted} and
 * {@link AppointmentQuery#includeDeleted(boolean)} show them.
 */
public interface Appointments {

    /**
     * Books a pending appointment.
     *
     * @param contactId a contact of this organization
     * @param serviceType what it is for ({@link ServiceType#of(String)} reads it from text)
     * @param start when it starts
     * @param duration whole minutes, 1 to 1440
     * @throws InvalidInputException for a missing argument or a duration that is not 1 to 1440 whole minutes
     * @throws NotFoundException when the contact is not one of this organization
     * @throws DoubleBookingException when it overlaps an active appointment of this organization
     */
    Appointment book(UUID contactId, ServiceType serviceType, OffsetDateTime start, Duration duration);

    /**
     * Books a pending appointment whose id the caller chose, which makes the booking safe to retry: when
     * this organization already has an appointment with {@code appointmentId}, nothing is booked and that
     * appointment is returned as it is now (whatever the retry's other arguments). So a retry after an
     * {@linkplain DataAccessFailureException#outcomeUnknown() unknown outcome} either books or returns
     * the booking the first attempt made. Generate the id once per booking (a random UUID) and keep it
     * for the retries.
     *
     * @param appointmentId the new appointment's id
     * @throws InvalidInputException as {@link #book(UUID, ServiceType, OffsetDateTime, Duration)}, or for
     *         a missing {@code appointmentId}
     * @throws NotFoundException when the contact is not one of this organization
     * @throws DoubleBookingException when it overlaps an active appointment of this organization
     * @throws DuplicateException ({@code appointments_pkey}) when another organization has an appointment
     *         with this id, as a colliding random id would be refused; nothing else about it is told. On a
     *         database distributed by Citus ids are unique per organization: such an id books this
     *         organization's own appointment (docs/citus.md, fact 27)
     */
    Appointment book(UUID contactId, ServiceType serviceType, OffsetDateTime start, Duration duration,
                     UUID appointmentId);

    /** The appointment with this id. @throws NotFoundException when there is none (or it is deleted) */
    Appointment get(UUID id);

    /** The appointment with this id, soft-deleted or not. @throws NotFoundException when there is none */
    Appointment getIncludingDeleted(UUID id);

    /**
     * Moves the appointment to {@code to}. The allowed changes:
     *
     * <table>
     *   <caption>Appointment status changes</caption>
     *   <tr><th>from</th><th>to</th></tr>
     *   <tr><td>pending</td><td>confirmed, cancelled</td></tr>
     *   <tr><td>confirmed</td><td>in_progress, cancelled, no_show</td></tr>
     *   <tr><td>in_progress</td><td>completed</td></tr>
     *   <tr><td>completed, cancelled, no_show</td><td>none (final)</td></tr>
     * </table>
     *
     * <p>The row is locked while the change is checked, so of two concurrent changes the second is
     * checked against the status the first one set.
     *
     * @throws InvalidInputException when {@code id} or {@code to} is missing
     * @throws NotFoundException when there is no such (non-deleted) appointment
     * @throws InvalidTransitionException when the table above does not allow it (staying put included)
     */
    Appointment changeStatus(UUID id, AppointmentStatus to);

    /**
     * Moves a pending or confirmed appointment to a new start and duration.
     *
     * @throws InvalidInputException for a missing argument or a duration that is not 1 to 1440 whole minutes
     * @throws NotFoundException when there is no such (non-deleted) appointment
     * @throws ConflictException when it is neither pending nor confirmed
     * @throws DoubleBookingException when the new time overlaps another active appointment
     */
    Appointment reschedule(UUID id, OffsetDateTime newStart, Duration newDuration);

    /**
     * Soft-deletes the appointment: it keeps its row but leaves the lists and frees its time slot.
     *
     * @return the appointment as deleted
     * @throws NotFoundException when there is no such appointment, or it is deleted already
     */
    Appointment softDelete(UUID id);

    /**
     * Brings a soft-deleted appointment back; one that is not deleted is returned unchanged.
     *
     * @throws NotFoundException when there is no such appointment
     * @throws DoubleBookingException when it is active and its time is now taken by another one
     */
    Appointment restore(UUID id);

    /**
     * Records that the confirmation message went out.
     *
     * @throws NotFoundException when there is no such (non-deleted) appointment
     */
    Appointment markConfirmationSent(UUID id);

    /**
     * One page of the appointments {@code query} selects, by start then id.
     *
     * @throws InvalidInputException for a limit out of range, {@code from} not before {@code until}, a
     *     null status, or a cursor this list did not return
     */
    Page<Appointment> list(AppointmentQuery query);

    /**
     * The next {@code limit} (1 to {@value AppointmentQuery#MAX_LIMIT}) pending or confirmed, non-deleted
     * appointments starting now or later, soonest first.
     *
     * @throws InvalidInputException for a limit out of range
     */
    List<Appointment> upcoming(int limit);
}
