package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.voxanne.schema.jooq.enums.NotificationType;
import com.voxanne.testkit.DatabaseScope;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import com.voxanne.testkit.postgres.TestDatabase;
import com.voxanne.testkit.postgres.TestPostgresConfig;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/**
 * Forged notification events: NOTIFY needs no privilege, so any role that can connect can send a payload
 * shaped like the trigger's, naming a victim's organization and user. The victim's subscription must
 * deliver only events whose notification exists and is the victim's, as the victim sees it under RLS.
 *
 * <p>Each attack also runs past a plain LISTEN of the login role: there the forged payloads arrive, naming
 * the victim's organization and user, so a subscription that trusted its payload would have delivered
 * them. Each test ends with a real event as a control; events are delivered in commit order, so once it
 * arrives every forged event sent before it has been handled, and nothing is left to wait for.
 */
@VoxannePostgres(scope = DatabaseScope.PER_METHOD)
class ForgedNotificationAttackTest {

    private static final String CHANNEL = "voxanne_notifications";
    private static final long DELIVERY_SECONDS = 10;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Who sends the forged NOTIFY: each a session any attacker with database access could have. */
    enum Attacker {
        /** A signed-in user of another organization (role authenticated, that user's claims). */
        USER_OF_ANOTHER_ORGANIZATION,
        /** Nobody signed in (role anon). */
        ANON,
        /** The login role itself, unbound (what a pooled connection is between units). */
        LOGIN_ROLE
    }

    private TestDatabase db;
    private Tenants tenants;
    private HikariDataSource pool;
    private Voxanne voxanne;
    private User a1User;
    private User b1User;
    private OrgContext a1;
    private OrgContext a2;

    @BeforeEach
    void setUp(TestDatabase db, Tenants tenants) {
        this.db = db;
        this.tenants = tenants;
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(db.jdbcUrl());
        config.setUsername(db.server().loginRole());
        config.setPassword(TestPostgresConfig.fromEnvironment().loginPassword());
        config.setMaximumPoolSize(4);
        pool = new HikariDataSource(config);
        voxanne = Voxanne.create(pool);
        a1User = tenants.organization("Clinic A").user("a1");
        b1User = tenants.organization("Clinic B").user("b1");
        a1 = OrgContext.of(a1User.organization().id(), a1User.id());
        a2 = OrgContext.of(a1User.organization().id(), tenants.organization("Clinic A").user("a2").id());
    }

    @AfterEach
    void closePool() {
        pool.close();
    }

    private UUID notify(OrgContext recipient, String title) {
        return voxanne.notifications(recipient).create(recipient.userId(),
                NewNotification.of(NotificationType.HOT_LEAD, title, "Patient Jane Doe called"));
    }

    private static String payload(UUID id, UUID org, UUID user, String op) {
        return "{\"id\": \"" + id + "\", \"org_id\": \"" + org + "\", \"user_id\": \"" + user + "\", \"op\": \"" + op + "\"}";
    }

    /** Sends {@code payloads} with pg_notify as {@code attacker}, in one transaction. */
    private void send(Attacker attacker, List<String> payloads) {
        switch (attacker) {
            case USER_OF_ANOTHER_ORGANIZATION -> tenants.asUser(b1User).run(dsl -> {
                for (String p : payloads) {
                    dsl.execute("select pg_notify(?, ?)", CHANNEL, p);
                }
            });
            case ANON -> tenants.asAnon().run(dsl -> {
                for (String p : payloads) {
                    dsl.execute("select pg_notify(?, ?)", CHANNEL, p);
                }
            });
            case LOGIN_ROLE -> {
                try (Connection c = db.loginDataSource().getConnection();
                     PreparedStatement ps = c.prepareStatement("select pg_notify(?, ?)")) {
                    c.setAutoCommit(false);
                    for (String p : payloads) {
                        ps.setString(1, CHANNEL);
                        ps.setString(2, p);
                        ps.execute();
                    }
                    c.commit();
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    /**
     * A plain LISTEN of the login role: what reaches the channel, before any check. On the server itself,
     * like the pool above, since LISTEN needs a session of its own (the test kit's login URL may go
     * through a transaction-mode pooler).
     */
    private Connection rawListener() throws SQLException {
        Connection c = DriverManager.getConnection(db.jdbcUrl(), db.server().loginRole(),
                TestPostgresConfig.fromEnvironment().loginPassword());
        c.setAutoCommit(true);
        try (Statement s = c.createStatement()) {
            s.execute("LISTEN " + CHANNEL);
        }
        return c;
    }

    /** The payloads the raw listener got, until (and including) the one naming {@code lastId}. */
    private static List<JsonNode> drain(Connection raw, UUID lastId) throws Exception {
        List<JsonNode> got = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(DELIVERY_SECONDS);
        while (System.nanoTime() < deadline) {
            PGNotification[] batch = raw.unwrap(PGConnection.class).getNotifications(250);
            if (batch == null) {
                continue;
            }
            for (PGNotification n : batch) {
                JsonNode json = JSON.readTree(n.getParameter());
                got.add(json);
                if (lastId.toString().equals(json.path("id").asText())) {
                    return got;
                }
            }
        }
        throw new AssertionError("the raw listener never saw " + lastId);
    }

    @ParameterizedTest
    @EnumSource(Attacker.class)
    void forgedEventsNeverReachTheVictimsListener(Attacker attacker) throws Exception {
        DatabaseKind.assumeOneServer(pool, "LISTEN hears a NOTIFY of the same server; on a distributed database a subscription polls the clinic's worker instead (ADR 0022), tested by CitusNotificationSubscriptionTest");
        UUID othersReal = notify(a2, "For A2");
        UUID victimsReal = notify(a1, "For A1, created before the subscription");
        UUID random = UUID.randomUUID();
        UUID org = a1.organizationId();
        UUID user = a1.userId();

        BlockingQueue<NotificationEvent> events = new LinkedBlockingQueue<>();
        try (Connection raw = rawListener();
             NotificationSubscription s = voxanne.subscribeToNotifications(a1, events::add)) {
            send(attacker, List.of(
                    // (a) a notification that does not exist
                    payload(random, org, user, "INSERT"),
                    // (b) a real notification of another user of the victim's organization
                    payload(othersReal, org, user, "INSERT"),
                    // (c) the victim's own real notification, with an operation that never happened and
                    // fields the trigger never sends: delivered (it is the victim's), as the rule says
                    "{\"id\": \"" + victimsReal + "\", \"org_id\": \"" + org + "\", \"user_id\": \"" + user
                            + "\", \"op\": \"UPDATE\", \"type\": \"system_alert\", \"status\": \"archived\","
                            + " \"title\": \"forged title\"}"));
            // another user's real event: routed away before any check
            UUID forA2 = notify(a2, "A2 again");
            UUID control = notify(a1, "control");

            List<NotificationEvent> delivered = takeUntil(events, control);
            assertThat(delivered).containsExactly(
                    new NotificationEvent(victimsReal, org, user, NotificationEvent.Operation.UPDATE),
                    new NotificationEvent(control, org, user, NotificationEvent.Operation.INSERT));
            assertThat(delivered).extracting(NotificationEvent::notificationId).doesNotContain(random, othersReal, forA2);
            assertThat(s.isOpen()).isTrue();

            // without the check: the forged payloads did reach LISTEN, each naming the victim
            List<JsonNode> seen = drain(raw, control);
            assertThat(seen).filteredOn(j -> j.path("user_id").asText().equals(user.toString()))
                    .extracting(j -> j.path("id").asText())
                    .containsExactly(random.toString(), othersReal.toString(), victimsReal.toString(),
                            control.toString());
        }
    }

    @ParameterizedTest
    @EnumSource(Attacker.class)
    void aFloodOfForgedEventsIsCheckedInBulkAndDeliveryGoesOn(Attacker attacker) throws Exception {
        UUID org = a1.organizationId();
        UUID user = a1.userId();
        List<String> flood = new ArrayList<>();
        // more than one check's worth of ids, arriving in one transaction, hence in one or few polls
        for (int i = 0; i < 1_200; i++) {
            flood.add(payload(UUID.randomUUID(), org, user, i % 2 == 0 ? "INSERT" : "UPDATE"));
        }
        // malformed payloads on the same channel: ignored, they do not stop the subscription
        flood.add("not json");
        flood.add("{\"id\": \"x\", \"org_id\": \"" + org + "\", \"user_id\": \"" + user + "\", \"op\": \"INSERT\"}");
        flood.add(payload(UUID.randomUUID(), org, user, "DELETE"));

        BlockingQueue<NotificationEvent> events = new LinkedBlockingQueue<>();
        try (NotificationSubscription s = voxanne.subscribeToNotifications(a1, events::add)) {
            send(attacker, flood);
            UUID control = notify(a1, "control");
            assertThat(takeUntil(events, control)).containsExactly(
                    new NotificationEvent(control, org, user, NotificationEvent.Operation.INSERT));
            assertThat(s.isOpen()).isTrue();
        }
    }

    @ParameterizedTest
    @EnumSource(Attacker.class)
    void aPayloadNamingAnotherOrganizationOrUserIsNotRoutedToTheVictim(Attacker attacker) throws Exception {
        UUID victimsReal = notify(a1, "For A1");
        UUID othersReal = notify(a2, "For A2");
        UUID org = a1.organizationId();
        BlockingQueue<NotificationEvent> forA1 = new LinkedBlockingQueue<>();
        BlockingQueue<NotificationEvent> forA2 = new LinkedBlockingQueue<>();
        try (NotificationSubscription s1 = voxanne.subscribeToNotifications(a1, forA1::add);
             NotificationSubscription s2 = voxanne.subscribeToNotifications(a2, forA2::add)) {
            send(attacker, List.of(
                    // the victim's real notification, announced to another user of the organization
                    payload(victimsReal, org, a2.userId(), "INSERT"),
                    // the other user's real notification, announced to the victim
                    payload(othersReal, org, a1.userId(), "INSERT"),
                    // the victim's real notification, under the attacker's organization
                    payload(victimsReal, b1User.organization().id(), a1.userId(), "INSERT")));
            UUID controlA1 = notify(a1, "control 1");
            UUID controlA2 = notify(a2, "control 2");
            assertThat(takeUntil(forA1, controlA1)).extracting(NotificationEvent::notificationId).containsExactly(controlA1);
            assertThat(takeUntil(forA2, controlA2)).extracting(NotificationEvent::notificationId).containsExactly(controlA2);
        }
    }

    /** The events delivered up to (and including) the one for {@code last}. */
    private static List<NotificationEvent> takeUntil(BlockingQueue<NotificationEvent> events, UUID last)
            throws InterruptedException {
        List<NotificationEvent> got = new ArrayList<>();
        while (true) {
            NotificationEvent e = events.poll(DELIVERY_SECONDS, TimeUnit.SECONDS);
            assertThat(e).as("an event before the control %s; so far %s", last, got).isNotNull();
            got.add(e);
            if (e.notificationId().equals(last)) {
                return got;
            }
        }
    }
}
