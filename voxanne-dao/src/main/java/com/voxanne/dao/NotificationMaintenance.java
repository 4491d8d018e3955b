package com.voxanne.dao;

/** Notification work across organizations: backend work of the {@link ServiceScope}. */
public interface NotificationMaintenance {
}
