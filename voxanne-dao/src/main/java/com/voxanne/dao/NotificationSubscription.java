package com.voxanne.dao;

/**
 * A live subscription to one user's notification events, from
 * {@link Voxanne#subscribeToNotifications}. It holds one pooled connection until closed: close it. An
 * event is delivered only after that connection, bound as the user, has found its notification (see
 * {@link NotificationEvent} for what that confirms). On one server the connection LISTENs; on a
 * database distributed by Citus it reads the user's changed notifications once a second instead.
 */
public interface NotificationSubscription extends AutoCloseable {

    /**
     * Whether events are still delivered: false once closed, or once the connection or the check of an
     * event failed (then subscribe again, and reload the list, since events may have been missed).
     */
    boolean isOpen();

    /**
     * Stops delivery and gives the connection back to the pool (without its LISTEN, on one server). Idempotent, never
     * throws; waits for an event being delivered to finish, unless called from the listener itself.
     */
    @Override
    void close();
}
