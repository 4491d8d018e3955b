package com.voxanne.dao;

import static com.voxanne.dao.PatientMarkers.EMAIL;
import static com.voxanne.dao.PatientMarkers.NAME;
import static com.voxanne.dao.PatientMarkers.NOTES;
import static com.voxanne.dao.PatientMarkers.PHONE;
import static com.voxanne.dao.PatientMarkers.PHONE_DOTS;
import static com.voxanne.dao.PatientMarkers.PHONE_E164;
import static com.voxanne.dao.PatientMarkers.PHONE_NATIONAL;
import static com.voxanne.dao.PatientMarkers.assertClean;
import static com.voxanne.dao.PatientMarkers.assertRefusedCleanly;
import static com.voxanne.dao.PatientMarkers.leaks;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.voxanne.schema.jooq.enums.AppointmentStatus;
import com.voxanne.schema.jooq.enums.LeadStatusType;
import com.voxanne.schema.jooq.enums.NotificationType;
import com.voxanne.testkit.Admin;
import com.voxanne.testkit.DatabaseScope;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import com.voxanne.testkit.postgres.TestPostgresConfig;
import java.sql.SQLException;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Patient data (a contact's name, phone, e-mail and notes, an appointment's notes, a notification's title
 * and message) never appears in what the library says: not in an exception's message, its causes or its
 * suppressed exceptions, not in a {@code toString()}, not on System.err (where slf4j-simple logs). Every
 * path is fed the markers of {@link PatientMarkers}; every refusal must still name the field and the rule.
 */
@VoxannePostgres(scope = DatabaseScope.PER_METHOD)
class NoPatientDataInMessagesTest {

    /** Invalid phone numbers that hold the patient's number or name. */
    private static final List<String> BAD_PHONES = List.of(PHONE + " 99999", PHONE_NATIONAL + "-00000",
            "212.555.74", "canary-7431", "+999 555 7431", PHONE_DOTS + PHONE_DOTS);
    /** Invalid e-mail addresses that hold the patient's. */
    private static final List<String> BAD_EMAILS = List.of("canary7431@", "canary7431 @example.org",
            "canary7431@example", EMAIL + " " + EMAIL, "canary7431".repeat(25) + "@example.org");

    private Voxanne voxanne;
    private OrgContext ann;
    private OrgContext bob;
    private User annUser;
    private PatientMarkers.CapturedErr err;

    @BeforeEach
    void setUp(DataSource login, Tenants tenants) {
        err = new PatientMarkers.CapturedErr();
        voxanne = Voxanne.create(login);
        annUser = tenants.organization("Clinic A").user("ann");
        User b = tenants.organization("Clinic B").user("bob");
        ann = OrgContext.of(annUser.organization().id(), annUser.id());
        bob = OrgContext.of(b.organization().id(), b.id());
    }

    @AfterEach
    void nothingWasLogged() {
        String logged = err.text();
        err.close();
        assertClean("System.err", logged);
    }

    @Test
    void theMarkersAreCaughtInEverySpelling() {
        // the check itself: a test that could not see a leak would prove nothing
        for (String spelling : List.of(NAME, PHONE, PHONE_NATIONAL, PHONE_DOTS, PHONE_E164, EMAIL, NOTES,
                "'+1 (212) 555-7431' is not a phone number", "Key (org_id, phone)=(x, +12125557431) already exists")) {
            assertThat(leaks(spelling)).as(spelling).isTrue();
        }
        assertThat(leaks("phone: not a valid phone number for region US (TOO_LONG)")).isFalse();
        // and the capture of System.err sees what slf4j logs
        org.slf4j.LoggerFactory.getLogger(NoPatientDataInMessagesTest.class).warn("capture probe");
        assertThat(err.text()).contains("capture probe");
        assertThat(leaks(new RuntimeException("outer", new SQLException("Detail: " + NAME)).toString()
                + PatientMarkers.everything(new RuntimeException("outer", new SQLException("Detail: " + NAME))))).isTrue();
    }

    @Test
    void creatingAContactNamesTheFieldAndTheRuleNeverTheValue() {
        Contacts contacts = voxanne.contacts(ann);
        assertRefusedCleanly(() -> contacts.create(NewContact.named(NAME.repeat(14))),
                InvalidInputException.class, "name", "at most 200 characters");
        for (String phone : BAD_PHONES) {
            InvalidInputException e = assertRefusedCleanly(() -> contacts.create(NewContact.named(NAME).phone(phone)),
                    InvalidInputException.class, "phone", "region US");
            assertThat(e.field()).isEqualTo("phone");
        }
        for (String email : BAD_EMAILS) {
            assertRefusedCleanly(() -> contacts.create(NewContact.named(NAME).phone(PHONE).email(email)),
                    InvalidInputException.class, "email");
        }
        assertRefusedCleanly(() -> contacts.create(NewContact.named(NAME).email("canary7431".repeat(25) + "@example.org")),
                InvalidInputException.class, "email", "at most 254 characters");
        assertRefusedCleanly(() -> contacts.create(NewContact.named(NAME).notes(NOTES.repeat(600))),
                InvalidInputException.class, "notes", "at most 10000 characters");
        assertRefusedCleanly(() -> contacts.create(NewContact.named(NAME).serviceInterests(List.of("canary 7431 ".repeat(10)))),
                InvalidInputException.class, "serviceInterests", "at most 100 characters");
        List<String> tooMany = IntStream.range(0, 51).mapToObj(i -> "canary-7431-" + i).toList();
        assertRefusedCleanly(() -> contacts.create(NewContact.named(NAME).serviceInterests(tooMany)),
                InvalidInputException.class, "serviceInterests", "at most 50");
        for (String phone : BAD_PHONES) {
            assertRefusedCleanly(() -> contacts.findByPhone(phone), InvalidInputException.class, "phone", "region US");
        }
        assertRefusedCleanly(() -> contacts.list(ContactQuery.all().search(NAME.repeat(14))),
                InvalidInputException.class, "search", "at most 200 characters");
        // the control: the same values, valid, are accepted
        assertThat(contacts.create(NewContact.named(NAME).phone(PHONE).email(EMAIL).notes(NOTES)).phone()).isEqualTo(PHONE_E164);
    }

    @Test
    void aDuplicatePhoneIsReportedWithoutTheNumberThatTheDatabaseQuoted() {
        Contacts contacts = voxanne.contacts(ann);
        Contact first = contacts.create(NewContact.named(NAME).phone(PHONE).email(EMAIL).notes(NOTES));
        for (String spelling : List.of(PHONE, PHONE_NATIONAL, PHONE_DOTS, PHONE_E164)) {
            DuplicateException e = assertRefusedCleanly(() -> contacts.create(NewContact.named(NAME).phone(spelling)
                    .email(EMAIL).notes(NOTES)), DuplicateException.class, "phone number already exists");
            assertThat(e.constraint()).isEqualTo("uq_contacts_org_phone");
            assertThat(e.getCause()).as("the database's error is still there, scrubbed").isInstanceOf(SQLException.class)
                    .hasMessageContaining("23505").hasMessageContaining("uq_contacts_org_phone");
            assertThat(((SQLException) e.getCause()).getSQLState()).isEqualTo("23505");
        }
        Contact second = contacts.create(NewContact.named("Other").phone("+1 212 555 0100"));
        assertRefusedCleanly(() -> contacts.update(second.id(), ContactUpdate.empty().phone(PHONE_NATIONAL)),
                DuplicateException.class, "phone number already exists");
        // and inside a caller's unit of work, where the exception first surfaces
        assertRefusedCleanly(() -> voxanne.inOrg(ann, tx -> tx.contacts().create(NewContact.named(NAME).phone(PHONE))),
                DuplicateException.class, "phone number already exists");
        assertThat(contacts.get(first.id())).isEqualTo(first);
    }

    @Test
    void codeInsideAUnitOfWorkCatchesTheDaosExceptionNotTheDatabasesText() {
        voxanne.contacts(ann).create(NewContact.named(NAME).phone(PHONE).email(EMAIL).notes(NOTES));
        // a webhook handler writes as service_role, which bypasses row-level security: PostgreSQL's
        // DETAIL then quotes the key. What the handler catches (and might log) must not.
        List<Throwable> caught = new CopyOnWriteArrayList<>();
        Throwable thrown = catchThrowable(() -> voxanne.service().webhooks().processOnce(ann.organizationId(),
                "evt-" + UUID.randomUUID(), "call.ended", tx -> {
                    try {
                        tx.contacts().create(NewContact.named(NAME).phone(PHONE_NATIONAL).email(EMAIL).notes(NOTES));
                    } catch (RuntimeException e) {
                        caught.add(e);
                        throw e;
                    }
                }));
        assertThat(caught).singleElement().isInstanceOf(DuplicateException.class);
        assertClean(caught.get(0));
        assertThat(thrown).isInstanceOf(DuplicateException.class).hasMessageContaining("phone number already exists");
        assertClean(thrown);
        // the same inside a user's unit
        Throwable inUserUnit = catchThrowable(() -> voxanne.inOrg(ann, tx -> {
            try {
                return tx.contacts().create(NewContact.named(NAME).phone(PHONE));
            } catch (DuplicateException e) {
                caught.add(e);
                throw e;
            }
        }));
        assertThat(caught).hasSize(2);
        assertClean(inUserUnit);
    }

    @Test
    void updatingAContactNamesTheFieldAndTheRuleNeverTheValue() {
        Contacts contacts = voxanne.contacts(ann);
        UUID id = contacts.create(NewContact.named("Somebody")).id();
        assertRefusedCleanly(() -> contacts.update(id, ContactUpdate.empty().name(NAME.repeat(14))),
                InvalidInputException.class, "name", "at most 200 characters");
        for (String phone : BAD_PHONES) {
            assertRefusedCleanly(() -> contacts.update(id, ContactUpdate.empty().phone(phone)),
                    InvalidInputException.class, "phone", "region US");
        }
        for (String email : BAD_EMAILS) {
            assertRefusedCleanly(() -> contacts.update(id, ContactUpdate.empty().email(email)),
                    InvalidInputException.class, "email");
        }
        assertRefusedCleanly(() -> contacts.update(id, ContactUpdate.empty().notes(NOTES.repeat(600))),
                InvalidInputException.class, "notes", "at most 10000 characters");
        assertRefusedCleanly(() -> contacts.update(id, ContactUpdate.empty().serviceInterests(List.of("canary 7431 ".repeat(10)))),
                InvalidInputException.class, "serviceInterests", "at most 100 characters");
        assertRefusedCleanly(() -> contacts.update(id, ContactUpdate.empty().name(NAME).leadStatus(null)),
                InvalidInputException.class, "leadStatus", "must not be null");
        assertThat(contacts.update(id, ContactUpdate.empty().name(NAME).phone(PHONE).email(EMAIL).notes(NOTES)).email())
                .isEqualTo(EMAIL);
    }

    @Test
    void aRefusedImportListsRowFieldAndRuleNeverTheValue() {
        Contacts contacts = voxanne.contacts(ann);
        List<NewContact> rows = new ArrayList<>(List.of(
                NewContact.named(NAME).phone(PHONE).email(EMAIL).notes(NOTES),
                NewContact.named(NAME).phone(PHONE + " 99999"),
                NewContact.named(NAME).email("canary7431@example"),
                NewContact.named(NAME.repeat(14)),
                NewContact.named(NAME).phone(PHONE_DOTS),
                NewContact.named(NAME).notes(NOTES.repeat(600)).serviceInterests(List.of("canary 7431 ".repeat(10)))));
        rows.add(null);
        BulkImportException e = assertRefusedCleanly(() -> contacts.importAll(rows), BulkImportException.class,
                "row 1 phone", "row 2 email", "row 3 name", "row 4 phone", "row 5 serviceInterests", "row 5 notes",
                "row 6 contact");
        assertThat(e.errors()).extracting(BulkImportException.RowError::reason).allSatisfy(reason -> {
            assertThat(reason).isNotBlank();
            assertClean("a row error's reason", reason);
        });
        e.errors().forEach(error -> assertClean("a row error", error.toString()));
        assertThat(e.getMessage()).contains("the same phone number as row 0").contains("region US");

        // rows valid in themselves whose phone is already taken in the organization: refused by the database
        contacts.create(NewContact.named(NAME).phone(PHONE).email(EMAIL));
        BulkImportException taken = assertRefusedCleanly(() -> contacts.importAll(List.of(
                        NewContact.named("Fine").phone("+1 212 555 0101"), NewContact.named(NAME).phone(PHONE_NATIONAL).notes(NOTES))),
                BulkImportException.class, "row 1 phone", "already exists");
        assertThat(taken.errors()).hasSize(1);
    }

    @Test
    void appointmentsAndServiceTypesDoNotEchoInput(@Admin DSLContext admin) {
        assertRefusedCleanly(() -> ServiceType.of(NAME), InvalidInputException.class, "serviceType", "must be one of");
        assertRefusedCleanly(() -> ServiceType.of(PHONE), InvalidInputException.class, "serviceType", "must be one of");
        Contact patient = voxanne.contacts(ann).create(NewContact.named(NAME).phone(PHONE).notes(NOTES));
        Appointments appointments = voxanne.appointments(ann);
        OffsetDateTime start = OffsetDateTime.now().plusDays(2).truncatedTo(ChronoUnit.HOURS);
        Appointment booked = appointments.book(patient.id(), ServiceType.values()[0], start, Duration.ofMinutes(30));
        assertRefusedCleanly(() -> appointments.book(patient.id(), ServiceType.values()[0], start.plusMinutes(10),
                Duration.ofMinutes(30)), DoubleBookingException.class, "overlaps");
        appointments.changeStatus(booked.id(), AppointmentStatus.CANCELLED);
        assertRefusedCleanly(() -> appointments.changeStatus(booked.id(), AppointmentStatus.CONFIRMED),
                InvalidTransitionException.class, "cannot go from");
        assertRefusedCleanly(() -> voxanne.appointments(bob).book(patient.id(), ServiceType.values()[0], start,
                Duration.ofMinutes(30)), NotFoundException.class, "contact");

        // notes and a calendar link are written by other systems; the record still never prints them
        admin.execute("update public.appointments set notes = {0}, calendar_link = {1} where id = {2}",
                NOTES, "https://calendar.example.org/canary-7431", booked.id());
        Appointment withNotes = appointments.get(booked.id());
        assertThat(withNotes.notes()).isEqualTo(NOTES);
        assertClean("Appointment.toString", withNotes.toString());
        assertThat(withNotes.toString()).contains("id=" + booked.id()).contains("notes=<redacted>")
                .contains("calendarLink=<redacted>").contains("status=CANCELLED");
    }

    @Test
    void notificationsNameTheFieldAndTheRuleNeverTheText() throws Exception {
        Notifications notifications = voxanne.notifications(ann);
        UUID me = ann.userId();
        assertRefusedCleanly(() -> notifications.create(me, NewNotification.of(NotificationType.values()[0],
                NAME.repeat(14), NOTES)), InvalidInputException.class, "title", "at most 200 characters");
        assertRefusedCleanly(() -> notifications.create(me, NewNotification.of(NotificationType.values()[0],
                NAME, NOTES.repeat(240))), InvalidInputException.class, "message", "at most 4000 characters");
        assertRefusedCleanly(() -> notifications.create(me, NewNotification.of(NotificationType.values()[0],
                NAME, NOTES).actionUrl("javascript:alert('canary-7431')")), InvalidInputException.class, "actionUrl");
        assertRefusedCleanly(() -> notifications.create(me, NewNotification.of(NotificationType.values()[0],
                NAME, NOTES).expiresAt(OffsetDateTime.now().minusDays(1))), InvalidInputException.class, "expiresAt");
        // a related contact of another organization: refused by the database (V14), without the text
        Contact elsewhere = voxanne.contacts(bob).create(NewContact.named(NAME).phone(PHONE));
        assertRefusedCleanly(() -> notifications.create(me,
                NewNotification.of(NotificationType.values()[0], NAME, NOTES).relatedTo(RelatedEntityType.CONTACT,
                        elsewhere.id())), InvalidInputException.class, "refers to a row that does not exist");

        assumeFalse(TestPostgresConfig.fromEnvironment().loginUrl().isPresent(), "the login role's connections go"
                + " through a pooler (voxanne.test.login-url): LISTEN needs a session of its own, which a"
                + " transaction-mode pooler does not keep (docs/production.md)");
        List<NotificationEvent> events = new CopyOnWriteArrayList<>();
        try (NotificationSubscription ignored = voxanne.subscribeToNotifications(ann, events::add)) {
            NewNotification draft = NewNotification.of(NotificationType.values()[0], NAME, NOTES + " " + PHONE)
                    .actionUrl("/contacts/canary-7431");
            assertClean("NewNotification.toString", draft.toString());
            assertThat(draft.toString()).contains("title=<redacted>").contains("message=<redacted>")
                    .contains("actionUrl=<redacted>");
            UUID id = notifications.create(me, draft);
            Notification stored = notifications.get(id);
            assertThat(stored.title()).isEqualTo(NAME);
            assertClean("Notification.toString", stored.toString());
            assertThat(stored.toString()).contains("id=" + id).contains("title=<redacted>").contains("message=<redacted>");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (events.stream().noneMatch(e -> e.notificationId().equals(id)) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(events).extracting(NotificationEvent::notificationId).contains(id);
            events.forEach(e -> assertClean("NotificationEvent.toString", e.toString()));
        }
    }

    @Test
    void valueObjectsShowWhichFieldsAreSetNeverTheirValues() {
        NewContact draft = NewContact.named(NAME).phone(PHONE).email(EMAIL).notes(NOTES)
                .serviceInterests(List.of("canary 7431 botox"));
        assertClean("NewContact.toString", draft.toString());
        assertThat(draft.toString()).contains("name=<redacted>", "phone=<redacted>", "email=<redacted>",
                "notes=<redacted>", "serviceInterests=<redacted>", "leadStatus=NEW");
        assertThat(NewContact.named(NAME).toString()).contains("phone=null", "email=null", "notes=null", "serviceInterests=[]");

        Contact contact = voxanne.contacts(ann).create(draft);
        assertClean("Contact.toString", contact.toString());
        assertThat(contact.toString()).startsWith("Contact[id=" + contact.id() + ", organizationId=" + ann.organizationId())
                .contains("name=<redacted>", "phone=<redacted>", "email=<redacted>", "notes=<redacted>", "leadScore=COLD");
        assertThat(contact).as("equals still compares the values").isEqualTo(voxanne.contacts(ann).get(contact.id()))
                .isNotEqualTo(voxanne.contacts(ann).update(contact.id(), ContactUpdate.empty().notes(null)));

        ContactUpdate update = ContactUpdate.empty().name(NAME).phone(PHONE).email(null).notes(NOTES)
                .serviceInterests(List.of(NAME)).leadStatus(LeadStatusType.QUALIFIED);
        assertClean("ContactUpdate.toString", update.toString());
        assertThat(update.toString()).isEqualTo("ContactUpdate[name=<redacted>, phone=<redacted>, email=null,"
                + " serviceInterests=<redacted>, leadStatus=QUALIFIED, notes=<redacted>]");

        ContactQuery query = ContactQuery.all().search(PHONE).serviceInterest(NAME);
        assertClean("ContactQuery.toString", query.toString());
        assertThat(query.toString()).contains("search=<redacted>", "serviceInterest=<redacted>");
        Page<Contact> page = voxanne.contacts(ann).list(ContactQuery.all().search(PHONE_NATIONAL));
        assertThat(page.items()).extracting(Contact::id).contains(contact.id());
        assertClean("Page.toString", page.toString());

        // the audit trail holds the contact's row; its events print that only as present
        List<AuditEvent> trail = voxanne.service().audit().events(AuditQuery.organization(ann.organizationId())).items();
        assertThat(trail).anySatisfy(e -> assertThat(e.rowData().toString()).contains("canary"));
        trail.forEach(e -> assertClean("AuditEvent.toString", e.toString()));
        assertThat(trail).anySatisfy(e -> assertThat(e.toString()).contains("rowData=<redacted>", "tableName=contacts"));
    }

    @Test
    void aTenantContextDoesNotEchoWhatWasPassedForAnId() {
        assertRefusedCleanly(() -> OrgContext.parse(ann.organizationId().toString(), EMAIL),
                TenantContextException.class, "user id is not a UUID");
        assertRefusedCleanly(() -> OrgContext.parse(PHONE, ann.userId().toString()),
                TenantContextException.class, "organization id is not a UUID");
    }

    @Test
    void everyRefusalAboveWouldHaveLeakedBeforeScrubbing() {
        // the messages in the style the library used to build carry the number, and the detector sees
        // them (SqlErrorsScrubbingTest shows the same for the database's own error text)
        assertThat(leaks("'" + PHONE + " 99999' is not a possible phone number")).isTrue();
        assertThat(Arrays.asList(PHONE, EMAIL, NAME)).allMatch(PatientMarkers::leaks);
    }
}
