package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;

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
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;

/** Real-time notification events: one user of one organization each, over LISTEN/NOTIFY. */
@VoxannePostgres(scope = DatabaseScope.PER_METHOD)
class NotificationSubscriptionTest {

    private static final long DELIVERY_SECONDS = 10;
    /** How long a subscription that should get nothing is watched, after the right one got its event. */
    private static final long SILENCE_MILLIS = 1_500;

    private HikariDataSource pool;
    private Voxanne voxanne;
    private OrgContext a1;
    private OrgContext a2;
    private OrgContext b1;

    private Tenants tenants;
    private TestDatabase db;

    @BeforeEach
    void setUp(TestDatabase db, Tenants tenants) {
        this.db = db;
        this.tenants = tenants;
        pool = pool(db, 5);
        voxanne = Voxanne.create(pool);
        a1 = context(tenants.organization("Clinic A").user("a1"));
        a2 = context(tenants.organization("Clinic A").user("a2"));
        b1 = context(tenants.organization("Clinic B").user("b1"));
    }

    private static HikariDataSource pool(TestDatabase db, int size) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(db.jdbcUrl());
        config.setUsername(db.server().loginRole());
        config.setPassword(TestPostgresConfig.fromEnvironment().loginPassword());
        config.setMaximumPoolSize(size);
        return new HikariDataSource(config);
    }

    @AfterEach
    void closePool() {
        pool.close();
    }

    private static OrgContext context(User user) {
        return OrgContext.of(user.organization().id(), user.id());
    }

    private UUID notify(OrgContext recipient, String title) {
        return voxanne.notifications(recipient).create(recipient.userId(),
                NewNotification.of(NotificationType.HOT_LEAD, title, "Patient Jane Doe called"));
    }

    @Test
    void anEventReachesItsUsersSubscriptionOnlyAndCarriesIdsOnly() throws Exception {
        BlockingQueue<NotificationEvent> forA1 = new LinkedBlockingQueue<>();
        BlockingQueue<NotificationEvent> forA2 = new LinkedBlockingQueue<>();
        BlockingQueue<NotificationEvent> forB1 = new LinkedBlockingQueue<>();
        try (NotificationSubscription s1 = voxanne.subscribeToNotifications(a1, forA1::add);
             NotificationSubscription s2 = voxanne.subscribeToNotifications(a2, forA2::add);
             NotificationSubscription s3 = voxanne.subscribeToNotifications(b1, forB1::add)) {
            assertThat(s1.isOpen()).isTrue();
            UUID id = notify(a1, "For A1");

            NotificationEvent event = forA1.poll(DELIVERY_SECONDS, TimeUnit.SECONDS);
            assertThat(event).isEqualTo(new NotificationEvent(id, a1.organizationId(), a1.userId(),
                    NotificationEvent.Operation.INSERT));
            assertThat(event.toString()).doesNotContain("Jane").doesNotContain("For A1");
            assertThat(forA2.poll(SILENCE_MILLIS, TimeUnit.MILLISECONDS)).as("same org, other user").isNull();
            assertThat(forB1.poll(0, TimeUnit.MILLISECONDS)).as("other org").isNull();
            assertThat(forA1.poll(0, TimeUnit.MILLISECONDS)).as("exactly one event").isNull();
        }
    }

    @Test
    void aStatusChangeIsAnUpdateAndTheListenerMayLoadTheNotification() throws Exception {
        BlockingQueue<String> titles = new LinkedBlockingQueue<>();
        BlockingQueue<NotificationEvent> events = new LinkedBlockingQueue<>();
        UUID id = notify(a1, "Loaded through the repository");
        try (NotificationSubscription s = voxanne.subscribeToNotifications(a1, e -> {
            events.add(e);
            titles.add(voxanne.notifications(a1).get(e.notificationId()).title());
        })) {
            voxanne.notifications(a1).markRead(id);
            assertThat(events.poll(DELIVERY_SECONDS, TimeUnit.SECONDS).operation()).isEqualTo(NotificationEvent.Operation.UPDATE);
            assertThat(titles.poll(DELIVERY_SECONDS, TimeUnit.SECONDS)).isEqualTo("Loaded through the repository");
            voxanne.notifications(a1).markRead(id);
            assertThat(events.poll(SILENCE_MILLIS, TimeUnit.MILLISECONDS)).as("no change, no event").isNull();
        }
    }

    @Test
    void aFailingListenerDoesNotStopDelivery() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        BlockingQueue<UUID> delivered = new LinkedBlockingQueue<>();
        try (NotificationSubscription s = voxanne.subscribeToNotifications(a1, e -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("listener bug");
            }
            delivered.add(e.notificationId());
        })) {
            notify(a1, "first");
            UUID second = notify(a1, "second");
            assertThat(delivered.poll(DELIVERY_SECONDS, TimeUnit.SECONDS)).isEqualTo(second);
            assertThat(s.isOpen()).isTrue();
        }
    }

    @Test
    void closeStopsDeliveryAndTheConnectionGoesBackWithoutItsListen(TestDatabase db) throws Exception {
        try (HikariDataSource single = pool(db, 1)) {
            Voxanne subscriber = Voxanne.create(single);
            int pid = backendPid(single);
            BlockingQueue<NotificationEvent> events = new LinkedBlockingQueue<>();
            NotificationSubscription s = subscriber.subscribeToNotifications(a1, events::add);
            notify(a1, "before close");
            assertThat(events.poll(DELIVERY_SECONDS, TimeUnit.SECONDS)).isNotNull();

            s.close();
            s.close();
            assertThat(s.isOpen()).isFalse();
            notify(a1, "after close");
            assertThat(events.poll(SILENCE_MILLIS, TimeUnit.MILLISECONDS)).isNull();

            try (Connection c = single.getConnection(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("select pg_backend_pid(), count(*) from pg_listening_channels()")) {
                rs.next();
                assertThat(rs.getInt(1)).as("the same pooled connection").isEqualTo(pid);
                assertThat(rs.getLong(2)).as("channels still listened to").isZero();
                assertThat(c.getAutoCommit()).isTrue();
                PGNotification[] queued = c.unwrap(PGConnection.class).getNotifications(200);
                assertThat(queued == null ? 0 : queued.length).as("notifications left queued").isZero();
            }
        }
    }

    @Test
    void aListenerMayCloseItsOwnSubscription() throws Exception {
        BlockingQueue<NotificationEvent> events = new LinkedBlockingQueue<>();
        NotificationSubscription[] self = new NotificationSubscription[1];
        self[0] = voxanne.subscribeToNotifications(a1, e -> {
            events.add(e);
            self[0].close();
        });
        notify(a1, "one");
        assertThat(events.poll(DELIVERY_SECONDS, TimeUnit.SECONDS)).isNotNull();
        notify(a1, "two");
        assertThat(events.poll(SILENCE_MILLIS, TimeUnit.MILLISECONDS)).isNull();
        self[0].close();
        assertThat(self[0].isOpen()).isFalse();
        assertThat(pool.getHikariPoolMXBean().getActiveConnections()).as("connection returned").isZero();
    }

    /**
     * The delivery rule: an event is checked against existence and ownership, not against the row's
     * current state. The listener holds the poller on a first event while the notification it is about to
     * check is created, read and archived (three real events, checked when the row is already archived),
     * and another is created and deleted (its real event finds nothing, and is dropped).
     */
    @Test
    void aRealEventIsDeliveredWhateverChangedSinceAndDroppedOnlyWhenItsNotificationIsGone() throws Exception {
        DatabaseKind.assumeOneServer(pool, "LISTEN hears a NOTIFY of the same server; on a distributed database a subscription polls the clinic's worker instead (ADR 0022), tested by CitusNotificationSubscriptionTest");
        CountDownLatch resume = new CountDownLatch(1);
        AtomicBoolean first = new AtomicBoolean(true);
        BlockingQueue<NotificationEvent> events = new LinkedBlockingQueue<>();
        try (NotificationSubscription s = voxanne.subscribeToNotifications(a1, e -> {
            events.add(e);
            if (first.getAndSet(false)) {
                try {
                    resume.await(DELIVERY_SECONDS, TimeUnit.SECONDS);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
        })) {
            UUID gate = notify(a1, "gate");
            assertThat(events.poll(DELIVERY_SECONDS, TimeUnit.SECONDS).notificationId()).isEqualTo(gate);

            UUID changed = notify(a1, "read and archived before its events are checked");
            voxanne.notifications(a1).markRead(changed);
            voxanne.notifications(a1).archive(changed);
            UUID deleted = notify(a1, "deleted before its event is checked");
            tenants.asService().run(dsl -> dsl.execute("delete from public.notifications where id = ?", deleted));
            UUID control = notify(a1, "control");
            resume.countDown();

            List<NotificationEvent> delivered = new ArrayList<>();
            NotificationEvent e;
            do {
                e = events.poll(DELIVERY_SECONDS, TimeUnit.SECONDS);
                assertThat(e).as("events so far: %s", delivered).isNotNull();
                delivered.add(e);
            } while (!e.notificationId().equals(control));
            UUID org = a1.organizationId();
            UUID user = a1.userId();
            assertThat(delivered).containsExactly(
                    new NotificationEvent(changed, org, user, NotificationEvent.Operation.INSERT),
                    new NotificationEvent(changed, org, user, NotificationEvent.Operation.UPDATE),
                    new NotificationEvent(changed, org, user, NotificationEvent.Operation.UPDATE),
                    new NotificationEvent(control, org, user, NotificationEvent.Operation.INSERT));
        }
    }

    /**
     * A payload that names no organization (what a trigger sending only {@code id}, {@code user_id} and
     * {@code op} would send) is routed on the user and checked as that user in the subscription's
     * organization; the event delivered carries that organization.
     */
    @Test
    void aPayloadWithoutOrganizationIsRoutedOnTheUserAndChecked() throws Exception {
        DatabaseKind.assumeOneServer(pool, "LISTEN hears a NOTIFY of the same server; on a distributed database a subscription polls the clinic's worker instead (ADR 0022), tested by CitusNotificationSubscriptionTest");
        UUID mine = notify(a1, "For A1");
        UUID others = notify(a2, "For A2");
        BlockingQueue<NotificationEvent> events = new LinkedBlockingQueue<>();
        try (NotificationSubscription s = voxanne.subscribeToNotifications(a1, events::add);
             Connection admin = db.adminDataSource().getConnection();
             java.sql.PreparedStatement ps = admin.prepareStatement("select pg_notify('voxanne_notifications', ?)")) {
            for (UUID id : List.of(UUID.randomUUID(), others, mine)) {
                ps.setString(1, "{\"id\": \"" + id + "\", \"user_id\": \"" + a1.userId() + "\", \"op\": \"UPDATE\"}");
                ps.execute();
            }
            UUID control = notify(a1, "control");
            assertThat(events.poll(DELIVERY_SECONDS, TimeUnit.SECONDS)).isEqualTo(
                    new NotificationEvent(mine, a1.organizationId(), a1.userId(), NotificationEvent.Operation.UPDATE));
            assertThat(events.poll(DELIVERY_SECONDS, TimeUnit.SECONDS).notificationId()).isEqualTo(control);
        }
    }

    /**
     * The check runs on the subscription's own connection: with a pool of one, held by the subscription,
     * events are still checked and delivered (a check that borrowed a second connection would wait for
     * the pool's 30 s timeout and fail), and nothing else was borrowed.
     */
    @Test
    void theCheckNeedsNoConnectionBeyondTheOneTheSubscriptionHolds(TestDatabase db) throws Exception {
        try (HikariDataSource single = pool(db, 1)) {
            Voxanne subscriber = Voxanne.create(single);
            BlockingQueue<NotificationEvent> events = new LinkedBlockingQueue<>();
            try (NotificationSubscription s = subscriber.subscribeToNotifications(a1, events::add)) {
                UUID id = notify(a1, "checked on the held connection");
                assertThat(events.poll(DELIVERY_SECONDS, TimeUnit.SECONDS).notificationId()).isEqualTo(id);
                assertThat(single.getHikariPoolMXBean().getTotalConnections()).isEqualTo(1);
                assertThat(single.getHikariPoolMXBean().getThreadsAwaitingConnection()).isZero();
                assertThat(s.isOpen()).isTrue();
            }
        }
    }

    private static int backendPid(DataSource ds) throws SQLException {
        try (Connection c = ds.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("select pg_backend_pid()")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
