package com.voxanne.dao.internal;

import static com.voxanne.schema.jooq.Tables.CONTACTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.dao.Appointment;
import com.voxanne.dao.Appointments;
import com.voxanne.dao.Contact;
import com.voxanne.dao.ContactUpdate;
import com.voxanne.dao.Contacts;
import com.voxanne.dao.DatabaseKind;
import com.voxanne.dao.DuplicateException;
import com.voxanne.dao.NewContact;
import com.voxanne.dao.NewNotification;
import com.voxanne.dao.Notification;
import com.voxanne.dao.Notifications;
import com.voxanne.dao.RelatedEntityType;
import com.voxanne.dao.ServiceType;
import com.voxanne.dao.Voxanne;
import com.voxanne.dao.VoxanneObserver;
import com.voxanne.dao.WebhookOutcome;
import com.voxanne.schema.jooq.enums.AppointmentStatus;
import com.voxanne.schema.jooq.enums.LeadScoreType;
import com.voxanne.schema.jooq.enums.LeadStatusType;
import com.voxanne.schema.jooq.enums.NotificationPriority;
import com.voxanne.schema.jooq.enums.NotificationStatus;
import com.voxanne.schema.jooq.enums.NotificationType;
import com.voxanne.schema.jsonb.NotificationChannel;
import com.voxanne.schema.session.RequestClaims;
import com.voxanne.schema.session.RoleTimeouts;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Function;
import javax.sql.DataSource;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Writes rendered once per shape: each call binds its own values where its parts put them (NULL too), the
 * repositories' writes render nothing on a second pass with other values, and a part that does not use
 * what it binds is refused.
 */
@VoxannePostgres
class RenderedWritesTest {

    private Transactions transactions;
    private DataSource login;
    private User ann;
    private RequestClaims claims;

    @BeforeEach
    void setUp(DataSource login, Tenants tenants) {
        this.login = login;
        transactions = new Transactions(login, RoleTimeouts.defaults(), VoxanneObserver.NONE, DatabaseKind.placement(login));
        ann = tenants.organization("Clinic " + UUID.randomUUID()).user("ann");
        claims = ann.claims();
    }

    @Test
    void everyCallOfAShapeWritesItsOwnValuesAndNullsWhereItsPartsPutThem() {
        // the same shapes twice: first with every optional value set, then with each of them NULL, then set again
        Contact full = inUnit(unit -> tenant(unit).contacts().create(NewContact.named("Ann Lee").phone("+12125550198")
                .email("ann@clinic.test").serviceInterests(List.of("botox", "filler")).leadScore(LeadScoreType.HOT)
                .leadStatus(LeadStatusType.CONTACTED).notes("prefers mornings")));
        Contact bare = inUnit(unit -> tenant(unit).contacts().create(NewContact.named("Bo Lee")));
        Contact again = inUnit(unit -> tenant(unit).contacts().create(NewContact.named("Cy Lee").email("cy@clinic.test")
                .notes("calls back")));
        assertThat(List.of(full.name(), full.phone(), full.email(), full.serviceInterests(), full.leadScore(),
                full.leadStatus(), full.notes()))
                .containsExactly("Ann Lee", "+12125550198", "ann@clinic.test", List.of("botox", "filler"),
                        LeadScoreType.HOT, LeadStatusType.CONTACTED, "prefers mornings");
        assertThat(List.of(bare.name(), bare.serviceInterests(), bare.leadScore(), bare.leadStatus()))
                .containsExactly("Bo Lee", List.of(), LeadScoreType.COLD, LeadStatusType.NEW);
        assertThat(bare.phone()).isNull();
        assertThat(bare.email()).isNull();
        assertThat(bare.notes()).isNull();
        assertThat(List.of(again.name(), again.email(), again.notes())).containsExactly("Cy Lee", "cy@clinic.test", "calls back");
        // each read back is what the write returned: the values went to their own columns and rows
        inUnit(unit -> {
            Contacts contacts = tenant(unit).contacts();
            assertThat(contacts.get(full.id())).isEqualTo(full);
            assertThat(contacts.get(bare.id())).isEqualTo(bare);
            assertThat(contacts.get(again.id())).isEqualTo(again);
            return null;
        });

        // one update shape (email, notes), with values, with NULLs, with values: each row gets its own
        Contact cleared = inUnit(unit -> tenant(unit).contacts().update(full.id(), ContactUpdate.empty().email(null).notes(null)));
        Contact set = inUnit(unit -> tenant(unit).contacts().update(bare.id(),
                ContactUpdate.empty().email("bo@clinic.test").notes("new notes")));
        assertThat(cleared.email()).isNull();
        assertThat(cleared.notes()).isNull();
        assertThat(cleared.phone()).isEqualTo("+12125550198");
        assertThat(List.of(set.email(), set.notes())).containsExactly("bo@clinic.test", "new notes");
        inUnit(unit -> {
            assertThat(tenant(unit).contacts().get(again.id())).isEqualTo(again);
            return null;
        });
    }

    @Test
    void aNotificationCallBindsEveryArgumentToItsOwnParameterNullOrNot() {
        UUID related = inUnit(unit -> tenant(unit).contacts().create(NewContact.named("Ann Lee")).id());
        UUID chosen = UUID.randomUUID();
        OffsetDateTime expires = OffsetDateTime.now(ZoneOffset.UTC).plusDays(2).truncatedTo(ChronoUnit.MICROS);
        UUID plain = inUnit(unit -> tenant(unit).notifications().create(ann.id(),
                NewNotification.of(NotificationType.HOT_LEAD, "Hot lead", "A caller asked for botox")));
        UUID full = inUnit(unit -> tenant(unit).notifications().create(ann.id(),
                NewNotification.of(NotificationType.SYSTEM_ALERT, "Alert", "Check the calendar")
                        .relatedTo(RelatedEntityType.CONTACT, related).priority(NotificationPriority.HIGH)
                        .actionUrl("/contacts/1").channels(Set.of(NotificationChannel.IN_APP, NotificationChannel.EMAIL))
                        .expiresAt(expires).id(chosen)));
        assertThat(full).isEqualTo(chosen);
        inUnit(unit -> {
            Notifications notifications = tenant(unit).notifications();
            Notification first = notifications.get(plain);
            assertThat(List.of(first.type(), first.title(), first.message(), first.priority(), first.channels()))
                    .containsExactly(NotificationType.HOT_LEAD, "Hot lead", "A caller asked for botox",
                            NotificationPriority.NORMAL, Set.of(NotificationChannel.IN_APP));
            assertThat(first.relatedEntityId()).isNull();
            assertThat(first.actionUrl()).isNull();
            Notification second = notifications.get(full);
            assertThat(List.of(second.type(), second.title(), second.message(), second.relatedEntityType(),
                    second.relatedEntityId(), second.priority(), second.actionUrl(), second.channels(), second.expiresAt()))
                    .containsExactly(NotificationType.SYSTEM_ALERT, "Alert", "Check the calendar", RelatedEntityType.CONTACT,
                            related, NotificationPriority.HIGH, "/contacts/1",
                            Set.of(NotificationChannel.IN_APP, NotificationChannel.EMAIL), expires);
            return null;
        });
    }

    @Test
    void theRepositoriesWritesRenderEachShapeOnceWhateverTheValues() {
        // every write once, to fill the caches, then again with other values: nothing more to render
        everyWrite("+12125550101", "first");
        long writes = RenderedWrites.renders();
        long reads = RenderedReads.renders();
        everyWrite("+12125550102", "second");
        assertThat(RenderedWrites.renders()).isEqualTo(writes);
        assertThat(RenderedReads.renders()).isEqualTo(reads);
    }

    private void everyWrite(String phone, String text) {
        OffsetDateTime nine = OffsetDateTime.now(ZoneOffset.UTC).plusDays(text.length()).truncatedTo(ChronoUnit.HOURS);
        UUID contactId = inUnit(unit -> {
            Contacts contacts = tenant(unit).contacts();
            Contact contact = contacts.create(NewContact.named("Ann " + text).phone(phone).notes(text));
            contacts.update(contact.id(), ContactUpdate.empty().notes(text + " again").leadScore(LeadScoreType.WARM));
            contacts.update(contact.id(), ContactUpdate.empty().name("Ann " + text).phone(phone).email(text + "@clinic.test")
                    .serviceInterests(List.of(text)).leadScore(LeadScoreType.HOT).leadStatus(LeadStatusType.QUALIFIED)
                    .notes(null));
            contacts.touch(contact.id());
            contacts.recordContact(contact.id(), OffsetDateTime.now().minusMinutes(text.length()));
            contacts.delete(contacts.create(NewContact.named("Gone " + text)).id());
            // a caller's id: the insert, then a retry with the same id that returns the row the first made
            UUID chosen = UUID.randomUUID();
            Contact withId = contacts.create(NewContact.named("Cy " + text).notes(text).id(chosen));
            assertThat(withId.id()).isEqualTo(chosen);
            assertThat(contacts.create(NewContact.named("Cy " + text).id(chosen))).isEqualTo(withId);
            return contact.id();
        });
        inUnit(unit -> {
            Appointments appointments = tenant(unit).appointments();
            Appointment booked = appointments.book(contactId, ServiceType.BOTOX, nine, Duration.ofMinutes(30));
            appointments.book(contactId, ServiceType.FILLER, nine.plusHours(1), Duration.ofMinutes(45), UUID.randomUUID());
            appointments.changeStatus(booked.id(), AppointmentStatus.CONFIRMED);
            appointments.reschedule(booked.id(), nine.plusHours(2), Duration.ofMinutes(text.length()));
            appointments.markConfirmationSent(booked.id());
            appointments.softDelete(booked.id());
            appointments.restore(booked.id());
            return null;
        });
        inUnit(unit -> {
            Notifications notifications = tenant(unit).notifications();
            UUID id = notifications.create(ann.id(), NewNotification.of(NotificationType.HOT_LEAD, text, text));
            notifications.markRead(id);
            notifications.markRead(id);   // already read: the row as it is
            notifications.archive(id);
            notifications.create(ann.id(), NewNotification.of(NotificationType.SYSTEM_ALERT, text, text));
            notifications.markAllRead();
            return null;
        });
        Voxanne voxanne = Voxanne.create(login);
        UUID org = ann.organization().id();
        assertThat(voxanne.service().webhooks().processOnce(org, "event:" + text, "call.ended", tx -> { }))
                .isEqualTo(WebhookOutcome.PROCESSED);
        assertThat(voxanne.service().webhooks().processOnce(org, "event:" + text, "call.ended", tx -> { }))
                .isEqualTo(WebhookOutcome.DUPLICATE);
    }

    @Test
    void aFailedWriteIsTranslatedWhereEveryFailureOfAUnitIs() {
        inUnit(unit -> tenant(unit).contacts().create(NewContact.named("Ann Lee").phone("+12125550198")));
        assertThatThrownBy(() -> inUnit(unit -> tenant(unit).contacts().create(NewContact.named("Ann Twin").phone("+12125550198"))))
                .isInstanceOf(DuplicateException.class)
                .hasMessageNotContaining("+12125550198");
    }

    @Test
    void aPartThatBindsAValueItWasNotGivenIsRefusedWithoutNamingValues() {
        String phone = "+12125550198";
        assertThatThrownBy(() -> inUnit(unit -> RenderedWrites.update("test: own value", CONTACTS)
                .set(CONTACTS.NOTES, "x")
                .where(phone, v -> CONTACTS.PHONE.eq(DSL.val(phone)))
                .execute(unit)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("DAO bug").hasMessageContaining("none of its parts supplied")
                .hasMessageNotContaining(phone);
    }

    @Test
    void aPartThatDoesNotUseItsValueIsRefusedWithoutNamingIt() {
        String phone = "+12125550198";
        assertThatThrownBy(() -> inUnit(unit -> RenderedWrites.update("test: unused value", CONTACTS)
                .set(CONTACTS.NOTES, "x")
                .where(phone, v -> DSL.falseCondition())
                .execute(unit)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("DAO bug").hasMessageContaining("never uses its value 2")
                .hasMessageNotContaining(phone);
    }

    @Test
    void aConditionOnNullIsRefused() {
        assertThatThrownBy(() -> inUnit(unit -> RenderedWrites.deleteFrom("test: null", CONTACTS)
                .where((UUID) null, v -> CONTACTS.ID.eq(v))
                .execute(unit)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("binds null");
    }

    private TenantTransactionImpl tenant(Unit unit) {
        return new TenantTransactionImpl(unit, ann.organization().id(), ann.id(), new Inputs("US"),
                com.voxanne.dao.VoxanneObserver.NONE);
    }

    private <T> T inUnit(Function<Unit, T> work) {
        return transactions.inUnit(claims, Transactions.Mode.TRANSACTION, work);
    }
}
