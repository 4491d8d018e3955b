package com.voxanne.dao.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.voxanne.dao.DataAccessFailureException;
import com.voxanne.dao.NotificationEvent;
import com.voxanne.dao.NotificationSubscription;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Objects;
import java.util.UUID;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One user's {@link NotificationSubscription}: a pooled connection that LISTENs on
 * {@code voxanne_notifications}, polled by a daemon thread that passes the events of one user of one
 * organization to the listener.
 *
 * <p>Why this is safe: the payload holds ids only (the trigger never sends content), and the filter
 * on both organization and user runs here, before the listener sees anything. LISTEN needs no role and
 * no claims, so nothing is bound; it is session state, which is why the poller removes it (UNLISTEN, then
 * drains what the driver already queued) before the connection goes back to the pool, and closes the
 * physical connection instead when that cleanup fails.
 */
public final class NotificationListener implements NotificationSubscription {

    /** The channel of the trigger notifications_notify (V8). */
    static final String CHANNEL = "voxanne_notifications";
    private static final int POLL_MILLIS = 250;
    private static final long CLOSE_WAIT_MILLIS = 10_000;
    private static final Logger LOG = LoggerFactory.getLogger(NotificationListener.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Connection connection;
    private final PGConnection pg;
    private final boolean autoCommit;
    private final UUID organizationId;
    private final UUID userId;
    private final Consumer<NotificationEvent> listener;
    private final Thread poller;
    private volatile boolean open = true;

    private NotificationListener(Connection connection, PGConnection pg, boolean autoCommit, UUID organizationId,
                                 UUID userId, Consumer<NotificationEvent> listener) {
        this.connection = connection;
        this.pg = pg;
        this.autoCommit = autoCommit;
        this.organizationId = organizationId;
        this.userId = userId;
        this.listener = listener;
        this.poller = new Thread(this::poll, "voxanne-notifications-" + userId);
        this.poller.setDaemon(true);
    }

    /**
     * Subscribes {@code listener} to the events of {@code userId} in {@code organizationId}. LISTEN is in
     * effect when this returns: every notification committed afterwards is delivered.
     *
     * @throws DataAccessFailureException when no connection is available or LISTEN fails
     */
    public static NotificationSubscription open(DataSource pool, UUID organizationId, UUID userId,
                                                Consumer<NotificationEvent> listener) {
        Objects.requireNonNull(listener, "listener");
        Connection connection;
        try {
            connection = pool.getConnection();
        } catch (SQLException e) {
            throw new DataAccessFailureException("cannot get a connection to listen on: " + e.getMessage(), e);
        }
        try {
            boolean autoCommit = connection.getAutoCommit();
            // LISTEN takes effect at commit: with auto-commit on, at once
            connection.setAutoCommit(true);
            try (Statement s = connection.createStatement()) {
                s.execute("LISTEN " + CHANNEL);
            }
            NotificationListener subscription = new NotificationListener(connection,
                    connection.unwrap(PGConnection.class), autoCommit, organizationId, userId, listener);
            subscription.poller.start();
            return subscription;
        } catch (SQLException | RuntimeException e) {
            release(connection, true);
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
        try {
            poller.join(CLOSE_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (poller.isAlive()) {
            LOG.warn("notification poller of user {} still running {} ms after close", userId, CLOSE_WAIT_MILLIS);
        }
    }

    private void poll() {
        boolean clean = false;
        try {
            while (open) {
                PGNotification[] notifications = pg.getNotifications(POLL_MILLIS);
                if (notifications != null) {
                    for (PGNotification n : notifications) {
                        if (open) {
                            deliver(n);
                        }
                    }
                }
            }
            clean = unlisten();
        } catch (SQLException | RuntimeException e) {
            LOG.error("notification subscription of user {} stopped: the connection failed", userId, e);
        } finally {
            open = false;
            release(connection, !clean || !restoreAutoCommit());
        }
    }

    private void deliver(PGNotification n) {
        NotificationEvent event = parse(n);
        if (event == null || !organizationId.equals(event.organizationId()) || !userId.equals(event.userId())) {
            return;
        }
        try {
            listener.accept(event);
        } catch (RuntimeException e) {
            LOG.warn("notification listener of user {} failed on {}; delivery goes on", userId, event.notificationId(), e);
        }
    }

    /** The event in {@code n}, or null for another channel or a payload not from our trigger. */
    private static NotificationEvent parse(PGNotification n) {
        if (!CHANNEL.equals(n.getName())) {
            return null;
        }
        try {
            JsonNode json = JSON.readTree(n.getParameter());
            return new NotificationEvent(UUID.fromString(json.path("id").asText()),
                    UUID.fromString(json.path("org_id").asText()), UUID.fromString(json.path("user_id").asText()),
                    NotificationEvent.Operation.valueOf(json.path("op").asText()));
        } catch (IOException | IllegalArgumentException e) {
            LOG.warn("ignoring a {} payload that is not from the notifications trigger", CHANNEL);
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

    /** Gives the connection back with the auto-commit mode it came with; false when the connection failed. */
    private boolean restoreAutoCommit() {
        try {
            connection.setAutoCommit(autoCommit);
            return true;
        } catch (SQLException e) {
            LOG.warn("cannot restore auto-commit; closing the physical connection instead of returning it", e);
            return false;
        }
    }

    /**
     * Returns the connection to the pool; when {@code discard}, first closes the physical connection so that
     * its session, LISTEN included, ends instead of reaching the next borrower (the pool then replaces it).
     */
    private static void release(Connection connection, boolean discard) {
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
