package com.voxanne.dao;

import com.voxanne.schema.jooq.enums.NotificationPriority;
import com.voxanne.schema.jooq.enums.NotificationStatus;
import com.voxanne.schema.jooq.enums.NotificationType;
import com.voxanne.schema.jsonb.NotificationChannel;
import java.time.OffsetDateTime;
import java.util.Set;
import java.util.UUID;

/**
 * A notification of one user of one clinic. Title and message are free text that may be about a
 * patient: its {@link #toString()} shows whether they are set, never what they say.
 *
 * @param id its id
 * @param organizationId its clinic
 * @param userId the user it is for
 * @param type what happened
 * @param title short title (1 to 200 characters)
 * @param message the text (at most 4000 characters)
 * @param relatedEntityType the kind of row it points at, or {@code null}
 * @param relatedEntityId the row it points at, or {@code null}
 * @param status unread, read or archived
 * @param readAt when it was first marked read, or {@code null}
 * @param actionUrl an https URL or an in-app path, or {@code null}
 * @param priority how urgent it is
 * @param channels where it is delivered
 * @param expiresAt when expiry archives it, or {@code null} for never
 * @param createdAt when created
 * @param updatedAt when last changed
 */
public record Notification(UUID id, UUID organizationId, UUID userId, NotificationType type, String title,
                           String message, RelatedEntityType relatedEntityType, UUID relatedEntityId,
                           NotificationStatus status, OffsetDateTime readAt, String actionUrl,
                           NotificationPriority priority, Set<NotificationChannel> channels,
                           OffsetDateTime expiresAt, OffsetDateTime createdAt, OffsetDateTime updatedAt) {
    /** Copies the set. */
    public Notification {
        channels = Set.copyOf(channels);
    }

    /** Ids, kinds, statuses and times; title, message and action URL only as set or not. */
    @Override
    public String toString() {
        return Redaction.of("Notification").plain("id", id).plain("organizationId", organizationId)
                .plain("userId", userId).plain("type", type).secret("title", title).secret("message", message)
                .plain("relatedEntityType", relatedEntityType).plain("relatedEntityId", relatedEntityId)
                .plain("status", status).plain("readAt", readAt).secret("actionUrl", actionUrl)
                .plain("priority", priority).plain("channels", channels).plain("expiresAt", expiresAt)
                .plain("createdAt", createdAt).plain("updatedAt", updatedAt).toString();
    }
}
