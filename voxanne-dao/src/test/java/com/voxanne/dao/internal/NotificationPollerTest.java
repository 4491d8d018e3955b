package com.voxanne.dao.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.dao.NewNotification;
import com.voxanne.dao.NotificationEvent;
import com.voxanne.dao.NotificationSubscription;
import com.voxanne.dao.OrgContext;
import com.voxanne.dao.Voxanne;
import com.voxanne.dao.VoxanneObserver;
import com.voxanne.schema.jooq.enums.NotificationType;
import com.voxanne.schema.session.RequestBinding.Placement;
import com.voxanne.schema.session.RoleTimeouts;
import com.voxanne.testkit.Admin;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The subscription of a distributed database ({@link NotificationPoller}), run on one server, where the
 * distributed binding binds as the single-server one does: what {@code CitusNotificationSubscriptionTest}
 * runs on the cluster, checked on every backend, and the watermark's edges. On one server the trigger's
 * NOTIFY does arrive, so these tests also show the poller does not listen: a NOTIFY naming the user's own
 * notification gives it no event.
 */
@VoxannePostgres
class NotificationPollerTest {

    private static final long DELIVERY_SECONDS = 10;
    /** More than two polls. */
    private static final long SILENCE_MILLIS = 2_500;

    private DataSource login;
    private Voxanne voxanne;
    private OrgContext a1;
    private OrgContext a2;

    @BeforeEach
    void setUp(DataSource login, Tenants tenants) {
        this.login = login;
        String run = UUID.randomUUID().toString();
        User a1User = tenants.organization("Clinic A " + run).user("a1");
        User a2User = tenants.organization("Clinic A " + run).user("a2");
        voxanne = Voxanne.create(login);
        a1 = OrgContext.of(a1User.organization().id(), a1User.id());
        a2 = OrgContext.of(a2User.organization().id(), a2User.id());
    }

    private NotificationSubscription subscribe(OrgContext user, Consumer<NotificationEvent> listener) {
        return NotificationListener.open(login, user.organizationId(), user.userId(), listener, RoleTimeouts.defaults(),
                VoxanneObserver.NONE, Placement.DISTRIBUTED);
    }

    private UUID notify(OrgContext recipient, String title) {
        return voxanne.notifications(recipient).create(recipient.userId(),
                NewNotification.of(NotificationType.HOT_LEAD, title, "Patient Jane Doe called"));
    }

    private static NotificationEvent event(OrgContext user, UUID id, NotificationEvent.Operation operation) {
        return new NotificationEvent(id, user.organizationId(), user.userId(), operation);
    }

    @Test
    void changesAreDeliveredOnceToTheirUserAndANotifyIsNotListenedTo(@Admin DataSource admin) throws Exception {
        UUID before = notify(a1, "before");
        BlockingQueue<NotificationEvent> forA1 = new LinkedBlockingQueue<>();
        BlockingQueue<NotificationEvent> forA2 = new LinkedBlockingQueue<>();
        try (NotificationSubscription s1 = subscribe(a1, forA1::add);
             NotificationSubscription s2 = subscribe(a2, forA2::add)) {
            assertThat(forA1.poll(SILENCE_MILLIS, TimeUnit.MILLISECONDS)).as("what committed before subscribing").isNull();
            try (Connection c = admin.getConnection();
                 PreparedStatement ps = c.prepareStatement("select pg_notify('voxanne_notifications', ?)")) {
                ps.setString(1, "{\"id\": \"" + before + "\", \"org_id\": \"" + a1.organizationId() + "\", \"user_id\": \""
                        + a1.userId() + "\", \"op\": \"UPDATE\"}");
                ps.execute();
            }
            UUID id = notify(a1, "created");
            voxanne.notifications(a1).markRead(id);
            UUID ofA2 = notify(a2, "A2's");
            assertThat(forA1.poll(DELIVERY_SECONDS, TimeUnit.SECONDS)).isEqualTo(event(a1, id, NotificationEvent.Operation.INSERT));
            assertThat(forA1.poll(DELIVERY_SECONDS, TimeUnit.SECONDS)).isEqualTo(event(a1, id, NotificationEvent.Operation.UPDATE));
            voxanne.notifications(a1).archive(id);
            assertThat(forA1.poll(DELIVERY_SECONDS, TimeUnit.SECONDS)).isEqualTo(event(a1, id, NotificationEvent.Operation.UPDATE));
            assertThat(forA1.poll(SILENCE_MILLIS, TimeUnit.MILLISECONDS)).as("each change once; no NOTIFY heard").isNull();
            assertThat(forA2.poll(0, TimeUnit.MILLISECONDS)).isEqualTo(event(a2, ofA2, NotificationEvent.Operation.INSERT));
            assertThat(forA2.poll(0, TimeUnit.MILLISECONDS)).as("nothing of A1's").isNull();
        }
    }

    /**
     * A row dated a day ahead (a service's insert may set {@code updated_at}) is delivered, and does not
     * carry the watermark past the changes that follow: the watermark stops at the JVM's clock.
     */
    @Test
    void aRowDatedInTheFutureDoesNotHideLaterChanges(@Admin DataSource admin) throws Exception {
        BlockingQueue<NotificationEvent> events = new LinkedBlockingQueue<>();
        UUID future = UUID.randomUUID();
        try (NotificationSubscription s = subscribe(a1, events::add)) {
            try (Connection c = admin.getConnection();
                 PreparedStatement ps = c.prepareStatement("insert into public.notifications"
                         + " (id, org_id, user_id, type, title, message, created_at, updated_at)"
                         + " values (?, ?, ?, 'hot_lead', 'dated', 'dated', now() + interval '1 day', now() + interval '1 day')")) {
                ps.setObject(1, future);
                ps.setObject(2, a1.organizationId());
                ps.setObject(3, a1.userId());
                ps.executeUpdate();
            }
            assertThat(events.poll(DELIVERY_SECONDS, TimeUnit.SECONDS)).isEqualTo(event(a1, future, NotificationEvent.Operation.INSERT));
            UUID after = notify(a1, "after");
            assertThat(events.poll(DELIVERY_SECONDS, TimeUnit.SECONDS)).isEqualTo(event(a1, after, NotificationEvent.Operation.INSERT));
            assertThat(events.poll(SILENCE_MILLIS, TimeUnit.MILLISECONDS)).isNull();
        }
    }

    /** A transaction that commits after a later change was delivered is found by the overlap, and delivered once. */
    @Test
    void aLateCommitIsDeliveredOnce(@Admin DataSource admin) throws Exception {
        BlockingQueue<NotificationEvent> events = new LinkedBlockingQueue<>();
        UUID late = UUID.randomUUID();
        try (NotificationSubscription s = subscribe(a1, events::add); Connection writer = admin.getConnection()) {
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
            writer.commit();
            assertThat(events.poll(DELIVERY_SECONDS, TimeUnit.SECONDS)).isEqualTo(event(a1, late, NotificationEvent.Operation.INSERT));
            assertThat(events.poll(SILENCE_MILLIS, TimeUnit.MILLISECONDS)).as("once").isNull();
        }
    }
}
