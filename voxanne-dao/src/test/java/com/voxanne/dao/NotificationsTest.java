package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.schema.jooq.enums.NotificationPriority;
import com.voxanne.schema.jooq.enums.NotificationStatus;
import com.voxanne.schema.jooq.enums.NotificationType;
import com.voxanne.schema.jsonb.NotificationChannel;
import com.voxanne.testkit.Admin;
import com.voxanne.testkit.DatabaseScope;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@VoxannePostgres(scope = DatabaseScope.PER_METHOD)
class NotificationsTest {

    private Voxanne voxanne;
    private OrgContext ann;
    private OrgContext amy;
    private OrgContext bob;
    private UUID bobId;

    @BeforeEach
    void setUp(DataSource login, Tenants tenants) {
        voxanne = Voxanne.create(login);
        ann = context(tenants.organization("Clinic A").user("ann"));
        amy = context(tenants.organization("Clinic A").user("amy"));
        User b = tenants.organization("Clinic B").user("bob");
        bob = context(b);
        bobId = b.id();
    }

    private static OrgContext context(User user) {
        return OrgContext.of(user.organization().id(), user.id());
    }

    private static NewNotification hotLead(String title) {
        return NewNotification.of(NotificationType.HOT_LEAD, title, "Call back today");
    }

    @Test
    void aRelatedContactMustBeTheOrganizations() {
        UUID ownContact = voxanne.contacts(ann).create(NewContact.named("Own")).id();
        UUID otherContact = voxanne.contacts(bob).create(NewContact.named("Other")).id();
        for (UUID refused : List.of(otherContact, UUID.randomUUID())) {
            assertThatThrownBy(() -> voxanne.notifications(ann).create(ann.userId(),
                    hotLead("t").relatedTo(RelatedEntityType.CONTACT, refused)))
                    .isInstanceOf(InvalidInputException.class)
                    .hasMessageNotContaining(refused.toString());
        }
        assertThat(voxanne.notifications(ann).create(ann.userId(),
                hotLead("t").relatedTo(RelatedEntityType.CONTACT, ownContact))).isNotNull();
    }

    @Test
    void createKeepsEveryFieldAndGetReturnsIt() {
        UUID contact = voxanne.contacts(ann).create(NewContact.named("Related")).id();
        OffsetDateTime expires = OffsetDateTime.now().plusDays(3).truncatedTo(ChronoUnit.MILLIS);
        UUID id = voxanne.notifications(ann).create(ann.userId(), NewNotification
                .of(NotificationType.APPOINTMENT_BOOKED, "  Botox booked  ", "Tuesday 10:00")
                .relatedTo(RelatedEntityType.CONTACT, contact)
                .priority(NotificationPriority.HIGH)
                .actionUrl("/contacts/" + contact)
                .channels(Set.of(NotificationChannel.SMS, NotificationChannel.IN_APP))
                .expiresAt(expires));

        Notification n = voxanne.notifications(ann).get(id);
        assertThat(n.id()).isEqualTo(id);
        assertThat(n.organizationId()).isEqualTo(ann.organizationId());
        assertThat(n.userId()).isEqualTo(ann.userId());
        assertThat(n.type()).isEqualTo(NotificationType.APPOINTMENT_BOOKED);
        assertThat(n.title()).isEqualTo("Botox booked");
        assertThat(n.message()).isEqualTo("Tuesday 10:00");
        assertThat(n.relatedEntityType()).isEqualTo(RelatedEntityType.CONTACT);
        assertThat(n.relatedEntityId()).isEqualTo(contact);
        assertThat(n.priority()).isEqualTo(NotificationPriority.HIGH);
        assertThat(n.actionUrl()).isEqualTo("/contacts/" + contact);
        assertThat(n.channels()).containsExactlyInAnyOrder(NotificationChannel.SMS, NotificationChannel.IN_APP);
        assertThat(n.expiresAt()).isEqualTo(expires.toInstant().atOffset(n.expiresAt().getOffset()));
        assertThat(n.status()).isEqualTo(NotificationStatus.UNREAD);
        assertThat(n.readAt()).isNull();
    }

    @Test
    void createHasTheDatabaseDefaults() {
        Notification n = voxanne.notifications(ann).get(voxanne.notifications(ann).create(ann.userId(), hotLead("Lead")));
        assertThat(n.priority()).isEqualTo(NotificationPriority.NORMAL);
        assertThat(n.channels()).containsExactly(NotificationChannel.IN_APP);
        assertThat(n.relatedEntityType()).isNull();
        assertThat(n.actionUrl()).isNull();
        assertThat(n.expiresAt()).isBetween(OffsetDateTime.now().plusDays(29), OffsetDateTime.now().plusDays(31));
    }

    @Test
    void aUserMayNotifyAnotherUserOfItsOrganizationButNotReadItBack() {
        UUID id = voxanne.notifications(ann).create(amy.userId(), hotLead("For Amy"));
        assertThat(voxanne.notifications(amy).get(id).title()).isEqualTo("For Amy");
        assertThatThrownBy(() -> voxanne.notifications(ann).get(id)).isInstanceOf(NotFoundException.class);
    }

    @Test
    void notifyingOutsideTheOrganizationIsRefused() {
        assertThatThrownBy(() -> voxanne.notifications(ann).create(bobId, hotLead("For Bob")))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> voxanne.notifications(ann).create(UUID.randomUUID(), hotLead("For nobody")))
                .isInstanceOf(AccessDeniedException.class);
        assertThat(voxanne.notifications(bob).list(NotificationQuery.all()).items()).isEmpty();
    }

    @Test
    void aSuspendedOrganizationCannotNotify(Tenants tenants) {
        User sue = tenants.organization("Clinic S").user("sue");
        OrgContext s = context(sue);
        voxanne.service().organizations().suspend(s.organizationId());
        assertThatThrownBy(() -> voxanne.notifications(s).create(sue.id(), hotLead("x")))
                .isInstanceOf(AccessDeniedException.class);
        assertThatThrownBy(() -> voxanne.service().webhooks().processOnce(s.organizationId(), "evt-s", "call.ended",
                tx -> tx.notifications().create(sue.id(), hotLead("x"))))
                .isInstanceOf(AccessDeniedException.class);
    }

    @Test
    void invalidInputIsRefusedBeforeSql() {
        Notifications mine = voxanne.notifications(ann);
        assertInvalid("userId", () -> mine.create(null, hotLead("x")));
        assertInvalid("notification", () -> mine.create(ann.userId(), null));
        assertInvalid("type", () -> mine.create(ann.userId(), NewNotification.of(null, "t", "m")));
        assertInvalid("title", () -> mine.create(ann.userId(), hotLead("   ")));
        assertInvalid("title", () -> mine.create(ann.userId(), hotLead("x".repeat(201))));
        assertInvalid("message", () -> mine.create(ann.userId(), NewNotification.of(NotificationType.VOICEMAIL, "t", null)));
        assertInvalid("message", () -> mine.create(ann.userId(),
                NewNotification.of(NotificationType.VOICEMAIL, "t", "m".repeat(4001))));
        assertInvalid("priority", () -> mine.create(ann.userId(), hotLead("x").priority(null)));
        for (String url : List.of("http://example.com", "//evil.example", "javascript:alert(1)", "/a b", "/\\evil",
                "/", "https://x/" + "a".repeat(2048))) {
            assertInvalid("actionUrl", () -> mine.create(ann.userId(), hotLead("x").actionUrl(url)));
        }
        assertInvalid("channels", () -> mine.create(ann.userId(), hotLead("x").channels(Set.of())));
        assertInvalid("channels", () -> mine.create(ann.userId(), hotLead("x").channels(null)));
        Set<NotificationChannel> withNull = new HashSet<>();
        withNull.add(null);
        assertInvalid("channels", () -> mine.create(ann.userId(), hotLead("x").channels(withNull)));
        assertInvalid("expiresAt", () -> mine.create(ann.userId(), hotLead("x").expiresAt(OffsetDateTime.now().minusMinutes(1))));
        assertInvalid("id", () -> mine.get(null));
        assertInvalid("id", () -> mine.markRead(null));
        assertInvalid("id", () -> mine.archive(null));
        assertInvalid("query", () -> mine.list(null));
        assertThat(mine.list(NotificationQuery.all()).items()).isEmpty();

        UUID ok = mine.create(ann.userId(), hotLead("x").actionUrl("https://clinic.example/a?b=c")
                .relatedTo(RelatedEntityType.SYSTEM, null));
        assertThat(mine.get(ok).relatedEntityType()).isEqualTo(RelatedEntityType.SYSTEM);
    }

    private static void assertInvalid(String field, org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        assertThatThrownBy(call).isInstanceOfSatisfying(InvalidInputException.class,
                e -> assertThat(e.field()).isEqualTo(field));
    }

    @Test
    void listPagesNewestFirstWithoutGapsOrRepeats() {
        // five in one transaction share created_at: the id decides, across page boundaries too
        List<UUID> sameInstant = voxanne.inOrg(ann, tx -> {
            List<UUID> ids = new ArrayList<>();
            for (int i = 0; i < 5; i++) {
                ids.add(tx.notifications().create(ann.userId(), hotLead("same " + i)));
            }
            return ids;
        });
        UUID newest = voxanne.notifications(ann).create(ann.userId(), hotLead("newest"));

        List<Notification> seen = new ArrayList<>();
        NotificationQuery query = NotificationQuery.all().limit(2);
        Page<Notification> page;
        int pages = 0;
        do {
            page = voxanne.notifications(ann).list(query);
            seen.addAll(page.items());
            query = query.after(page.nextCursor().orElse(null));
            pages++;
        } while (page.hasNext());
        assertThat(pages).isEqualTo(3);
        assertThat(seen).extracting(Notification::id).first().isEqualTo(newest);
        List<UUID> rest = seen.stream().skip(1).map(Notification::id).toList();
        // PostgreSQL orders uuids bytewise, as their canonical text sorts (UUID.compareTo is signed)
        assertThat(rest).containsExactlyElementsOf(sameInstant.stream()
                .sorted(Comparator.comparing(UUID::toString).reversed()).toList());
        assertThat(voxanne.notifications(ann).list(NotificationQuery.all().limit(6)).hasNext()).isFalse();
    }

    @Test
    void listFiltersByStatusAndType() {
        Notifications mine = voxanne.notifications(ann);
        UUID lead = mine.create(ann.userId(), hotLead("lead"));
        UUID missed = mine.create(ann.userId(), NewNotification.of(NotificationType.MISSED_CALL, "missed", "m"));
        UUID voicemail = mine.create(ann.userId(), NewNotification.of(NotificationType.VOICEMAIL, "vm", "m"));
        mine.markRead(missed);
        mine.archive(voicemail);

        assertThat(ids(mine.list(NotificationQuery.all().status(NotificationStatus.UNREAD)))).containsExactly(lead);
        assertThat(ids(mine.list(NotificationQuery.all().status(NotificationStatus.READ)))).containsExactly(missed);
        assertThat(ids(mine.list(NotificationQuery.all().status(NotificationStatus.ARCHIVED)))).containsExactly(voicemail);
        assertThat(ids(mine.list(NotificationQuery.all().type(NotificationType.MISSED_CALL)))).containsExactly(missed);
        assertThat(ids(mine.list(NotificationQuery.all().type(NotificationType.MISSED_CALL)
                .status(NotificationStatus.UNREAD)))).isEmpty();
        assertThat(ids(mine.list(NotificationQuery.all()))).containsExactly(voicemail, missed, lead);
    }

    private static List<UUID> ids(Page<Notification> page) {
        return page.items().stream().map(Notification::id).toList();
    }

    @Test
    void badLimitsAndTamperedCursorsAreRefused() {
        Notifications mine = voxanne.notifications(ann);
        assertInvalid("limit", () -> mine.list(NotificationQuery.all().limit(0)));
        assertInvalid("limit", () -> mine.list(NotificationQuery.all().limit(101)));
        Base64.Encoder b64 = Base64.getUrlEncoder();
        for (String cursor : List.of("not base64 !", b64.encodeToString("no separator".getBytes()),
                b64.encodeToString("yesterday|x".getBytes()), b64.encodeToString("2024-01-01T00:00:00Z|nope".getBytes()))) {
            assertInvalid("cursor", () -> mine.list(NotificationQuery.all().after(cursor)));
        }
    }

    @Test
    void readingAndArchivingChangeOnlyTheOwnersStatus() {
        Notifications mine = voxanne.notifications(ann);
        UUID first = mine.create(ann.userId(), hotLead("1"));
        UUID second = mine.create(ann.userId(), hotLead("2"));
        UUID third = mine.create(ann.userId(), hotLead("3"));
        voxanne.notifications(amy).create(amy.userId(), hotLead("Amy's"));
        assertThat(mine.unreadCount()).isEqualTo(3);

        Notification read = mine.markRead(first);
        assertThat(read.status()).isEqualTo(NotificationStatus.READ);
        assertThat(read.readAt()).isNotNull();
        assertThat(mine.markRead(first).readAt()).as("read once").isEqualTo(read.readAt());
        assertThat(mine.unreadCount()).isEqualTo(2);

        Notification archived = mine.archive(second);
        assertThat(archived.status()).isEqualTo(NotificationStatus.ARCHIVED);
        assertThat(mine.archive(second).status()).isEqualTo(NotificationStatus.ARCHIVED);
        assertThat(mine.markRead(second).status()).as("stays archived").isEqualTo(NotificationStatus.ARCHIVED);

        assertThat(mine.markAllRead()).isEqualTo(1);
        assertThat(mine.get(third).status()).isEqualTo(NotificationStatus.READ);
        assertThat(mine.markAllRead()).isZero();
        assertThat(mine.unreadCount()).isZero();
        assertThat(voxanne.notifications(amy).unreadCount()).as("Amy's untouched").isEqualTo(1);
    }

    @Test
    void anotherUsersOrAnotherOrganizationsNotificationIsNotFound() {
        UUID annsId = voxanne.notifications(ann).create(ann.userId(), hotLead("Patient Jane Doe"));
        for (OrgContext other : List.of(amy, bob)) {
            Notifications theirs = voxanne.notifications(other);
            assertThatThrownBy(() -> theirs.get(annsId)).isInstanceOf(NotFoundException.class)
                    .hasMessageNotContaining("Jane");
            assertThatThrownBy(() -> theirs.markRead(annsId)).isInstanceOf(NotFoundException.class);
            assertThatThrownBy(() -> theirs.archive(annsId)).isInstanceOf(NotFoundException.class);
            assertThat(theirs.list(NotificationQuery.all()).items()).isEmpty();
            assertThat(theirs.unreadCount()).isZero();
            assertThat(theirs.markAllRead()).isZero();
        }
        assertThatThrownBy(() -> voxanne.notifications(ann).get(UUID.randomUUID())).isInstanceOf(NotFoundException.class);
        Notification untouched = voxanne.notifications(ann).get(annsId);
        assertThat(untouched.status()).isEqualTo(NotificationStatus.UNREAD);
    }

    @Test
    void aServiceScopeCreatesForAnyUserOfTheOrganizationAndNothingElse() {
        List<UUID> created = new ArrayList<>();
        voxanne.service().webhooks().processOnce(ann.organizationId(), "evt-n1", "call.ended", tx -> {
            created.add(tx.notifications().create(ann.userId(), hotLead("from the webhook")));
            created.add(tx.notifications().create(amy.userId(), hotLead("for Amy too")));
            List<Consumer<Notifications>> userOnly = List.of(n -> n.get(created.get(0)),
                    n -> n.list(NotificationQuery.all()), Notifications::unreadCount, n -> n.markRead(created.get(0)),
                    Notifications::markAllRead, n -> n.archive(created.get(0)));
            for (Consumer<Notifications> call : userOnly) {
                assertThatThrownBy(() -> call.accept(tx.notifications())).isInstanceOf(TenantContextException.class);
            }
        });
        assertThat(voxanne.notifications(ann).get(created.get(0)).title()).isEqualTo("from the webhook");
        assertThat(voxanne.notifications(amy).get(created.get(1)).title()).isEqualTo("for Amy too");

        assertThatThrownBy(() -> voxanne.service().webhooks().processOnce(ann.organizationId(), "evt-n2", "call.ended",
                tx -> tx.notifications().create(bobId, hotLead("cross-org"))))
                .isInstanceOf(AccessDeniedException.class);
        assertThat(voxanne.notifications(bob).unreadCount()).isZero();
    }

    @Test
    void aUnitOfWorkIsAllOrNothing() {
        assertThatThrownBy(() -> voxanne.runInOrg(ann, tx -> {
            tx.notifications().create(ann.userId(), hotLead("doomed"));
            tx.notifications().create(bobId, hotLead("refused"));
        })).isInstanceOf(AccessDeniedException.class);
        assertThat(voxanne.notifications(ann).unreadCount()).isZero();
    }

    @Test
    void expiryArchivesWhatHasExpiredInEveryOrganization(@Admin DSLContext admin) {
        UUID annsOld = voxanne.notifications(ann).create(ann.userId(), hotLead("old"));
        UUID annsRead = voxanne.notifications(ann).create(ann.userId(), hotLead("old, read"));
        voxanne.notifications(ann).markRead(annsRead);
        UUID annsFresh = voxanne.notifications(ann).create(ann.userId(), hotLead("fresh"));
        UUID bobsOld = voxanne.notifications(bob).create(bob.userId(), hotLead("old"));
        // create_notification refuses an expiry in the past, so the test moves it back as the admin
        admin.execute("update public.notifications set expires_at = now() - interval '1 minute' where id in ({0}, {1}, {2})",
                DSL.val(annsOld), DSL.val(annsRead), DSL.val(bobsOld));

        assertThat(voxanne.service().notifications().expire()).isEqualTo(3);
        assertThat(voxanne.service().notifications().expire()).isZero();
        assertThat(voxanne.notifications(ann).get(annsOld).status()).isEqualTo(NotificationStatus.ARCHIVED);
        assertThat(voxanne.notifications(ann).get(annsRead).status()).isEqualTo(NotificationStatus.ARCHIVED);
        assertThat(voxanne.notifications(ann).get(annsFresh).status()).isEqualTo(NotificationStatus.UNREAD);
        assertThat(voxanne.notifications(bob).get(bobsOld).status()).isEqualTo(NotificationStatus.ARCHIVED);
    }
}
