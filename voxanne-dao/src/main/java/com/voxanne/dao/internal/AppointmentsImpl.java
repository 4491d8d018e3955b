package com.voxanne.dao.internal;

import static com.voxanne.dao.internal.Transactions.Mode.SINGLE_STATEMENT;
import static com.voxanne.dao.internal.Transactions.Mode.TRANSACTION;
import static com.voxanne.schema.jooq.Tables.APPOINTMENTS;
import static com.voxanne.schema.jooq.Tables.CONTACTS;
import static com.voxanne.schema.jooq.Tables.ORGANIZATIONS;
import static org.jooq.impl.DSL.currentOffsetDateTime;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.row;

import com.voxanne.dao.Appointment;
import com.voxanne.dao.AppointmentQuery;
import com.voxanne.dao.Appointments;
import com.voxanne.dao.ConflictException;
import com.voxanne.dao.DuplicateException;
import com.voxanne.dao.InvalidInputException;
import com.voxanne.dao.InvalidTransitionException;
import com.voxanne.dao.NotFoundException;
import com.voxanne.dao.Page;
import com.voxanne.dao.ServiceType;
import com.voxanne.schema.jooq.Keys;
import com.voxanne.schema.jooq.enums.AppointmentStatus;
import com.voxanne.schema.session.RequestBinding.Placement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;
import org.jooq.UniqueKey;
import org.jooq.impl.DSL;

/**
 * {@link Appointments} inside one bound transaction. Every query also filters by the organization, so the
 * org-led indexes serve it; row-level security is the guarantee either way. Status filters are written
 * with inlined literals: under RLS a bound enum parameter cannot be used to prove a partial index's
 * predicate ({@code idx_appointments_upcoming}), a literal can.
 */
final class AppointmentsImpl implements Appointments {

    /** The state machine documented on {@link Appointments#changeStatus}; final statuses map to nothing. */
    private static final Map<AppointmentStatus, Set<AppointmentStatus>> TRANSITIONS = new EnumMap<>(Map.of(
            AppointmentStatus.PENDING, EnumSet.of(AppointmentStatus.CONFIRMED, AppointmentStatus.CANCELLED),
            AppointmentStatus.CONFIRMED, EnumSet.of(AppointmentStatus.IN_PROGRESS, AppointmentStatus.CANCELLED,
                    AppointmentStatus.NO_SHOW),
            AppointmentStatus.IN_PROGRESS, EnumSet.of(AppointmentStatus.COMPLETED)));

    private static final Set<AppointmentStatus> RESCHEDULABLE =
            EnumSet.of(AppointmentStatus.PENDING, AppointmentStatus.CONFIRMED);

    private static final long MAX_DURATION_MINUTES = 1440;

    private final Unit unit;
    private final UUID organizationId;

    /** {@code inputs} is unused: appointments carry no phone numbers or e-mail addresses to normalize. */
    AppointmentsImpl(Unit unit, UUID organizationId, Inputs inputs) {
        this.unit = unit;
        this.organizationId = organizationId;
    }

    // not one statement: an advisory lock on the contact first, then the insert (and, with a caller's id, the read back)
    @Override
    @UnitMode(TRANSACTION)
    public Appointment book(UUID contactId, ServiceType serviceType, OffsetDateTime start, Duration duration) {
        return book(contactId, serviceType, start, duration, UUID.randomUUID(), false);
    }

    // not one statement: an advisory lock on the contact first, then the insert (and, with a caller's id, the read back)
    @Override
    @UnitMode(TRANSACTION)
    public Appointment book(UUID contactId, ServiceType serviceType, OffsetDateTime start, Duration duration,
                            UUID appointmentId) {
        required("appointmentId", appointmentId);
        return book(contactId, serviceType, start, duration, appointmentId, true);
    }

    /** {@code chosen}: the caller chose the id, and a retry with it returns the row the first attempt made. */
    private Appointment book(UUID contactId, ServiceType serviceType, OffsetDateTime start, Duration duration,
                             UUID id, boolean chosen) {
        required("contactId", contactId);
        required("serviceType", serviceType);
        required("start", start);
        int minutes = minutes("duration", duration);
        // A clear "not found" for a contact of another clinic; the composite foreign key is the guarantee.
        boolean contactExists = !RenderedReads.select("appointments.book: the contact", CONTACT_EXISTS)
                .where(organizationId, org -> CONTACTS.ORG_ID.eq(org))
                .where(contactId, contact -> CONTACTS.ID.eq(contact))
                .fetch(unit, row -> Boolean.TRUE)
                .isEmpty();
        if (!contactExists) {
            throw new NotFoundException("contact " + contactId);
        }
        if (chosen) {
            // Before the insert, so that a retry returns the booking even if its slot would now be refused.
            Optional<Appointment> existing = anyById(id);
            if (existing.isPresent()) {
                return existing.get();
            }
        }
        Optional<Appointment> booked = serialized(() -> RenderedWrites.insertInto("appointments.book", APPOINTMENTS)
                .set(APPOINTMENTS.ID, id)
                .set(APPOINTMENTS.ORG_ID, organizationId)
                .set(APPOINTMENTS.CONTACT_ID, contactId)
                .set(APPOINTMENTS.SERVICE_TYPE, serviceType.literal())
                .set(APPOINTMENTS.SCHEDULED_AT, start)
                .set(APPOINTMENTS.DURATION_MINUTES, minutes)
                .set(APPOINTMENTS.STATUS, AppointmentStatus.PENDING)
                .onConflictDoNothing(idKey())
                .returning()
                .fetchOptional(unit, Rows::appointment));
        if (booked.isPresent()) {
            return booked.get();
        }
        // The id is taken: by a concurrent booking with it that committed meanwhile (a new statement sees
        // it), or (on one server) by another organization's row, reported as a random id's collision would be.
        return anyById(id).orElseThrow(
                () -> new DuplicateException("appointments_pkey", "an appointment with this id already exists", null));
    }

    /**
     * The key a caller's id is unique in: {@code (id)} on one server; on a distributed database the key
     * {@code (org_id, id)}, which {@code distribute} makes the primary key (docs/citus.md, facts 5 and 27).
     */
    private UniqueKey<?> idKey() {
        return unit.placement() == Placement.DISTRIBUTED ? Keys.UQ_APPOINTMENTS_ORG_ID_ID : Keys.APPOINTMENTS_PKEY;
    }

    // one SELECT
    @Override
    @UnitMode(SINGLE_STATEMENT)
    public Appointment get(UUID id) {
        return find(id, false);
    }

    // one SELECT
    @Override
    @UnitMode(SINGLE_STATEMENT)
    public Appointment getIncludingDeleted(UUID id) {
        return find(id, true);
    }

    // not one statement: the row is locked and its transition checked, then updated
    @Override
    @UnitMode(TRANSACTION)
    public Appointment changeStatus(UUID id, AppointmentStatus to) {
        required("id", id);
        required("status", to);
        Appointment current = lock(id);
        if (!TRANSITIONS.getOrDefault(current.status(), Set.of()).contains(to)) {
            throw new InvalidTransitionException("appointment " + id, current.status(), to);
        }
        return byId(RenderedWrites.update("appointments.changeStatus", APPOINTMENTS)
                .set(APPOINTMENTS.STATUS, to), id)
                .returning()
                .fetchSingle(unit, Rows::appointment);
    }

    // not one statement: an advisory lock first, then the update
    @Override
    @UnitMode(TRANSACTION)
    public Appointment reschedule(UUID id, OffsetDateTime newStart, Duration newDuration) {
        required("id", id);
        required("newStart", newStart);
        int minutes = minutes("newDuration", newDuration);
        Appointment current = lock(id);
        if (!RESCHEDULABLE.contains(current.status())) {
            throw new ConflictException("appointment " + id + " is " + current.status().getLiteral()
                    + "; only pending or confirmed appointments can be rescheduled");
        }
        return serialized(() -> byId(RenderedWrites.update("appointments.reschedule", APPOINTMENTS)
                .set(APPOINTMENTS.SCHEDULED_AT, newStart)
                .set(APPOINTMENTS.DURATION_MINUTES, minutes), id)
                .returning()
                .fetchSingle(unit, Rows::appointment));
    }

    // one UPDATE … RETURNING
    @Override
    @UnitMode(SINGLE_STATEMENT)
    public Appointment softDelete(UUID id) {
        return updateLive(RenderedWrites.update("appointments.softDelete", APPOINTMENTS)
                .setExpression(APPOINTMENTS.DELETED_AT, () -> currentOffsetDateTime()), id);
    }

    // not one statement: an advisory lock first, then the update
    @Override
    @UnitMode(TRANSACTION)
    public Appointment restore(UUID id) {
        required("id", id);
        Optional<Appointment> restored = serialized(() -> byId(RenderedWrites.update("appointments.restore", APPOINTMENTS)
                .set(APPOINTMENTS.DELETED_AT, (OffsetDateTime) null), id)
                .where(() -> APPOINTMENTS.DELETED_AT.isNotNull())
                .returning()
                .fetchOptional(unit, Rows::appointment));
        // Nothing restored: either it is not deleted (returned as it is) or there is no such appointment.
        return restored.orElseGet(() -> find(id, true));
    }

    // one UPDATE … RETURNING
    @Override
    @UnitMode(SINGLE_STATEMENT)
    public Appointment markConfirmationSent(UUID id) {
        return updateLive(RenderedWrites.update("appointments.markConfirmationSent", APPOINTMENTS)
                .set(APPOINTMENTS.CONFIRMATION_SENT, true), id);
    }

    // one rendered SELECT
    @Override
    @UnitMode(SINGLE_STATEMENT)
    public Page<Appointment> list(AppointmentQuery query) {
        required("query", query);
        int limit = limit(query.limit());
        if (query.from() != null && query.until() != null && !query.from().isBefore(query.until())) {
            throw new InvalidInputException("until", "must be after from");
        }
        if (query.statuses().stream().anyMatch(Objects::isNull)) {
            throw new InvalidInputException("statuses", "must not contain null");
        }
        // in the enum's order, so that the same statuses in any order are one shape
        Set<AppointmentStatus> statuses = query.statuses().isEmpty()
                ? Set.of() : EnumSet.copyOf(query.statuses());
        AppointmentCursor after = query.cursor() == null ? null : AppointmentCursor.decode(query.cursor());

        RenderedReads.Read read = RenderedReads.select("appointments.list", LIST)
                .where(organizationId, org -> APPOINTMENTS.ORG_ID.eq(org));
        if (query.from() != null) {
            read.where(query.from(), from -> APPOINTMENTS.SCHEDULED_AT.ge(from));
        }
        if (query.until() != null) {
            read.where(query.until(), until -> APPOINTMENTS.SCHEDULED_AT.lt(until));
        }
        if (!statuses.isEmpty()) {
            read.whereInline(statuses, in -> APPOINTMENTS.STATUS.in(in.stream().map(s -> inline(s)).toList()));
        }
        if (query.contactId() != null) {
            read.where(query.contactId(), contact -> APPOINTMENTS.CONTACT_ID.eq(contact));
        }
        if (!query.includeDeleted()) {
            read.where(() -> APPOINTMENTS.DELETED_AT.isNull());
        }
        if (after != null) {
            read.where(after.scheduledAt(), after.id(), (time, id) -> row(APPOINTMENTS.SCHEDULED_AT, APPOINTMENTS.ID).gt(time, id));
        }
        List<Appointment> rows = read.limit(limit + 1L).fetch(unit, Rows::appointment);
        if (rows.size() <= limit) {
            return new Page<>(rows, Optional.empty());
        }
        Appointment last = rows.get(limit - 1);
        return new Page<>(rows.subList(0, limit),
                Optional.of(new AppointmentCursor(last.scheduledAt(), last.id()).encode()));
    }

    // one rendered SELECT
    @Override
    @UnitMode(SINGLE_STATEMENT)
    public List<Appointment> upcoming(int limit) {
        int checked = limit(limit);
        // Exactly the predicate of idx_appointments_upcoming, with literals, so the planner can use it.
        return RenderedReads.select("appointments.upcoming", LIST)
                .where(organizationId, org -> APPOINTMENTS.ORG_ID.eq(org))
                .where(() -> APPOINTMENTS.DELETED_AT.isNull())
                .where(() -> APPOINTMENTS.STATUS.in(inline(AppointmentStatus.PENDING), inline(AppointmentStatus.CONFIRMED)))
                .where(() -> APPOINTMENTS.SCHEDULED_AT.ge(currentOffsetDateTime()))
                .limit(checked)
                .fetch(unit, Rows::appointment);
    }

    /** The query every list of appointments starts from: whole rows, soonest first. */
    private static final RenderedReads.From LIST =
            () -> DSL.selectFrom(APPOINTMENTS).orderBy(APPOINTMENTS.SCHEDULED_AT, APPOINTMENTS.ID);

    /** The organization's appointment {@code id}: the conditions of every write of one appointment. */
    private RenderedWrites.Write byId(RenderedWrites.Write write, UUID id) {
        return write.where(organizationId, IN_ORG).where(id, BY_ID);
    }

    private static final RenderedReads.On<UUID> IN_ORG = org -> APPOINTMENTS.ORG_ID.eq(org);
    private static final RenderedReads.On<UUID> BY_ID = appointment -> APPOINTMENTS.ID.eq(appointment);

    /** Does the contact exist in this organization: the check {@code book} starts with. */
    private static final RenderedReads.From CONTACT_EXISTS = () -> DSL.selectOne().from(CONTACTS);

    /** The appointment {@code id}, deleted or not, if this organization has it. */
    private Optional<Appointment> anyById(UUID id) {
        return RenderedReads.select("appointments.get", ONE)
                .where(organizationId, IN_ORG)
                .where(id, BY_ID)
                .fetchOptional(unit, Rows::appointment);
    }

    /** Applies {@code update} (its changes, without conditions) to the non-deleted appointment in one statement. */
    private Appointment updateLive(RenderedWrites.Write update, UUID id) {
        required("id", id);
        return byId(update, id)
                .where(() -> APPOINTMENTS.DELETED_AT.isNull())
                .returning()
                .fetchOptional(unit, Rows::appointment)
                .orElseThrow(() -> new NotFoundException("appointment " + id));
    }

    /** The row, deleted or not as {@code extra} says ({@code null}: either). */
    private Appointment find(UUID id, boolean includingDeleted) {
        required("id", id);
        RenderedReads.Read read = RenderedReads.select("appointments.get", ONE)
                .where(organizationId, org -> APPOINTMENTS.ORG_ID.eq(org))
                .where(id, appointment -> APPOINTMENTS.ID.eq(appointment));
        if (!includingDeleted) {
            read.where(() -> APPOINTMENTS.DELETED_AT.isNull());
        }
        return read.fetchOptional(unit, Rows::appointment)
                .orElseThrow(() -> new NotFoundException("appointment " + id));
    }

    /** The row of an appointment, locked for the rest of the transaction. */
    private static final RenderedReads.From LOCK = () -> DSL.selectFrom(APPOINTMENTS).forUpdate();

    /** An appointment by its id: the query {@code get} starts from. */
    private static final RenderedReads.From ONE = () -> DSL.selectFrom(APPOINTMENTS);

    /**
     * The non-deleted row, locked until the transaction ends: a concurrent change waits here and then
     * sees what this one wrote, so two changes cannot both be checked against the same old state.
     */
    private Appointment lock(UUID id) {
        return RenderedReads.select("appointments: lock", LOCK)
                .where(organizationId, IN_ORG)
                .where(id, BY_ID)
                .where(() -> APPOINTMENTS.DELETED_AT.isNull())
                .fetchOptional(unit, Rows::appointment)
                .orElseThrow(() -> new NotFoundException("appointment " + id));
    }

    /**
     * Runs a write that the exclusion constraint may refuse, after this organization's other booking
     * writes (its refusal reaches the caller typed as {@link com.voxanne.dao.DoubleBookingException},
     * translated where every failure of the unit is: {@link Unit#failure}).
     */
    private <T> T serialized(Supplier<T> write) {
        // Two transactions inserting overlapping rows at once can each find the other's uncommitted row
        // in the exclusion index and wait for each other; PostgreSQL then aborts one with a deadlock
        // (40P01) instead of the 23P01 the caller should see. Serialising this organization's booking
        // writes with a transaction-scoped advisory lock (released at commit or rollback, nothing left
        // on the connection) turns that race into a clean refusal. Other organizations are not held up.
        if (unit.placement() == Placement.DISTRIBUTED) {
            // The same lock, taken on the worker that holds the clinic's shards, where the exclusion index
            // is: the organization's row routes it there (docs/citus.md, fact 29).
            RenderedReads.select("appointments: booking lock", BOOKING_LOCK_ON_THE_WORKER)
                    .where(organizationId, org -> ORGANIZATIONS.ID.eq(org))
                    .fetch(unit, row -> null);
        } else {
            RenderedWrites.select("appointments: booking lock", organizationId, org -> DSL.field(
                    "pg_advisory_xact_lock(hashtext('voxanne.appointments'), hashtext({0}::text))", Object.class, org))
                    .fetch(unit, row -> null);
        }
        return write.get();
    }

    /** The booking lock's key (the single-server form's), of the organization's own row. */
    private static final RenderedReads.From BOOKING_LOCK_ON_THE_WORKER = () -> DSL.select(DSL.field(
            "pg_advisory_xact_lock(hashtext('voxanne.appointments'), hashtext({0}::text))", Object.class, ORGANIZATIONS.ID))
            .from(ORGANIZATIONS);

    private static void required(String field, Object value) {
        if (value == null) {
            throw new InvalidInputException(field, "must not be null");
        }
    }

    private static int minutes(String field, Duration duration) {
        required(field, duration);
        if (duration.getNano() != 0 || duration.getSeconds() % 60 != 0) {
            throw new InvalidInputException(field, "must be whole minutes, not " + duration);
        }
        long minutes = duration.toMinutes();
        if (minutes < 1 || minutes > MAX_DURATION_MINUTES) {
            throw new InvalidInputException(field, "must be 1 to " + MAX_DURATION_MINUTES + " minutes, not " + minutes);
        }
        return (int) minutes;
    }

    private static int limit(int limit) {
        if (limit < 1 || limit > AppointmentQuery.MAX_LIMIT) {
            throw new InvalidInputException("limit", "must be 1 to " + AppointmentQuery.MAX_LIMIT + ", not " + limit);
        }
        return limit;
    }

}
