package com.voxanne.dao.internal;

import static com.voxanne.schema.jooq.Tables.NOTIFICATIONS;

import com.voxanne.dao.DataAccessFailureException;
import com.voxanne.dao.NotificationEvent;
import com.voxanne.dao.NotificationEvent.Operation;
import com.voxanne.dao.NotificationSubscription;
import com.voxanne.dao.VoxanneObserver;
import com.voxanne.schema.session.RequestBinding.Placement;
import com.voxanne.schema.session.RequestClaims;
import com.voxanne.schema.session.RoleTimeouts;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.jooq.impl.DSL;
import org.jooq.tools.jdbc.SingleConnectionDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One user's {@link NotificationSubscription} on a distributed (Citus) database: a pooled connection
 * that reads, every {@link #POLL_INTERVAL}, the user's notifications changed since a watermark, as that
 * user under row-level security, and passes what changed to the listener
 * (docs/adr/0022-notification-subscriptions-on-a-distributed-database.md).
 *
 * <p>Why not LISTEN: the trigger's {@code pg_notify} runs on the worker holding the notification's shard,
 * and a NOTIFY is local to its server, so a LISTEN on the coordinator (the only server the DAO's pool
 * reaches) hears nothing (docs/citus.md, fact 15).
 *
 * <p>Each poll is one statement ({@code org_id = ? and user_id = ? and updated_at > ?}), which Citus
 * routes to the one worker holding the organization's shards, in a single-statement unit bound as the
 * user on the subscription's own connection: what it returns exists and is the user's in the
 * organization (the policy decides, the filter only routes), so nothing read needs a second check, and
 * nothing but ids and timestamps is read.
 *
 * <p>The watermark, and what it relies on: {@code updated_at} (and {@code created_at} on insert) is
 * {@code now()}, the writing transaction's start, not its commit; a transaction that started before a
 * change already seen may commit after it. Every poll therefore reads again an overlap of
 * {@link #OVERLAP} below the latest change seen, and remembers what it delivered in that window, so a
 * change is delivered once. Relied on: a transaction that changes a notification commits within
 * {@link #OVERLAP} of the start of any later change of the same user's notifications, and the servers'
 * clocks agree to well within it. The watermark never passes this JVM's clock, so a row dated in the
 * future (written by the service role or an operator) cannot hide later changes; it only keeps its own
 * window open.
 *
 * <p>What an event says: a notification first seen with {@code created_at} inside the window is an
 * {@link Operation#INSERT}, followed by an {@link Operation#UPDATE} when it has changed since; any other
 * change of {@code updated_at} is an UPDATE. Changes between two polls come as one event, a change of
 * another column (the service role's) as an UPDATE too: as on one server, an event means "reload it".
 * Events of one poll are delivered in the order of their timestamps.
 */
final class NotificationPoller implements NotificationSubscription {

    /** How often the user's notifications are read: the cluster's delivery delay, and its load per subscription. */
    static final Duration POLL_INTERVAL = Duration.ofSeconds(1);
    /** How far below the latest change seen every poll reads again, for transactions that commit late. */
    static final Duration OVERLAP = Duration.ofMinutes(5);
    private static final Logger LOG = LoggerFactory.getLogger(NotificationPoller.class);

    /** A notification as a poll reads it: ids and timestamps only. */
    private record Change(UUID id, Instant createdAt, Instant updatedAt) {
    }

    /** An event with the timestamp that orders it among the poll's events. */
    private record Timed(Instant at, NotificationEvent event) {
    }

    private final Connection connection;
    private final boolean autoCommit;
    private final UUID organizationId;
    private final UUID userId;
    private final Consumer<NotificationEvent> listener;
    /** Units of work on the subscription's connection, which stays open across them (close is a no-op). */
    private final Transactions units;
    private final VoxanneObserver observer;
    private final Thread poller;
    /** Wakes the poller from its wait when the subscription is closed. */
    private final Object wake = new Object();
    private volatile boolean open = true;

    /** The latest {@code updated_at} seen (never past this JVM's clock); polls read from {@link #OVERLAP} below it. */
    private Instant watermark;
    /** The {@code updated_at} last delivered (or seen when subscribing) per notification changed in the window. */
    private final Map<UUID, Instant> seen = new HashMap<>();

    private NotificationPoller(Connection connection, boolean autoCommit, UUID organizationId, UUID userId,
                               Consumer<NotificationEvent> listener, RoleTimeouts timeouts, VoxanneObserver observer,
                               Placement placement) {
        this.connection = connection;
        this.autoCommit = autoCommit;
        this.organizationId = organizationId;
        this.userId = userId;
        this.listener = listener;
        this.observer = observer;
        this.units = new Transactions(new SingleConnectionDataSource(connection), timeouts, observer, placement);
        this.poller = new Thread(this::poll, "voxanne-notifications-" + userId);
        this.poller.setDaemon(true);
    }

    /**
     * Subscribes {@code listener} to the changes of {@code userId}'s notifications in
     * {@code organizationId} that commit after this returns: before it does, the notifications changed in
     * the last {@link #OVERLAP} are read once, as the user, and taken as seen, not delivered.
     *
     * @throws DataAccessFailureException when no connection is available or that first read fails
     */
    static NotificationSubscription open(DataSource pool, UUID organizationId, UUID userId,
                                         Consumer<NotificationEvent> listener, RoleTimeouts timeouts,
                                         VoxanneObserver observer, Placement placement) {
        Objects.requireNonNull(listener, "listener");
        Objects.requireNonNull(observer, "observer");
        Connection connection;
        try {
            connection = pool.getConnection();
        } catch (SQLException e) {
            throw SqlErrors.noConnection("get a connection to poll notifications on", e);
        }
        try {
            NotificationPoller subscription = new NotificationPoller(connection, connection.getAutoCommit(),
                    organizationId, userId, listener, timeouts, observer, placement);
            subscription.start();
            Observed.report(observer::subscriptionOpened);   // before the poller, whose end reports the close
            subscription.poller.start();
            return subscription;
        } catch (SQLException | RuntimeException e) {
            NotificationListener.release(connection, true, true);   // failed: discarded, whatever its mode
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
        synchronized (wake) {
            wake.notifyAll();
        }
        if (Thread.currentThread() == poller) {
            return; // called by the listener: the poller stops and gives the connection back after it returns
        }
        NotificationListener.awaitEnd(poller, userId);
    }

    /** The starting point: the database's time, and what changed in the window below it, taken as seen. */
    private void start() {
        watermark = units.inUnit(claims(), Transactions.Mode.TRANSACTION, unit -> {
            Instant now = unit.dsl().select(DSL.currentOffsetDateTime()).fetchOne(0, OffsetDateTime.class).toInstant();
            for (Change change : changedAfter(unit, now.minus(OVERLAP))) {
                seen.put(change.id(), change.updatedAt());
            }
            return now;
        });
        watermark = min(watermark, Instant.now());
    }

    private void poll() {
        boolean failed = true;
        try {
            while (open) {
                synchronized (wake) {
                    if (open) {
                        wake.wait(POLL_INTERVAL.toMillis());
                    }
                }
                if (open) {
                    deliver(pollOnce());
                }
            }
            failed = false;
        } catch (InterruptedException e) {
            LOG.warn("notification poller of user {} interrupted; the subscription ends", userId);
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("notification subscription of user {} stopped: its connection or a poll failed", userId, e);
        } finally {
            open = false;
            NotificationListener.release(connection, autoCommit, failed);
            Observed.report(observer::subscriptionClosed);
        }
    }

    /** One read of the window; the events it finds, in order, with the window moved on and its memory trimmed. */
    private List<NotificationEvent> pollOnce() {
        Instant floor = watermark.minus(OVERLAP);
        List<Change> changes = units.inUnit(claims(), Transactions.Mode.SINGLE_STATEMENT,
                unit -> changedAfter(unit, floor));
        List<Timed> events = new ArrayList<>();
        Instant latest = watermark;
        for (Change change : changes) {
            Instant before = seen.put(change.id(), change.updatedAt());
            if (change.updatedAt().isAfter(latest)) {
                latest = change.updatedAt();
            }
            if (change.updatedAt().equals(before)) {
                continue;
            }
            // Unseen and created inside the window: its creation has not been delivered (what was seen
            // and then forgotten had updated_at, so created_at, at or below an earlier floor).
            boolean created = before == null && change.createdAt().isAfter(floor);
            if (created) {
                events.add(new Timed(change.createdAt(), event(change, Operation.INSERT)));
            }
            if (!created || !change.updatedAt().equals(change.createdAt())) {
                // after the creation even when an update whose transaction started earlier stamped it earlier
                events.add(new Timed(max(change.updatedAt(), change.createdAt()), event(change, Operation.UPDATE)));
            }
        }
        watermark = min(latest, Instant.now());
        Instant newFloor = watermark.minus(OVERLAP);
        // a change at or below the floor is never read again, so it need not be remembered
        seen.values().removeIf(updatedAt -> !updatedAt.isAfter(newFloor));
        // a stable sort keeps a notification's INSERT before its UPDATE at the same instant
        events.sort(Comparator.comparing(Timed::at));
        return events.stream().map(Timed::event).toList();
    }

    private void deliver(List<NotificationEvent> events) {
        for (NotificationEvent event : events) {
            if (!open) {
                return;
            }
            Observed.report(observer::notificationDelivered);
            try {
                listener.accept(event);
            } catch (RuntimeException e) {
                LOG.warn("notification listener of user {} failed on {}; delivery goes on", userId,
                        event.notificationId(), e);
            }
        }
    }

    /**
     * The user's notifications changed after {@code floor}, read in {@code unit} (bound as that user):
     * one statement, routed by {@code org_id} to the worker holding the organization's shards.
     */
    private List<Change> changedAfter(Unit unit, Instant floor) {
        return unit.dsl().select(NOTIFICATIONS.ID, NOTIFICATIONS.CREATED_AT, NOTIFICATIONS.UPDATED_AT)
                .from(NOTIFICATIONS)
                .where(NOTIFICATIONS.ORG_ID.eq(organizationId), NOTIFICATIONS.USER_ID.eq(userId),
                        NOTIFICATIONS.UPDATED_AT.gt(floor.atOffset(ZoneOffset.UTC)))
                .orderBy(NOTIFICATIONS.UPDATED_AT, NOTIFICATIONS.ID)
                .fetch(r -> new Change(r.value1(), r.value2().toInstant(), r.value3().toInstant()));
    }

    private NotificationEvent event(Change change, Operation operation) {
        return new NotificationEvent(change.id(), organizationId, userId, operation);
    }

    private RequestClaims claims() {
        return RequestClaims.user(organizationId, userId);
    }

    private static Instant min(Instant a, Instant b) {
        return a.isBefore(b) ? a : b;
    }

    private static Instant max(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
