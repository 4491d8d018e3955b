package com.voxanne.dao;

import java.util.UUID;

/**
 * A notification was created or its status changed. Ids only, as the database sends them (never a title
 * or message, which may hold patient data): load the notification through
 * {@link Voxanne#notifications(OrgContext)} when its content is needed.
 *
 * <p>What is confirmed: a subscription delivers an event only once the notification it names has been
 * found, as the subscribed user under row-level security, to exist and to belong to that user in that
 * organization, so the three ids are facts. The {@link #operation()} is not: it is what the NOTIFY
 * payload said, which any database role can send, and the current row cannot confirm it (a status that
 * changed twice, or a notification created and read at once, leaves no trace of the step in between,
 * and a real event must not be lost to such a race). Treat an event as "this notification of yours may
 * have changed: reload it", never as proof that it was created or read just now. On a database
 * distributed by Citus there is no payload: a subscription reads the user's changed notifications, and
 * the operation is worked out from their {@code created_at} and {@code updated_at} (ADR 0022).
 *
 * @param notificationId the notification
 * @param organizationId its organization
 * @param userId the user it is for
 * @param operation what happened to it, as announced (not confirmed)
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
