package com.voxanne.dao.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.voxanne.dao.DataAccessFailureException;
import com.voxanne.dao.NotificationEvent;
import com.voxanne.dao.NotificationSubscription;
import com.voxanne.dao.VoxanneObserver;
import com.voxanne.schema.session.RequestBinding.Placement;
import com.voxanne.schema.session.RequestClaims;
import com.voxanne.schema.session.RoleTimeouts;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.jooq.tools.jdbc.SingleConnectionDataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One user's {@link NotificationSubscription} on a single server: a pooled connection that LISTENs on
 * {@code voxanne_notifications}, polled by a daemon thread that passes the events of one user of one
 * organization to the listener, once the database has confirmed them.
 *
 * <p>Why an event is checked: LISTEN and NOTIFY need no privilege, so any role that can connect (anon, a
 * user of another organization, the login role itself) can send a payload that looks like the trigger's.
 * The payload is therefore only a hint. An event naming this subscription's user (and organization, when
 * the payload names one) is delivered only if, when checked, its notification exists and belongs to that
 * user: read in a unit bound as that user (role {@code authenticated}, the user's claims), so row-level
 * security decides, on the subscription's own connection. The operation cannot be checked against the
 * row (its status may have changed again since, or within the transaction that created it), so it is
 * delivered as sent; see {@link NotificationEvent}. A notification deleted before the check is not
 * delivered: there is nothing left to load.
 *
 * <p>Cost: the events of one poll are checked together, one statement ({@code id = any(?)}) and one
 * round trip per {@value #MAX_IDS_PER_CHECK} distinct ids, and only when at least one event names this
 * user; a flood of forged events thus costs a query per poll (per 500 ids of it), not one per event.
 * The check runs on the listening connection (a transaction of its own, its binding transaction-local
 * like every unit's), so a subscription never holds or waits for a second connection, and notifications
 * that arrive meanwhile stay queued in the driver in commit order.
 *
 * <p>Nothing else is bound: LISTEN needs no role and no claims. It is session state, which is why the
 * poller removes it (UNLISTEN, then drains what the driver already queued) before the connection goes
 * back to the pool, and closes the physical connection instead when that cleanup fails. A check that
 * fails ends the subscription like a failed connection: events would otherwise be lost unnoticed, and
 * {@link #isOpen()} tells the caller to subscribe again and reload.
 */
public final class NotificationListener implements NotificationSubscription {

    /** The channel of the trigger notifications_notify (V8). */
    static final String CHANNEL = "voxanne_notifications";
    private static final int POLL_MILLIS = 250;
    /** Bounds one check's statement when a flood of events arrives at once. */
    static final int MAX_IDS_PER_CHECK = 500;
    private static final long CLOSE_WAIT_MILLIS = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(NotificationListener.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Connection connection;
    private final PGConnection pg;
    private final boolean autoCommit;
    private final UUID organizationId;
    private final UUID userId;
    private final Consumer<NotificationEvent> listener;
    /** Units of work on the listening connection itself, which stays open across them (close is a no-op). */
    private final Transactions checks;
    private final Thread poller;
    private final VoxanneObserver observer;
    private volatile boolean open = true;

    private NotificationListener(Connection connection, PGConnection pg, boolean autoCommit, UUID organizationId,
                                 UUID userId, Consumer<NotificationEvent> listener, RoleTimeouts timeouts,
                                 VoxanneObserver observer, Placement placement) {
        this.connection = connection;
        this.pg = pg;
        this.autoCommit = autoCommit;
        this.organizationId = organizationId;
        this.userId = userId;
        this.listener = listener;
        this.observer = observer;
        this.checks = new Transactions(new SingleConnectionDataSource(connection), timeouts, observer, placement);
        this.poller = new Thread(this::poll, "voxanne-notifications-" + userId);
        this.poller.setDaemon(true);
    }

    /**
     * Subscribes {@code listener} to the events of {@code userId} in {@code organizationId}. LISTEN is in
     * effect when this returns: every event of a notification committed afterwards is delivered, once
     * confirmed (see above). Each confirmation is a unit of work with the timeouts {@code timeouts} gives
     * {@code authenticated}, bound in the form {@code placement} needs, as every other unit of the same
     * {@code Voxanne}. The subscription's opening,
     * its end and each delivery are reported to {@code observer}. On a {@link Placement#DISTRIBUTED}
     * database, where the trigger's NOTIFY never reaches the coordinator, the subscription polls instead
     * ({@link NotificationPoller}).
     *
     * @throws DataAccessFailureException when no connection is available or LISTEN fails
     */
    public static NotificationSubscription open(DataSource pool, UUID organizationId, UUID userId,
                                                Consumer<NotificationEvent> listener, RoleTimeouts timeouts,
                                                VoxanneObserver observer, Placement placement) {
        if (placement == Placement.DISTRIBUTED) {
            // the trigger's NOTIFY is sent on the worker holding the shard, never heard here (ADR 0022)
            return NotificationPoller.open(pool, organizationId, userId, listener, timeouts, observer, placement);
        }
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(observer, "observer");
        Connection connection;
        try {
            connection = pool.getConnection();
        } catch (SQLException e) {
            throw SqlErrors.noConnection("get a connection to listen on", e);
        }
        try {
            boolean autoCommit = connection.getAutoCommit();
            // LISTEN takes effect at commit: with auto-commit on, at once
            connection.setAutoCommit(true);
            try (Statement s = connection.createStatement()) {
                s.execute("LISTEN " + CHANNEL);
            }
            NotificationListener subscription = new NotificationListener(connection,
                    PgJdbc.pgConnection(connection), autoCommit, organizationId, userId, listener, timeouts, observer, placement);
            Observed.report(observer::subscriptionOpened);   // before the poller, whose end reports the close
            subscription.poller.start();
            return subscription;
        } catch (SQLException | RuntimeException e) {
            release(connection, true, true);   // failed: discarded, whatever its mode
            throw SqlErrors.translate(e);
        }
    }

    @Override
    public boolean isOpen() {
        return open && poller.isAlive();
    }

    @Override
    public void close() {
        open = false;
        if (Thread.currentThread() == poller) {
            return; // called by the listener: the poller stops and cleans up after it returns
        }
        awaitEnd(poller, userId);
    }

    private void poll() {
        boolean clean = false;
        try {
            while (open) {
                PGNotification[] notifications = pg.getNotifications(POLL_MILLIS);
                if (notifications != null) {
                    deliver(notifications);
                }
            }
            clean = unlisten();
        } catch (SQLException | RuntimeException e) {
            LOG.error("notification subscription of user {} stopped: its connection or an event check failed",
                    userId, e);
        } finally {
            open = false;
            release(connection, autoCommit, !clean);
            Observed.report(observer::subscriptionClosed);
        }
    }

    /** Delivers, in the order received, the events of {@code notifications} for this user, once confirmed. */
    private void deliver(PGNotification[] notifications) {
        List<NotificationEvent> candidates = new ArrayList<>(notifications.length);
        for (PGNotification n : notifications) {
            NotificationEvent event = parse(n);
            if (event != null && userId.equals(event.userId())
                    && (event.organizationId() == null || organizationId.equals(event.organizationId()))) {
                candidates.add(event);
            }
        }
        if (candidates.isEmpty() || !open) {
            return;
        }
        Set<UUID> confirmed = confirmed(candidates);
        for (NotificationEvent event : candidates) {
            if (!open) {
                return;
            }
            if (!confirmed.contains(event.notificationId())) {
                // forged, or deleted since: the id is no patient data, and DEBUG keeps a flood out of the logs
                LOG.debug("dropping an event of user {} for notification {}: not a notification of that user",
                        userId, event.notificationId());
                continue;
            }
            // the ids delivered are the ones the check confirmed, not the payload's
            NotificationEvent verified = new NotificationEvent(event.notificationId(), organizationId, userId,
                    event.operation());
            Observed.report(observer::notificationDelivered);
            try {
                listener.accept(verified);
            } catch (RuntimeException e) {
                LOG.warn("notification listener of user {} failed on {}; delivery goes on", userId,
                        event.notificationId(), e);
            }
        }
    }

    /** Which of the candidates' notifications exist and are this user's, as this user sees them under RLS. */
    private Set<UUID> confirmed(List<NotificationEvent> candidates) {
        List<UUID> ids = candidates.stream().map(NotificationEvent::notificationId).distinct().toList();
        Set<UUID> confirmed = new HashSet<>();
        for (int from = 0; from < ids.size(); from += MAX_IDS_PER_CHECK) {
            UUID[] chunk = ids.subList(from, Math.min(ids.size(), from + MAX_IDS_PER_CHECK)).toArray(UUID[]::new);
            confirmed.addAll(checks.inUnit(RequestClaims.user(organizationId, userId),
                    Transactions.Mode.SINGLE_STATEMENT,
                    unit -> NotificationsImpl.ownAmong(unit, organizationId, userId, chunk)));
        }
        return confirmed;
    }

    /**
     * The event in {@code n}, or null for another channel or a payload not shaped like the trigger's. Its
     * organization is null when the payload names none: the user routes the event, and the check binds
     * the subscription's organization anyway.
     */
    private static NotificationEvent parse(PGNotification n) {
        if (!CHANNEL.equals(n.getName())) {
            return null;
        }
        try {
            JsonNode json = JSON.readTree(n.getParameter());
            JsonNode org = json.path("org_id");
            return new NotificationEvent(UUID.fromString(json.path("id").asText()),
                    org.isMissingNode() ? null : UUID.fromString(org.asText()),
                    UUID.fromString(json.path("user_id").asText()),
                    NotificationEvent.Operation.valueOf(json.path("op").asText()));
        } catch (IOException | IllegalArgumentException e) {
            LOG.debug("ignoring a {} payload that is not shaped like the notifications trigger's", CHANNEL);
            return null;
        }
    }

    /** Removes the LISTEN and drops what the driver queued meanwhile; false when the connection failed. */
    private boolean unlisten() {
        try (Statement s = connection.createStatement()) {
            s.execute("UNLISTEN " + CHANNEL);
            pg.getNotifications();
            return true;
        } catch (SQLException e) {
            LOG.warn("cannot UNLISTEN; closing the physical connection instead of returning it", e);
            return false;
        }
    }

    /** Waits a while for a subscription's thread to end after close, and says so when it does not. */
    static void awaitEnd(Thread poller, UUID userId) {
        try {
            poller.join(CLOSE_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (poller.isAlive()) {
            LOG.warn("notification poller of user {} still running {} ms after close", userId, CLOSE_WAIT_MILLIS);
        }
    }

    /**
     * Returns a subscription's connection to the pool with the auto-commit mode it was lent with. When the
     * subscription {@code failed}, or that mode cannot be restored, first closes the physical connection so
     * that its session, LISTEN included, ends instead of reaching the next borrower (the pool replaces it).
     */
    static void release(Connection connection, boolean autoCommit, boolean failed) {
        boolean discard = failed;
        if (!discard) {
            try {
                connection.setAutoCommit(autoCommit);
            } catch (SQLException e) {
                LOG.warn("cannot restore auto-commit; closing the physical connection instead of returning it", e);
                discard = true;
            }
        }
        try {
            if (discard) {
                connection.unwrap(Connection.class).close();
            }
        } catch (SQLException e) {
            LOG.debug("closing a failed listening connection", e);
        }
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.debug("returning a listening connection", e);
        }
    }
}
