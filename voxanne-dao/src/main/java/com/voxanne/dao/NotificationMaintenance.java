package com.voxanne.dao;

/** Notification work across organizations: backend work of the {@link ServiceScope}. */
public interface NotificationMaintenance {

    /**
     * Archives every unread or read notification whose expiry has passed, in all organizations, through the
     * database function {@code expire_old_notifications}; returns how many. Run it periodically.
     */
    int expire();
}
