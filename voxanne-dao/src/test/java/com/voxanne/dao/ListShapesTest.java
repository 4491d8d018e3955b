package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.schema.jooq.enums.AppointmentStatus;
import com.voxanne.schema.jooq.enums.LeadScoreType;
import com.voxanne.schema.jooq.enums.LeadStatusType;
import com.voxanne.schema.jooq.enums.NotificationStatus;
import com.voxanne.schema.jooq.enums.NotificationType;
import com.voxanne.testkit.VoxannePostgres;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Every shape of every list the DAO renders once and then runs on plain JDBC (ADR 0006): each filter
 * present or not, every order, both ways of searching, and cursors with and without a time, paged two
 * rows at a time. Each list must give exactly what filtering and sorting the rows read one by one with
 * {@code get} gives, and another clinic's rows never.
 */
@VoxannePostgres
class ListShapesTest extends TwoClinicsTest {

    private static final OffsetDateTime NINE = OffsetDateTime.of(2031, 3, 10, 9, 0, 0, 0, ZoneOffset.UTC);

    @Test
    void everyContactListShapeFindsWhatFilteringTheRowsFinds() {
        Contacts contacts = voxanne.contacts(annInA);
        List<UUID> ids = new ArrayList<>();
        String[] names = {"Ann Lee", "Joanna Park", "Bob Stone", "Hannah Ann", "Carl Diaz", "Dana Ann", "Eve Moss"};
        for (int i = 0; i < names.length; i++) {
            Contact c = contacts.create(NewContact.named(names[i])
                    .phone("+1212555" + String.format(Locale.ROOT, "%04d", 100 + i))
                    .email(i % 2 == 0 ? "c" + i + "@clinic.test" : null)
                    .leadScore(i % 3 == 0 ? LeadScoreType.HOT : LeadScoreType.COLD)
                    .serviceInterests(i % 2 == 1 ? List.of("botox") : List.of("filler")));
            if (i % 3 != 2) {
                // some never contacted: LAST_CONTACT order puts them last, and its cursor then has no time
                contacts.recordContact(c.id(), NINE.minusYears(6).plusHours(i));
            }
            ids.add(c.id());
        }
        voxanne.contacts(bobInB).create(NewContact.named("Ann Other").phone("+12125550100"));
        List<Contact> rows = ids.stream().map(contacts::get).toList();
        assertThat(rows).anyMatch(c -> c.leadStatus() == LeadStatusType.NEW)
                .anyMatch(c -> c.leadStatus() == LeadStatusType.CONTACTED).anyMatch(c -> c.lastContactAt() == null);

        int shapes = 0;
        for (ContactSort sort : ContactSort.values()) {
            for (LeadStatusType status : new LeadStatusType[] {null, LeadStatusType.CONTACTED}) {
                for (LeadScoreType score : new LeadScoreType[] {null, LeadScoreType.HOT}) {
                    for (String interest : new String[] {null, "botox"}) {
                        for (String search : new String[] {null, "ANN", "555010"}) {
                            ContactQuery query = ContactQuery.all().sortBy(sort).leadStatus(status).leadScore(score)
                                    .serviceInterest(interest).search(search).limit(2);
                            Predicate<Contact> wanted = c -> (status == null || c.leadStatus() == status)
                                    && (score == null || c.leadScore() == score)
                                    && (interest == null || c.serviceInterests().contains(interest))
                                    && (search == null || contains(c.name(), search) || contains(c.email(), search)
                                        || contains(c.phone(), search));
                            List<Contact> expected = rows.stream().filter(wanted).sorted(order(sort)).toList();
                            assertThat(allPages(query, q -> contacts.list(q), ContactQuery::after))
                                    .as("%s %s %s %s %s", sort, status, score, interest, search)
                                    .containsExactlyElementsOf(expected);
                            shapes++;
                        }
                    }
                }
            }
        }
        assertThat(shapes).isEqualTo(72);
    }

    @Test
    void everyAppointmentListShapeFindsWhatFilteringTheRowsFinds() {
        Contacts contacts = voxanne.contacts(annInA);
        Appointments appointments = voxanne.appointments(annInA);
        UUID first = contacts.create(NewContact.named("First")).id();
        UUID second = contacts.create(NewContact.named("Second")).id();
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            Appointment a = appointments.book(i % 3 == 0 ? second : first, ServiceType.BOTOX, NINE.plusHours(2L * i),
                    Duration.ofMinutes(30));
            if (i % 2 == 1) {
                appointments.changeStatus(a.id(), AppointmentStatus.CONFIRMED);
            }
            if (i == 4) {
                appointments.softDelete(a.id());
            }
            ids.add(a.id());
        }
        UUID otherClinic = voxanne.contacts(bobInB).create(NewContact.named("Other")).id();
        voxanne.appointments(bobInB).book(otherClinic, ServiceType.BOTOX, NINE, Duration.ofMinutes(30));
        List<Appointment> rows = ids.stream().map(appointments::getIncludingDeleted).toList();
        assertThat(rows).anyMatch(a -> a.deletedAt() != null);

        int shapes = 0;
        for (OffsetDateTime from : new OffsetDateTime[] {null, NINE.plusHours(1)}) {
            for (OffsetDateTime until : new OffsetDateTime[] {null, NINE.plusHours(11)}) {
                for (AppointmentStatus[] statuses : new AppointmentStatus[][] {{},
                        {AppointmentStatus.PENDING}, {AppointmentStatus.CONFIRMED, AppointmentStatus.PENDING}}) {
                    for (UUID contact : new UUID[] {null, first}) {
                        for (boolean deleted : new boolean[] {false, true}) {
                            AppointmentQuery query = AppointmentQuery.all().from(from).until(until).statuses(statuses)
                                    .contact(contact).includeDeleted(deleted).limit(2);
                            List<AppointmentStatus> wantedStatuses = List.of(statuses);
                            List<Appointment> expected = rows.stream()
                                    .filter(a -> from == null || !a.scheduledAt().isBefore(from))
                                    .filter(a -> until == null || a.scheduledAt().isBefore(until))
                                    .filter(a -> wantedStatuses.isEmpty() || wantedStatuses.contains(a.status()))
                                    .filter(a -> contact == null || a.contactId().equals(contact))
                                    .filter(a -> deleted || a.deletedAt() == null)
                                    .sorted(Comparator.comparing(Appointment::scheduledAt).thenComparing(a -> a.id().toString()))
                                    .toList();
                            assertThat(allPages(query, appointments::list, AppointmentQuery::after))
                                    .as("%s %s %s %s %s", from, until, wantedStatuses, contact, deleted)
                                    .containsExactlyElementsOf(expected);
                            shapes++;
                        }
                    }
                }
            }
        }
        assertThat(shapes).isEqualTo(48);
    }

    @Test
    void everyNotificationListShapeFindsWhatFilteringTheRowsFinds() {
        Notifications mine = voxanne.notifications(annInA);
        List<UUID> ids = new ArrayList<>();
        NotificationType[] types = {NotificationType.HOT_LEAD, NotificationType.VOICEMAIL, NotificationType.MISSED_CALL};
        for (int i = 0; i < 7; i++) {
            UUID id = mine.create(annInA.userId(), NewNotification.of(types[i % 3], "Title " + i, "Message " + i));
            if (i % 2 == 0) {
                mine.markRead(id);
            }
            ids.add(id);
        }
        voxanne.notifications(bobInB).create(bobInB.userId(), NewNotification.of(NotificationType.HOT_LEAD, "t", "m"));
        List<Notification> rows = ids.stream().map(mine::get).toList();

        int shapes = 0;
        for (NotificationStatus status : new NotificationStatus[] {null, NotificationStatus.UNREAD}) {
            for (NotificationType type : new NotificationType[] {null, NotificationType.HOT_LEAD}) {
                NotificationQuery query = NotificationQuery.all().status(status).type(type).limit(2);
                List<Notification> expected = rows.stream()
                        .filter(n -> status == null || n.status() == status)
                        .filter(n -> type == null || n.type() == type)
                        .sorted(Comparator.comparing(Notification::createdAt).thenComparing((Notification n) -> n.id().toString()).reversed())
                        .toList();
                assertThat(allPages(query, mine::list, NotificationQuery::after)).as("%s %s", status, type)
                        .containsExactlyElementsOf(expected);
                shapes++;
            }
        }
        assertThat(shapes).isEqualTo(4);
        assertThat(mine.unreadCount()).isEqualTo((int) rows.stream().filter(n -> n.status() == NotificationStatus.UNREAD).count());
    }

    /** Every page of {@code query}, following the cursors. */
    private static <Q, T> List<T> allPages(Q query, Function<Q, Page<T>> list, CursorStep<Q> after) {
        List<T> all = new ArrayList<>();
        Q next = query;
        for (int page = 0; page < 50; page++) {
            Page<T> result = list.apply(next);
            all.addAll(result.items());
            Optional<String> cursor = result.nextCursor();
            if (cursor.isEmpty()) {
                return all;
            }
            next = after.after(next, cursor.get());
        }
        throw new AssertionError("more than 50 pages");
    }

    @FunctionalInterface
    private interface CursorStep<Q> {
        Q after(Q query, String cursor);
    }

    private static boolean contains(String value, String text) {
        return value != null && value.toLowerCase(Locale.ROOT).contains(text.toLowerCase(Locale.ROOT));
    }

    /**
     * The DAO's orders: newest first, a contact never contacted last, the id breaking ties (compared as
     * PostgreSQL compares uuids, byte by byte unsigned, which their text form's order is).
     */
    private static Comparator<Contact> order(ContactSort sort) {
        Function<Contact, OffsetDateTime> key = switch (sort) {
            case UPDATED -> Contact::updatedAt;
            case CREATED -> Contact::createdAt;
            case LAST_CONTACT -> Contact::lastContactAt;
        };
        return Comparator.comparing(key, Comparator.nullsFirst(Comparator.<OffsetDateTime>naturalOrder()))
                .thenComparing(c -> c.id().toString()).reversed();
    }
}
