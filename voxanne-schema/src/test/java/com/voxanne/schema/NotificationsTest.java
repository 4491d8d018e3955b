package com.voxanne.schema;

import static com.voxanne.schema.SchemaTestSupport.admin;
import static com.voxanne.schema.SchemaTestSupport.adminColumn;
import static com.voxanne.schema.SchemaTestSupport.column;
import static com.voxanne.schema.SchemaTestSupport.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import com.voxanne.schema.session.RequestClaims;
import com.voxanne.testkit.postgres.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.assertj.core.api.AbstractThrowableAssert;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Notifications belong to one user of one organization: only that user sees them and may only mark them
 * read or archived; they are created through create_notification(), expired by the service, and
 * announced on a LISTEN channel with ids only.
 */
class NotificationsTest {

    private static final RequestClaims SERVICE = RequestClaims.service();
    private static final String TITLE = "Hot lead: Ann Example";
    private static final String MESSAGE = "Ann Example (+15550100123) asked about botox";
    /** All eleven parameters, so that any of them can be varied. */
    private static final String CREATE_FULL = "select public.create_notification(?, ?, ?::public.notification_type, ?, ?,"
            + " null, ?, 'normal', null, ?::jsonb, ?::timestamptz)";

    private static TestDatabase db;
    private static UUID orgA;
    private static UUID orgB;
    private static UUID alice;
    private static UUID colleague;
    private static UUID bob;

    @BeforeAll
    static void twoClinics() throws SQLException {
        db = SchemaTestSupport.migratedDatabase();
        orgA = SchemaTestSupport.organization(db, "Clinic A");
        orgB = SchemaTestSupport.organization(db, "Clinic B");
        alice = SchemaTestSupport.user(db, orgA);
        colleague = SchemaTestSupport.user(db, orgA);
        bob = SchemaTestSupport.user(db, orgB);
    }

    @AfterAll
    static void drop() {
        db.close();
    }

    private static RequestClaims userA(UUID user) {
        return RequestClaims.user(orgA, user);
    }

    /** create_notification(org, user, 'hot_lead', TITLE, MESSAGE) called by {@code caller}. */
    private static UUID notify(RequestClaims caller, UUID org, UUID user) throws SQLException {
        return UUID.fromString(column(db, caller, "select public.create_notification(?, ?, 'hot_lead'::public.notification_type,"
                + " ?, ?)", org, user, TITLE, MESSAGE).get(0));
    }

    private static List<String> visibleTo(RequestClaims who, UUID notification) throws SQLException {
        return column(db, who, "select id::text from public.notifications where id = ?", notification);
    }

    private static String adminField(String expression, UUID notification) throws SQLException {
        return adminColumn(db, "select (" + expression + ")::text from public.notifications where id = ?", notification).get(0);
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> assertRefused(ThrowingCallable call, String sqlState) {
        return assertThatThrownBy(call).isInstanceOf(SQLException.class).hasFieldOrPropertyWithValue("SQLState", sqlState);
    }

    // ---------------------------------------------------------------------------------------------
    // Reading and updating
    // ---------------------------------------------------------------------------------------------

    @Test
    void onlyItsUserSeesANotification() throws SQLException {
        UUID n = notify(SERVICE, orgA, alice);

        assertThat(visibleTo(userA(alice), n)).containsExactly(n.toString());
        assertThat(visibleTo(userA(colleague), n)).as("a colleague in the same organization").isEmpty();
        assertThat(visibleTo(RequestClaims.user(orgB, bob), n)).as("a user of another organization").isEmpty();
        assertThat(visibleTo(RequestClaims.user(orgB, alice), n)).as("its user with claims of another organization").isEmpty();
        assertRefused(() -> visibleTo(RequestClaims.anonymous(), n), "42501");
    }

    @Test
    void itsUserMayMarkItReadAndThenArchived() throws SQLException {
        UUID n = notify(SERVICE, orgA, alice);

        assertThat(update(db, userA(alice), "update public.notifications set status = 'read', read_at = now() where id = ?", n))
                .isOne();
        assertThat(adminField("status::text || ' ' || (read_at is not null)::text", n)).isEqualTo("read true");
        assertThat(update(db, userA(alice), "update public.notifications set status = 'archived' where id = ?", n)).isOne();
        assertThat(adminField("status", n)).isEqualTo("archived");
    }

    static Stream<Arguments> contentChanges() {
        return Stream.of(
                arguments("title = 'Changed'"),
                arguments("message = 'Changed'"),
                arguments("user_id = '" + UUID.randomUUID() + "'"),
                arguments("org_id = '" + UUID.randomUUID() + "'"),
                arguments("type = 'voicemail'"),
                arguments("priority = 'urgent'"),
                arguments("expires_at = now() + interval '10 years'"),
                arguments("action_url = 'https://evil.example/'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("contentChanges")
    void itsUserCannotChangeAnythingButStatusAndReadAt(String change) throws SQLException {
        UUID n = notify(SERVICE, orgA, alice);
        assertRefused(() -> update(db, userA(alice), "update public.notifications set " + change + " where id = ?", n),
                "42501").hasMessageContaining("permission denied");
        assertThat(adminField("title || '|' || message || '|' || user_id || '|' || org_id", n))
                .isEqualTo(TITLE + "|" + MESSAGE + "|" + alice + "|" + orgA);
    }

    @Test
    void nobodyElseCanMarkIt() throws SQLException {
        UUID n = notify(SERVICE, orgA, alice);
        String markRead = "update public.notifications set status = 'read', read_at = now() where id = ?";
        assertThat(update(db, userA(colleague), markRead, n)).isZero();
        assertThat(update(db, RequestClaims.user(orgB, bob), markRead, n)).isZero();
        assertRefused(() -> update(db, RequestClaims.anonymous(), markRead, n), "42501");
        assertThat(adminField("status", n)).isEqualTo("unread");
    }

    @Test
    void usersCannotInsertOrDeleteNotificationsDirectly() throws SQLException {
        UUID n = notify(SERVICE, orgA, alice);
        assertRefused(() -> update(db, userA(alice), "insert into public.notifications (org_id, user_id, type, title, message)"
                + " values (?, ?, 'hot_lead', 'Forged', 'Forged')", orgA, alice), "42501");
        assertRefused(() -> update(db, userA(alice), "delete from public.notifications where id = ?", n), "42501");
        assertThat(adminColumn(db, "select count(*)::text from public.notifications where title = 'Forged'")).containsExactly("0");
        assertThat(adminField("status", n)).isEqualTo("unread");
    }

    // ---------------------------------------------------------------------------------------------
    // create_notification
    // ---------------------------------------------------------------------------------------------

    @Test
    void theServiceRoleCreatesNotificationsForAUserOfTheOrganization() throws SQLException {
        UUID n = notify(SERVICE, orgA, alice);
        assertThat(adminField("org_id || ' ' || user_id || ' ' || type || ' ' || status || ' ' || title", n))
                .isEqualTo(orgA + " " + alice + " hot_lead unread " + TITLE);
        assertThat(adminField("expires_at > now() + interval '29 days'", n)).isEqualTo("true");
    }

    @Test
    void aUserMayNotifyAColleagueOfItsOwnOrganization() throws SQLException {
        UUID n = notify(userA(alice), orgA, colleague);
        assertThat(visibleTo(userA(colleague), n)).containsExactly(n.toString());
        assertThat(visibleTo(userA(alice), n)).isEmpty();
    }

    @Test
    void notificationsAcrossOrganizationsAreRefused() throws SQLException {
        String countForBob = "select count(*)::text from public.notifications where user_id = ?";
        List<String> before = adminColumn(db, countForBob, bob);

        assertRefused(() -> notify(userA(alice), orgA, bob), "42501").as("target user of another organization")
                .hasMessageContaining("not a member");
        assertRefused(() -> notify(SERVICE, orgA, bob), "42501").as("even for the service role")
                .hasMessageContaining("not a member");
        assertRefused(() -> notify(userA(alice), orgB, bob), "42501").as("claims organization differs from p_org_id")
                .hasMessageContaining("own organization");
        assertRefused(() -> notify(RequestClaims.anonymous(), orgA, alice), "42501").as("anon has no EXECUTE")
                .hasMessageContaining("permission denied for function create_notification");
        // the default organization of legacy rows is suspended: nobody is notified there
        assertRefused(() -> notify(SERVICE, UUID.fromString("00000000-0000-0000-0000-000000000001"), alice), "42501")
                .hasMessageContaining("not active");

        assertThat(adminColumn(db, countForBob, bob)).isEqualTo(before);
    }

    static Stream<Arguments> invalidInput() {
        String inApp = "[\"in_app\"]";
        return Stream.of(
                arguments("no type", null, "Title", "Message", null, inApp, null),
                arguments("empty title", "hot_lead", "", "Message", null, inApp, null),
                arguments("blank title", "hot_lead", "   ", "Message", null, inApp, null),
                arguments("title too long", "hot_lead", "x".repeat(201), "Message", null, inApp, null),
                arguments("no message", "hot_lead", "Title", null, null, inApp, null),
                arguments("message too long", "hot_lead", "Title", "x".repeat(4001), null, inApp, null),
                arguments("unknown entity type", "hot_lead", "Title", "Message", "patient", inApp, null),
                arguments("channels not an array", "hot_lead", "Title", "Message", null, "{\"in_app\": true}", null),
                arguments("unknown channel", "hot_lead", "Title", "Message", null, "[\"fax\"]", null),
                arguments("no channels", "hot_lead", "Title", "Message", null, null, null),
                arguments("expiry in the past", "hot_lead", "Title", "Message", null, inApp, "2000-01-01 00:00+00"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidInput")
    void invalidInputIsRefusedWith22023(String why, String type, String title, String message, String entityType,
                                       String channels, String expiresAt) {
        for (RequestClaims caller : new RequestClaims[] {SERVICE, userA(alice)}) {
            assertRefused(() -> column(db, caller, CREATE_FULL, orgA, alice, type, title, message, entityType, channels,
                    expiresAt), "22023").as("%s as %s", why, caller);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // expire_old_notifications
    // ---------------------------------------------------------------------------------------------

    @Test
    void expireOldNotificationsArchivesExpiredOnesAndIsForTheServiceOnly() throws SQLException {
        UUID expiredUnread = notify(SERVICE, orgA, alice);
        UUID expiredRead = notify(SERVICE, orgA, colleague);
        UUID expiredArchived = notify(SERVICE, orgB, bob);
        UUID current = notify(SERVICE, orgA, alice);
        admin(db, "update public.notifications set status = 'read' where id = ?", expiredRead);
        admin(db, "update public.notifications set status = 'archived' where id = ?", expiredArchived);
        admin(db, "update public.notifications set expires_at = now() - interval '1 minute' where id in (?, ?, ?)",
                expiredUnread, expiredRead, expiredArchived);

        String expire = "select public.expire_old_notifications()::text";
        assertRefused(() -> column(db, userA(alice), expire), "42501");
        assertRefused(() -> column(db, RequestClaims.anonymous(), expire), "42501");
        assertThat(adminField("status", expiredUnread)).isEqualTo("unread");

        assertThat(column(db, SERVICE, expire)).containsExactly("2");
        assertThat(adminField("status", expiredUnread)).isEqualTo("archived");
        assertThat(adminField("status", expiredRead)).isEqualTo("archived");
        assertThat(adminField("status", expiredArchived)).isEqualTo("archived");
        assertThat(adminField("status", current)).isEqualTo("unread");
        assertThat(column(db, SERVICE, expire)).containsExactly("0");
    }

    // ---------------------------------------------------------------------------------------------
    // LISTEN / NOTIFY
    // ---------------------------------------------------------------------------------------------

    /** The payloads received within {@code millis} (waiting no longer once one arrived). */
    private static List<String> payloads(Connection listener, int millis) throws SQLException {
        List<String> payloads = new ArrayList<>();
        PGNotification[] received = listener.unwrap(PGConnection.class).getNotifications(millis);
        if (received != null) {
            for (PGNotification n : received) {
                assertThat(n.getName()).isEqualTo("voxanne_notifications");
                payloads.add(n.getParameter());
            }
        }
        return payloads;
    }

    private static String keysAndValues(String payload) throws SQLException {
        return adminColumn(db, "select string_agg(key || '=' || value, ',' order by key) from json_each_text(?::json)",
                payload).get(0);
    }

    @Test
    void listenersReceiveIdsOnlyNeverTitleOrMessageNorTheOrganization() throws SQLException {
        try (Connection listener = db.loginDataSource().getConnection(); Statement s = listener.createStatement()) {
            s.execute("listen voxanne_notifications");

            UUID n = notify(SERVICE, orgA, alice);
            List<String> inserted = payloads(listener, 10_000);
            assertThat(inserted).hasSize(1);
            assertThat(keysAndValues(inserted.get(0)))
                    .isEqualTo("id=" + n + ",op=INSERT,user_id=" + alice);
            assertThat(inserted.get(0)).doesNotContain("title", "message", "Ann", "botox", "+1555");

            update(db, userA(alice), "update public.notifications set status = 'read' where id = ?", n);
            List<String> statusChanged = payloads(listener, 10_000);
            assertThat(statusChanged).hasSize(1);
            assertThat(keysAndValues(statusChanged.get(0)))
                    .isEqualTo("id=" + n + ",op=UPDATE,user_id=" + alice);

            // a change that is not a status change wakes nobody
            update(db, userA(alice), "update public.notifications set read_at = now() where id = ?", n);
            assertThat(payloads(listener, 500)).isEmpty();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"notifications_check_user_org", "notifications_notify"})
    void theTriggerFunctionsCannotBeCalledByTheApiRoles(String function) throws SQLException {
        assertThat(adminColumn(db, "select r.rolname from pg_roles r where r.rolname in ('anon', 'authenticated',"
                + " 'service_role') and has_function_privilege(r.oid, ?::regprocedure, 'execute')",
                "public." + function + "()")).isEmpty();
    }
}
