package com.voxanne.dao;

import java.util.UUID;

/**
 * A notification was created or its status changed. Ids only, as the database sends them (never a title
 * or message, which may hold patient data): load the notification through
 * {@link Voxanne#notifications(OrgContext)} when its content is needed.
 *
 * @param notificationId the notification
 * @param organizationId its organization
 * @param userId the user it is for
 * @param operation what happened to it
 */
public record NotificationEvent(UUID notificationId, UUID organizationId, UUID userId, Operation operation) {

    /** What happened to a notification. */
    public enum Operation {
        /** It was created. */
        INSERT,
        /** Its status changed (read, archived, expired). */
        UPDATE
    }
}
