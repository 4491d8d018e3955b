package com.voxanne.dao;

import static com.voxanne.schema.jooq.enums.AppointmentStatus.CANCELLED;
import static com.voxanne.schema.jooq.enums.AppointmentStatus.COMPLETED;
import static com.voxanne.schema.jooq.enums.AppointmentStatus.CONFIRMED;
import static com.voxanne.schema.jooq.enums.AppointmentStatus.IN_PROGRESS;
import static com.voxanne.schema.jooq.enums.AppointmentStatus.NO_SHOW;
import static com.voxanne.schema.jooq.enums.AppointmentStatus.PENDING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.schema.jooq.enums.AppointmentStatus;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

@VoxannePostgres
class AppointmentsTest {

    /** Written out here, independently of the implementation, as Appointments#changeStatus documents it. */
    private static final Map<AppointmentStatus, Set<AppointmentStatus>> ALLOWED = Map.of(
            PENDING, EnumSet.of(CONFIRMED, CANCELLED),
            CONFIRMED, EnumSet.of(IN_PROGRESS, CANCELLED, NO_SHOW),
            IN_PROGRESS, EnumSet.of(COMPLETED),
            COMPLETED, EnumSet.noneOf(AppointmentStatus.class),
            CANCELLED, EnumSet.noneOf(AppointmentStatus.class),
            NO_SHOW, EnumSet.noneOf(AppointmentStatus.class));

    /** How to reach each status from pending. */
    private static final Map<AppointmentStatus, List<AppointmentStatus>> PATH = Map.of(
            PENDING, List.of(),
            CONFIRMED, List.of(CONFIRMED),
            IN_PROGRESS, List.of(CONFIRMED, IN_PROGRESS),
            COMPLETED, List.of(CONFIRMED, IN_PROGRESS, COMPLETED),
            CANCELLED, List.of(CANCELLED),
            NO_SHOW, List.of(CONFIRMED, NO_SHOW));

    private static final OffsetDateTime NINE = OffsetDateTime.of(2031, 3, 10, 9, 0, 0, 0, ZoneOffset.UTC);
    private static final Duration HALF_HOUR = Duration.ofMinutes(30);

    private Voxanne voxanne;
    private OrgContext annInA;
    private OrgContext bobInB;
    private Appointments a;
    private Appointments b;
    private Contact patient;
    private Contact patientInB;

    @BeforeEach
    void setUp(DataSource login, Tenants tenants, TestInfo test) {
        // One database per class: organizations of their own keep the tests' bookings apart.
        String suffix = test.getTestMethod().orElseThrow().getName();
        voxanne = Voxanne.create(login);
        User ann = tenants.organization("A " + suffix).user("ann");
        User bob = tenants.organization("B " + suffix).user("bob");
        annInA = OrgContext.of(ann.organization().id(), ann.id());
        bobInB = OrgContext.of(bob.organization().id(), bob.id());
        a = voxanne.appointments(annInA);
        b = voxanne.appointments(bobInB);
        patient = voxanne.contacts(annInA).create(NewContact.named("Pat").phone("+12125550101"));
        patientInB = voxanne.contacts(bobInB).create(NewContact.named("Pat in B").phone("+12125550101"));
    }

    private Appointment bookAt(OffsetDateTime start) {
        return a.book(patient.id(), ServiceType.BOTOX, start, HALF_HOUR);
    }

    @Test
    void bookCreatesAPendingAppointmentThatGetReturns() {
        Appointment booked = a.book(patient.id(), ServiceType.of(" Filler "), NINE, Duration.ofMinutes(45));
        assertThat(booked.status()).isEqualTo(PENDING);
        assertThat(booked.organizationId()).isEqualTo(annInA.organizationId());
        assertThat(booked.contactId()).isEqualTo(patient.id());
        assertThat(booked.serviceType()).isEqualTo(ServiceType.FILLER);
        assertThat(booked.scheduledAt()).isEqualTo(NINE);
        assertThat(booked.endsAt()).isEqualTo(NINE.plusMinutes(45));
        assertThat(booked.confirmationSent()).isFalse();
        assertThat(booked.deleted()).isFalse();
        assertThat(a.get(booked.id())).isEqualTo(booked);
        assertThat(a.getIncludingDeleted(booked.id())).isEqualTo(booked);
    }

    @Test
    void bookRefusesInvalidInputBeforeSql() {
        UUID contact = patient.id();
        assertInvalid(() -> a.book(null, ServiceType.BOTOX, NINE, HALF_HOUR), "contactId");
        assertInvalid(() -> a.book(contact, null, NINE, HALF_HOUR), "serviceType");
        assertInvalid(() -> a.book(contact, ServiceType.BOTOX, null, HALF_HOUR), "start");
        assertInvalid(() -> a.book(contact, ServiceType.BOTOX, NINE, null), "duration");
        assertInvalid(() -> a.book(contact, ServiceType.BOTOX, NINE, Duration.ZERO), "duration");
        assertInvalid(() -> a.book(contact, ServiceType.BOTOX, NINE, Duration.ofMinutes(-30)), "duration");
        assertInvalid(() -> a.book(contact, ServiceType.BOTOX, NINE, Duration.ofMinutes(1441)), "duration");
        assertInvalid(() -> a.book(contact, ServiceType.BOTOX, NINE, Duration.ofSeconds(90)), "duration");
        assertInvalid(() -> a.book(contact, ServiceType.BOTOX, NINE, Duration.ofMinutes(30).plusNanos(1)), "duration");
        assertInvalid(() -> ServiceType.of("laser"), "serviceType");
        assertInvalid(() -> ServiceType.of(null), "serviceType");
        assertThat(a.book(contact, ServiceType.OTHER, NINE, Duration.ofMinutes(1440)).duration()).isEqualTo(Duration.ofDays(1));
        assertThat(a.book(contact, ServiceType.CONSULTATION, NINE.plusDays(1), Duration.ofMinutes(1)).duration())
                .isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void bookForAContactOfAnotherOrganizationOrNoneIsNotFound() {
        assertThatThrownBy(() -> a.book(patientInB.id(), ServiceType.BOTOX, NINE, HALF_HOUR))
                .isInstanceOf(NotFoundException.class).hasMessageStartingWith("contact ")
                .hasMessageNotContaining("Pat");
        assertThatThrownBy(() -> a.book(UUID.randomUUID(), ServiceType.BOTOX, NINE, HALF_HOUR))
                .isInstanceOf(NotFoundException.class).hasMessageStartingWith("contact ");
        assertThat(a.list(AppointmentQuery.all()).items()).isEmpty();
    }

    @Test
    void overlappingActiveAppointmentsAreRefusedButBackToBackAndOtherOrganizationsAreFine() {
        Appointment nine = bookAt(NINE);
        assertThatThrownBy(() -> bookAt(NINE.plusMinutes(15)))
                .isInstanceOf(DoubleBookingException.class).isInstanceOf(ConflictException.class);
        assertThatThrownBy(() -> a.book(patient.id(), ServiceType.OTHER, NINE.minusHours(1), Duration.ofHours(2)))
                .isInstanceOf(DoubleBookingException.class);
        assertThat(bookAt(NINE.plusMinutes(30)).scheduledAt()).isEqualTo(NINE.plusMinutes(30));
        assertThat(bookAt(NINE.minusMinutes(30)).endsAt()).isEqualTo(nine.scheduledAt());
        assertThat(b.book(patientInB.id(), ServiceType.BOTOX, NINE, HALF_HOUR).scheduledAt()).isEqualTo(NINE);
    }

    @Test
    void cancelledNoShowAndDeletedAppointmentsDoNotBlockTheirSlot() {
        Appointment cancelled = bookAt(NINE);
        a.changeStatus(cancelled.id(), CANCELLED);
        Appointment replacement = bookAt(NINE);

        a.changeStatus(replacement.id(), CONFIRMED);
        a.changeStatus(replacement.id(), NO_SHOW);
        Appointment third = bookAt(NINE);

        a.softDelete(third.id());
        assertThat(bookAt(NINE).status()).isEqualTo(PENDING);
    }

    @Test
    void aDoubleBookingInsideAUnitOfWorkIsTypedThereAndRollsTheUnitBack() {
        bookAt(NINE);
        AtomicBoolean seenInside = new AtomicBoolean();
        assertThatThrownBy(() -> voxanne.runInOrg(annInA, tx -> {
            tx.appointments().book(patient.id(), ServiceType.BOTOX, NINE.plusHours(3), HALF_HOUR);
            try {
                tx.appointments().book(patient.id(), ServiceType.BOTOX, NINE, HALF_HOUR);
            } catch (DoubleBookingException e) {
                seenInside.set(true);
                throw e;
            }
        })).isInstanceOf(DoubleBookingException.class);
        assertThat(seenInside).isTrue();
        assertThat(a.list(AppointmentQuery.all()).items()).extracting(Appointment::scheduledAt).containsExactly(NINE);
    }

    @Test
    void everyStatusChangeFollowsTheStateMachine() {
        OffsetDateTime slot = NINE;
        for (AppointmentStatus from : AppointmentStatus.values()) {
            for (AppointmentStatus to : AppointmentStatus.values()) {
                Appointment appt = bookAt(slot);
                slot = slot.plusHours(1);
                for (AppointmentStatus step : PATH.get(from)) {
                    appt = a.changeStatus(appt.id(), step);
                }
                assertThat(appt.status()).isEqualTo(from);
                UUID id = appt.id();
                if (ALLOWED.get(from).contains(to)) {
                    assertThat(a.changeStatus(id, to).status()).as(from + " -> " + to).isEqualTo(to);
                    assertThat(a.get(id).status()).isEqualTo(to);
                } else {
                    assertThatThrownBy(() -> a.changeStatus(id, to)).as(from + " -> " + to)
                            .isInstanceOfSatisfying(InvalidTransitionException.class, e -> {
                                assertThat(e.from()).isEqualTo(from);
                                assertThat(e.to()).isEqualTo(to);
                                assertThat(e).isInstanceOf(ConflictException.class)
                                        .hasMessageContaining(from.getLiteral()).hasMessageContaining(to.getLiteral());
                            });
                    assertThat(a.get(id).status()).isEqualTo(from);
                }
            }
        }
    }

    @Test
    void changeStatusRefusesMissingInputAndDeletedOrUnknownAppointments() {
        Appointment appt = bookAt(NINE);
        assertInvalid(() -> a.changeStatus(null, CONFIRMED), "id");
        assertInvalid(() -> a.changeStatus(appt.id(), null), "status");
        assertThatThrownBy(() -> a.changeStatus(UUID.randomUUID(), CONFIRMED)).isInstanceOf(NotFoundException.class);
        a.softDelete(appt.id());
        assertThatThrownBy(() -> a.changeStatus(appt.id(), CONFIRMED)).isInstanceOf(NotFoundException.class);
    }

    @Test
    void rescheduleMovesPendingAndConfirmedAppointments() {
        Appointment appt = bookAt(NINE);
        Appointment moved = a.reschedule(appt.id(), NINE.plusMinutes(15), Duration.ofMinutes(60));
        assertThat(moved.scheduledAt()).isEqualTo(NINE.plusMinutes(15));
        assertThat(moved.duration()).isEqualTo(Duration.ofHours(1));
        assertThat(moved.status()).isEqualTo(PENDING);
        a.changeStatus(appt.id(), CONFIRMED);
        assertThat(a.reschedule(appt.id(), NINE.plusDays(1), HALF_HOUR).status()).isEqualTo(CONFIRMED);
        assertThat(a.get(appt.id()).scheduledAt()).isEqualTo(NINE.plusDays(1));
    }

    @Test
    void rescheduleIntoAnotherAppointmentIsADoubleBookingAndChangesNothing() {
        Appointment first = bookAt(NINE);
        Appointment second = bookAt(NINE.plusHours(1));
        assertThatThrownBy(() -> a.reschedule(second.id(), NINE.plusMinutes(20), HALF_HOUR))
                .isInstanceOf(DoubleBookingException.class);
        assertThat(a.get(second.id()).scheduledAt()).isEqualTo(NINE.plusHours(1));
        assertThat(a.get(first.id())).isEqualTo(first);
    }

    @Test
    void onlyPendingOrConfirmedAppointmentsCanBeRescheduled() {
        for (AppointmentStatus status : List.of(IN_PROGRESS, COMPLETED, CANCELLED, NO_SHOW)) {
            Appointment appt = bookAt(NINE.plusHours(status.ordinal()));
            for (AppointmentStatus step : PATH.get(status)) {
                a.changeStatus(appt.id(), step);
            }
            assertThatThrownBy(() -> a.reschedule(appt.id(), NINE.plusDays(2), HALF_HOUR)).as(status.getLiteral())
                    .isExactlyInstanceOf(ConflictException.class).hasMessageContaining(status.getLiteral());
        }
    }

    @Test
    void rescheduleRefusesInvalidInputAndDeletedOrUnknownAppointments() {
        Appointment appt = bookAt(NINE);
        assertInvalid(() -> a.reschedule(null, NINE, HALF_HOUR), "id");
        assertInvalid(() -> a.reschedule(appt.id(), null, HALF_HOUR), "newStart");
        assertInvalid(() -> a.reschedule(appt.id(), NINE, null), "newDuration");
        assertInvalid(() -> a.reschedule(appt.id(), NINE, Duration.ofMinutes(1441)), "newDuration");
        assertInvalid(() -> a.reschedule(appt.id(), NINE, Duration.ofSeconds(30)), "newDuration");
        assertThatThrownBy(() -> a.reschedule(UUID.randomUUID(), NINE, HALF_HOUR)).isInstanceOf(NotFoundException.class);
        a.softDelete(appt.id());
        assertThatThrownBy(() -> a.reschedule(appt.id(), NINE, HALF_HOUR)).isInstanceOf(NotFoundException.class);
    }

    @Test
    void softDeleteHidesTheAppointmentAndRestoreBringsItBack() {
        Appointment appt = bookAt(NINE);
        Appointment deleted = a.softDelete(appt.id());
        assertThat(deleted.deleted()).isTrue();
        assertThatThrownBy(() -> a.get(appt.id())).isInstanceOf(NotFoundException.class);
        assertThat(a.getIncludingDeleted(appt.id()).deletedAt()).isEqualTo(deleted.deletedAt());
        assertThat(a.list(AppointmentQuery.all()).items()).isEmpty();
        assertThat(a.upcoming(10)).isEmpty();
        assertThat(a.list(AppointmentQuery.all().includeDeleted(true)).items()).extracting(Appointment::id)
                .containsExactly(appt.id());
        assertThatThrownBy(() -> a.softDelete(appt.id())).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> a.markConfirmationSent(appt.id())).isInstanceOf(NotFoundException.class);

        Appointment restored = a.restore(appt.id());
        assertThat(restored.deleted()).isFalse();
        assertThat(a.get(appt.id()).status()).isEqualTo(PENDING);
        assertThat(a.restore(appt.id())).as("restoring a live appointment changes nothing").isEqualTo(restored);
    }

    @Test
    void restoringIntoATakenSlotIsADoubleBooking() {
        Appointment appt = bookAt(NINE);
        a.softDelete(appt.id());
        Appointment taker = bookAt(NINE.plusMinutes(10));
        assertThatThrownBy(() -> a.restore(appt.id())).isInstanceOf(DoubleBookingException.class);
        assertThat(a.getIncludingDeleted(appt.id()).deleted()).isTrue();
        a.changeStatus(taker.id(), CANCELLED);
        assertThat(a.restore(appt.id()).deleted()).isFalse();
    }

    @Test
    void deleteAndRestoreRefuseMissingOrUnknownIds() {
        assertInvalid(() -> a.softDelete(null), "id");
        assertInvalid(() -> a.restore(null), "id");
        assertInvalid(() -> a.get(null), "id");
        assertInvalid(() -> a.getIncludingDeleted(null), "id");
        assertInvalid(() -> a.markConfirmationSent(null), "id");
        UUID unknown = UUID.randomUUID();
        assertThatThrownBy(() -> a.softDelete(unknown)).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> a.restore(unknown)).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> a.get(unknown)).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> a.getIncludingDeleted(unknown)).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> a.markConfirmationSent(unknown)).isInstanceOf(NotFoundException.class);
    }

    @Test
    void markConfirmationSentSetsTheFlag() {
        Appointment appt = bookAt(NINE);
        assertThat(a.markConfirmationSent(appt.id()).confirmationSent()).isTrue();
        assertThat(a.get(appt.id()).confirmationSent()).isTrue();
        assertThat(a.markConfirmationSent(appt.id()).confirmationSent()).as("again: still sent").isTrue();
    }

    @Test
    void listFiltersByRangeStatusAndContactInStartOrder() {
        Contact other = voxanne.contacts(annInA).create(NewContact.named("Other").phone("+12125550102"));
        Appointment first = bookAt(NINE);
        Appointment second = a.book(other.id(), ServiceType.FILLER, NINE.plusHours(1), HALF_HOUR);
        Appointment third = bookAt(NINE.plusDays(1));
        a.changeStatus(second.id(), CONFIRMED);

        assertThat(ids(AppointmentQuery.all())).containsExactly(first.id(), second.id(), third.id());
        assertThat(ids(AppointmentQuery.all().from(NINE.plusMinutes(1)))).containsExactly(second.id(), third.id());
        assertThat(ids(AppointmentQuery.all().from(NINE).until(NINE.plusDays(1)))).containsExactly(first.id(), second.id());
        assertThat(ids(AppointmentQuery.all().statuses(CONFIRMED))).containsExactly(second.id());
        assertThat(ids(AppointmentQuery.all().statuses(PENDING, CANCELLED))).containsExactly(first.id(), third.id());
        assertThat(ids(AppointmentQuery.all().contact(patient.id()))).containsExactly(first.id(), third.id());
        assertThat(ids(AppointmentQuery.all().contact(other.id()).statuses(PENDING))).isEmpty();
    }

    @Test
    void listPagesWithAnOpaqueCursorThatSurvivesInsertsAndTies() {
        // Two appointments may share a start when one of them is cancelled: the id breaks the tie.
        Appointment tieCancelled = bookAt(NINE);
        a.changeStatus(tieCancelled.id(), CANCELLED);
        Appointment tie = bookAt(NINE);
        Appointment later = bookAt(NINE.plusHours(1));
        Appointment latest = bookAt(NINE.plusHours(2));

        Page<Appointment> one = a.list(AppointmentQuery.all().limit(2));
        assertThat(one.items()).extracting(Appointment::id)
                .containsExactlyElementsOf(List.of(tieCancelled.id(), tie.id()).stream()
                        .sorted(Comparator.comparing(UUID::toString)).toList()); // PostgreSQL's uuid order
        assertThat(one.hasNext()).isTrue();
        Appointment early = bookAt(NINE.minusHours(1)); // before the cursor: not on later pages
        Page<Appointment> two = a.list(AppointmentQuery.all().limit(2).after(one.nextCursor().orElseThrow()));
        assertThat(two.items()).extracting(Appointment::id).containsExactly(later.id(), latest.id());
        assertThat(two.hasNext()).isFalse();
        assertThat(a.list(AppointmentQuery.all().limit(5)).items()).first().isEqualTo(early);
        assertThat(a.list(AppointmentQuery.all().limit(5)).hasNext()).isFalse();
    }

    @Test
    void listRefusesInvalidQueries() {
        assertInvalid(() -> a.list(null), "query");
        assertInvalid(() -> a.list(AppointmentQuery.all().limit(0)), "limit");
        assertInvalid(() -> a.list(AppointmentQuery.all().limit(AppointmentQuery.MAX_LIMIT + 1)), "limit");
        assertInvalid(() -> a.list(AppointmentQuery.all().from(NINE).until(NINE)), "until");
        assertInvalid(() -> a.list(AppointmentQuery.all().statuses(PENDING, null)), "statuses");
        for (String tampered : List.of("", "not base64!", b64("2031-03-10T09:00:00Z"), b64("yesterday|" + UUID.randomUUID()),
                b64("2031-03-10T09:00:00Z|1-1-1-1-1"), b64("2031-03-10T09:00:00Z|" + UUID.randomUUID() + "|x"))) {
            assertInvalid(() -> a.list(AppointmentQuery.all().after(tampered)), "cursor");
        }
        assertThat(a.list(AppointmentQuery.all().limit(AppointmentQuery.MAX_LIMIT)).items()).isEmpty();
    }

    @Test
    void upcomingListsPendingAndConfirmedFromNowSoonestFirst() {
        OffsetDateTime soon = OffsetDateTime.now(ZoneOffset.UTC).plusDays(1).truncatedTo(ChronoUnit.HOURS);
        Appointment past = bookAt(soon.minusYears(1));
        Appointment pending = bookAt(soon.plusHours(2));
        Appointment confirmed = bookAt(soon);
        a.changeStatus(confirmed.id(), CONFIRMED);
        Appointment cancelled = bookAt(soon.plusHours(3));
        a.changeStatus(cancelled.id(), CANCELLED);
        Appointment inProgress = bookAt(soon.plusHours(4));
        a.changeStatus(inProgress.id(), CONFIRMED);
        a.changeStatus(inProgress.id(), IN_PROGRESS);
        Appointment deleted = bookAt(soon.plusHours(5));
        a.softDelete(deleted.id());
        Appointment last = bookAt(soon.plusHours(6));

        assertThat(a.upcoming(10)).extracting(Appointment::id).containsExactly(confirmed.id(), pending.id(), last.id())
                .doesNotContain(past.id());
        assertThat(a.upcoming(1)).extracting(Appointment::id).containsExactly(confirmed.id());
        assertInvalid(() -> a.upcoming(0), "limit");
        assertInvalid(() -> a.upcoming(AppointmentQuery.MAX_LIMIT + 1), "limit");
        assertThat(b.upcoming(10)).isEmpty();
    }

    @Test
    void anotherOrganizationsAppointmentIsNotFoundByEveryMethodAndStaysUnchanged() {
        Appointment appt = bookAt(NINE);
        Appointment deleted = bookAt(NINE.plusHours(1));
        a.softDelete(deleted.id());
        Appointment before = a.get(appt.id());
        UUID id = appt.id();

        List<Runnable> calls = List.of(
                () -> b.get(id),
                () -> b.getIncludingDeleted(id),
                () -> b.getIncludingDeleted(deleted.id()),
                () -> b.changeStatus(id, CONFIRMED),
                () -> b.changeStatus(id, CANCELLED),
                () -> b.reschedule(id, NINE.plusDays(3), HALF_HOUR),
                () -> b.softDelete(id),
                () -> b.restore(deleted.id()),
                () -> b.markConfirmationSent(id));
        for (Runnable call : calls) {
            assertThatThrownBy(call::run).isInstanceOf(NotFoundException.class)
                    .hasMessageNotContaining("Pat").hasMessageNotContaining("botox");
        }
        assertThatThrownBy(() -> b.book(patient.id(), ServiceType.BOTOX, NINE.plusDays(5), HALF_HOUR))
                .isInstanceOf(NotFoundException.class).hasMessageStartingWith("contact ");
        assertThat(b.list(AppointmentQuery.all().includeDeleted(true)).items()).isEmpty();
        assertThat(b.list(AppointmentQuery.all().contact(patient.id())).items()).isEmpty();
        assertThat(b.upcoming(AppointmentQuery.MAX_LIMIT)).isEmpty();

        assertThat(a.get(id)).isEqualTo(before);
        assertThat(a.getIncludingDeleted(deleted.id()).deleted()).isTrue();
    }

    private List<UUID> ids(AppointmentQuery query) {
        return a.list(query).items().stream().map(Appointment::id).toList();
    }

    private static String b64(String plain) {
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static void assertInvalid(Runnable call, String field) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(InvalidInputException.class,
                e -> assertThat(e.field()).isEqualTo(field));
    }
}
