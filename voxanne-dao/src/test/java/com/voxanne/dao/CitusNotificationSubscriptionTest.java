package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.dao.internal.Transactions;
import com.voxanne.schema.VoxanneSchema;
import com.voxanne.schema.session.RequestBinding.Placement;
import com.voxanne.schema.session.RequestClaims;
import com.voxanne.schema.session.RoleTimeouts;
import com.voxanne.schema.jooq.enums.NotificationType;
import com.voxanne.testkit.Admin;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import com.voxanne.testkit.postgres.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * Notification subscriptions on a database distributed by {@link VoxanneSchema#distribute()} (in
 * {@link #distribute}), where the trigger's NOTIFY is sent on the worker holding the shard and never
 * reaches the coordinator the pool connects to (docs/citus.md, fact 15): the subscription polls, as its
 * user under row-level security, one routed query at a time
 * (docs/adr/0022-notification-subscriptions-on-a-distributed-database.md). A subscribed user gets the
 * events of their own notifications (created, read, archived), never another user's of the same clinic
 * or another clinic's, not for a forged NOTIFY on any node, nor for a forged row placed on another
 * shard; a transaction that commits after a later change has been seen is still delivered. Runs with
 * VOXANNE_TEST_BACKEND=citus only.
 */
@EnabledIf(value = "com.voxanne.dao.CitusDaoIsolationTest#onCitus",
        disabledReason = "needs the Citus backend (VOXANNE_TEST_BACKEND=citus)")
@VoxannePostgres
class CitusNotificationSubscriptionTest {

    private static final long DELIVERY_SECONDS = 10;
    /** How long a queue that should stay empty is watched: more than two polls. */
    private static final long SILENCE_MILLIS = 2_500;

    private Voxanne voxanne;
    private OrgContext a1;
    private OrgContext a2;
    private OrgContext b1;

    /** Places the class's database on the cluster, as an operator would after migrating. */
    @BeforeAll
    static void distribute(@Admin DataSource admin, TestDatabase db) throws Exception {
        CitusDaoIsolationTest.distribute(admin, db);
    }

    @BeforeEach
    void createClinics(DataSource login, Tenants tenants) {
        String run = UUID.randomUUID().toString();
        User a1User = tenants.organization("Clinic A " + run).user("a1");
        User a2User = tenants.organization("Clinic A " + run).user("a2");
        User b1User = tenants.organization("Clinic B " + run).user("b1");
        voxanne = Voxanne.create(login);
        a1 = OrgContext.of(a1User.organization().id(), a1User.id());
        a2 = OrgContext.of(a2User.organization().id(), a2User.id());
        b1 = OrgContext.of(b1User.organization().id(), b1User.id());
        assertThat(a2.organizationId()).isEqualTo(a1.organizationId());
    }

    private UUID notify(OrgContext recipient, String title) {
        return voxanne.notifications(recipient).create(recipient.userId(),
                NewNotification.of(NotificationType.HOT_LEAD, title, "Patient Jane Doe called"));
    }

    private NotificationEvent event(OrgContext user, UUID id, NotificationEvent.Operation operation) {
        return new NotificationEvent(id, user.organizationId(), user.userId(), operation);
    }

    @Test
    void aUserGetsTheEventsOfTheirNotificationsCreatedReadAndArchived(@Admin DataSource admin) throws Exception {
        UUID before = notify(a1, "Created before the subscription");
        BlockingQueue<NotificationEvent> events = new LinkedBlockingQueue<>();
        try (NotificationSubscription s = voxanne.subscribeToNotifications(a1, events::add)) {
            assertThat(s.isOpen()).isTrue();
            UUID id = notify(a1, "For A1");
            NotificationEvent created = events.poll(DELIVERY_SECONDS, TimeUnit.SECONDS);
            assertThat(created).isEqualTo(event(a1, id, NotificationEvent.Operation.INSERT));
            assertThat(created.toString()).doesNotContain("Jane").doesNotContain("For A1");

            voxanne.notifications(a1).markRead(id);
            assertThat(events.poll(DELIVERY_SECONDS, TimeUnit.SECONDS)).isEqualTo(event(a1, id, NotificationEvent.Operation.UPDATE));
            voxanne.notifications(a1).markRead(id);   // already read: nothing changes, no event
            voxanne.notifications(a1).archive(id);
            assertThat(events.poll(DELIVERY_SECONDS, TimeUnit.SECONDS)).isEqualTo(event(a1, id, NotificationEvent.Operation.UPDATE));
            voxanne.notifications(a1).archive(before);
            assertThat(events.poll(DELIVERY_SECONDS, TimeUnit.SECONDS)).as("a change of one created before subscribing")
                    .isEqualTo(event(a1, before, NotificationEvent.Operation.UPDATE));
            assertThat(events.poll(SILENCE_MILLIS, TimeUnit.MILLISECONDS)).as("each change once, across polls").isNull();
            assertThat(s.isOpen()).isTrue();
        }
        // the notification's rows are on a worker: the trigger's NOTIFY never reached the coordinator
        assertThat(count(admin, "select count(*) from citus_shards where table_name = 'public.notifications'::regclass"
                + " and nodeport <> (select nodeport from pg_dist_node where groupid = 0)")).isPositive();
    }

    @Test
    void anotherUsersAndAnotherClinicsEventsNeverReachTheSubscription() throws Exception {
        BlockingQueue<NotificationEvent> forA1 = new LinkedBlockingQueue<>();
        BlockingQueue<NotificationEvent> forA2 = new LinkedBlockingQueue<>();
        BlockingQueue<NotificationEvent> forB1 = new LinkedBlockingQueue<>();
        try (NotificationSubscription s1 = voxanne.subscribeToNotifications(a1, forA1::add);
             NotificationSubscription s2 = voxanne.subscribeToNotifications(a2, forA2::add);
             NotificationSubscription s3 = voxanne.subscribeToNotifications(b1, forB1::add)) {
            UUID ofA2 = notify(a2, "For A2");
            UUID ofB1 = notify(b1, "For B1");
            voxanne.notifications(a2).markRead(ofA2);
            voxanne.notifications(b1).archive(ofB1);
            UUID control = notify(a1, "control");

            assertThat(forA1.poll(DELIVERY_SECONDS, TimeUnit.SECONDS)).isEqualTo(event(a1, control, NotificationEvent.Operation.INSERT));
            assertThat(forA2.poll(DELIVERY_SECONDS, TimeUnit.SECONDS)).isEqualTo(event(a2, ofA2, NotificationEvent.Operation.INSERT));
            assertThat(forA2.poll(DELIVERY_SECONDS, TimeUnit.SECONDS)).isEqualTo(event(a2, ofA2, NotificationEvent.Operation.UPDATE));
            assertThat(forB1.poll(DELIVERY_SECONDS, TimeUnit.SECONDS)).isEqualTo(event(b1, ofB1, NotificationEvent.Operation.INSERT));
            assertThat(forB1.poll(DELIVERY_SECONDS, TimeUnit.SECONDS)).isEqualTo(event(b1, ofB1, NotificationEvent.Operation.UPDATE));
            assertThat(forA1.poll(SILENCE_MILLIS, TimeUnit.MILLISECONDS)).as("nothing of A2's or B1's").isNull();
            assertThat(forA2.poll(0, TimeUnit.MILLISECONDS)).as("nothing of A1's").isNull();
            assertThat(forB1.poll(0, TimeUnit.MILLISECONDS)).as("nothing of clinic A's").isNull();
        }
    }

    /**
     * What an attacker with a connection can forge: a NOTIFY shaped like the trigger's, on the
     * coordinator and on every worker, naming the victim and another user's notification or the victim's
     * own unchanged one; and, as a superuser of a worker, a row for the victim's organization and user
     * placed on a shard that is not the organization's, its triggers bypassed. None is delivered; the
     * victim's real event after them is.
     */
    @Test
    void forgedNotifiesOnEveryNodeAndAForgedRowOnAnotherShardAreNeverDelivered(@Admin DataSource admin, TestDatabase db)
            throws Exception {
        UUID org = a1.organizationId();
        UUID user = a1.userId();
        UUID othersReal = notify(a2, "For A2");
        UUID victimsOwn = notify(a1, "For A1, unchanged");
        BlockingQueue<NotificationEvent> events = new LinkedBlockingQueue<>();
        try (NotificationSubscription s = voxanne.subscribeToNotifications(a1, events::add)) {
            List<Connection> nodes = new ArrayList<>();
            nodes.add(admin.getConnection());
            try (Connection c = admin.getConnection(); Statement st = c.createStatement();
                 ResultSet rs = st.executeQuery("select nodename, nodeport from pg_dist_node where noderole = 'primary'"
                         + " and groupid <> 0 order by nodeid")) {
                while (rs.next()) {
                    nodes.add(worker(admin, db, rs.getString(1), rs.getInt(2)));
                }
            }
            assertThat(nodes).hasSize(3);
            for (Connection node : nodes) {
                try (node; PreparedStatement ps = node.prepareStatement("select pg_notify('voxanne_notifications', ?)")) {
                    for (UUID id : List.of(othersReal, victimsOwn, UUID.randomUUID())) {
                        for (String op : List.of("INSERT", "UPDATE")) {
                            ps.setString(1, "{\"id\": \"" + id + "\", \"org_id\": \"" + org + "\", \"user_id\": \"" + user
                                    + "\", \"op\": \"" + op + "\"}");
                            ps.execute();
                        }
                    }
                }
            }

            UUID forged = UUID.randomUUID();
            insertOnAnotherShard(admin, db, forged, org, user);
            assertThat(count(admin, "select count(*) from public.notifications where id = '" + forged + "'"))
                    .as("the forged row is on the cluster").isEqualTo(1);

            UUID control = notify(a1, "control");
            assertThat(events.poll(DELIVERY_SECONDS, TimeUnit.SECONDS)).isEqualTo(event(a1, control, NotificationEvent.Operation.INSERT));
            assertThat(events.poll(SILENCE_MILLIS, TimeUnit.MILLISECONDS)).as("nothing forged").isNull();
            assertThat(s.isOpen()).isTrue();
        }
    }

    /**
     * {@code updated_at} is the writing transaction's start: a transaction that starts first and commits
     * after a later change has been delivered is behind the watermark, and the overlap still finds it.
     */
    @Test
    void aTransactionThatCommitsAfterALaterChangeWasDeliveredIsNotMissed(@Admin DataSource admin) throws Exception {
        BlockingQueue<NotificationEvent> events = new LinkedBlockingQueue<>();
        UUID late = UUID.randomUUID();
        try (NotificationSubscription s = voxanne.subscribeToNotifications(a1, events::add);
             Connection writer = admin.getConnection()) {
            writer.setAutoCommit(false);
            try (PreparedStatement ps = writer.prepareStatement("insert into public.notifications"
                    + " (id, org_id, user_id, type, title, message) values (?, ?, ?, 'hot_lead', 'late', 'late')")) {
                ps.setObject(1, late);
                ps.setObject(2, a1.organizationId());
                ps.setObject(3, a1.userId());
                ps.executeUpdate();
            }
            UUID later = notify(a1, "started after, committed first");
            assertThat(events.poll(DELIVERY_SECONDS, TimeUnit.SECONDS)).isEqualTo(event(a1, later, NotificationEvent.Operation.INSERT));
            assertThat(events.poll(SILENCE_MILLIS, TimeUnit.MILLISECONDS)).as("the late one is not committed yet").isNull();
            writer.commit();
            assertThat(events.poll(DELIVERY_SECONDS, TimeUnit.SECONDS)).isEqualTo(event(a1, late, NotificationEvent.Operation.INSERT));
            assertThat(events.poll(SILENCE_MILLIS, TimeUnit.MILLISECONDS)).as("once").isNull();
        }
    }

    /**
     * The poll is a router query: the statements the subscription sends (recorded, the binding taken
     * off), {@code EXPLAIN}ed with their binds as the user, are each one task on the worker holding the
     * clinic's shard.
     */
    @Test
    void eachPollIsOneTaskOnTheClinicsWorker(DataSource login, @Admin DataSource admin) throws Exception {
        StatementRecorder recorder = new StatementRecorder(login);
        Voxanne recorded = Voxanne.create(recorder);
        List<StatementRecorder.Executed> sent = recorder.record(() -> {
            try (NotificationSubscription s = recorded.subscribeToNotifications(a1, e -> { })) {
                Thread.sleep(SILENCE_MILLIS);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return null;
        }).statements();
        List<StatementRecorder.Executed> polls = sent.stream().filter(e -> e.sql().contains("\"updated_at\" >")).toList();
        assertThat(polls).as("the subscribing read and at least two polls").hasSizeGreaterThanOrEqualTo(3);
        int clinicsWorker;
        try (Connection c = admin.getConnection();
             PreparedStatement ps = c.prepareStatement("select nodeport from citus_shards where shardid"
                     + " = get_shard_id_for_distribution_column('public.notifications', ?)")) {
            ps.setObject(1, a1.organizationId());
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                clinicsWorker = rs.getInt(1);
            }
        }
        Transactions asA1 = new Transactions(login, RoleTimeouts.defaults(), VoxanneObserver.NONE, Placement.DISTRIBUTED);
        for (StatementRecorder.Executed poll : polls) {
            List<String> plan = asA1.run(RequestClaims.user(a1.organizationId(), a1.userId()), dsl -> dsl.connectionResult(c -> {
                try (PreparedStatement ps = c.prepareStatement("explain (costs off) " + poll.sql())) {
                    poll.bind(ps, 0);
                    List<String> lines = new ArrayList<>();
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            lines.add(rs.getString(1).strip());
                        }
                    }
                    return lines;
                }
            }));
            assertThat(plan).as(poll.sql()).contains("Task Count: 1")
                    .anyMatch(line -> line.startsWith("Node: ") && line.contains("port=" + clinicsWorker + " "));
        }
    }

    @Test
    void closeStopsDeliveryAndGivesTheConnectionBack() throws Exception {
        BlockingQueue<NotificationEvent> events = new LinkedBlockingQueue<>();
        NotificationSubscription s = voxanne.subscribeToNotifications(a1, events::add);
        notify(a1, "before close");
        assertThat(events.poll(DELIVERY_SECONDS, TimeUnit.SECONDS)).isNotNull();
        s.close();
        s.close();
        assertThat(s.isOpen()).isFalse();
        notify(a1, "after close");
        assertThat(events.poll(SILENCE_MILLIS, TimeUnit.MILLISECONDS)).isNull();
    }

    /**
     * Inserts, as a superuser of the worker, into a shard of notifications other than the one holding
     * {@code org}'s rows, a row naming {@code org} and {@code user}, without its triggers (which would
     * NOTIFY and check the user). A query routed by {@code org_id} never reads that shard.
     */
    private static void insertOnAnotherShard(DataSource admin, TestDatabase db, UUID id, UUID org, UUID user)
            throws SQLException {
        String host;
        int port;
        long shard;
        try (Connection c = admin.getConnection();
             PreparedStatement ps = c.prepareStatement("select s.shardid, s.nodename, s.nodeport from citus_shards s"
                     + " where s.table_name = 'public.notifications'::regclass"
                     + " and s.shardid <> get_shard_id_for_distribution_column('public.notifications', ?)"
                     + " order by s.shardid limit 1")) {
            ps.setObject(1, org);
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                shard = rs.getLong(1);
                host = rs.getString(2);
                port = rs.getInt(3);
            }
        }
        try (Connection w = worker(admin, db, host, port)) {
            w.setAutoCommit(false);
            try (Statement st = w.createStatement()) {
                st.execute("set local session_replication_role = replica");
                st.executeUpdate("insert into public.notifications_" + shard + " (id, org_id, user_id, type, title, message)"
                        + " values ('" + id + "', '" + org + "', '" + user + "', 'hot_lead', 'forged', 'forged')");
            }
            w.commit();
        }
    }

    /** A superuser connection to the class's database on a worker. */
    private static Connection worker(DataSource admin, TestDatabase db, String host, int port) throws SQLException {
        PGSimpleDataSource operator = admin.unwrap(PGSimpleDataSource.class);
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setServerNames(new String[] {host});
        ds.setPortNumbers(new int[] {port});
        ds.setDatabaseName(db.name());
        ds.setUser(operator.getUser());
        ds.setPassword(operator.getPassword());
        return ds.getConnection();
    }

    private static long count(DataSource admin, String sql) throws SQLException {
        try (Connection c = admin.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
