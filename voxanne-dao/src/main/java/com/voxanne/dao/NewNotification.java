package com.voxanne.dao;

import com.voxanne.schema.jooq.enums.NotificationPriority;
import com.voxanne.schema.jooq.enums.NotificationType;
import com.voxanne.schema.jsonb.NotificationChannel;
import java.time.OffsetDateTime;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.UUID;

/**
 * A notification to create; build with {@link #of}. Immutable: each setter returns a copy. Defaults:
 * priority normal, channel in-app, no related entity, no action URL, expiry 30 days after creation (the
 * database's default), an id the create picks ({@link #id(UUID)} makes the create safe to retry).
 * Validated when it is created. Title and message are free text that may be about a patient: its
 * {@link #toString()} shows whether they are set, never what they say.
 */
public final class NewNotification {

    private final NotificationType type;
    private final String title;
    private final String message;
    private final RelatedEntityType relatedEntityType;
    private final UUID relatedEntityId;
    private final NotificationPriority priority;
    private final String actionUrl;
    private final Set<NotificationChannel> channels;
    private final OffsetDateTime expiresAt;
    private final UUID id;

    private NewNotification(NotificationType type, String title, String message, RelatedEntityType relatedEntityType,
                            UUID relatedEntityId, NotificationPriority priority, String actionUrl,
                            Set<NotificationChannel> channels, OffsetDateTime expiresAt, UUID id) {
        this.type = type;
        this.title = title;
        this.message = message;
        this.relatedEntityType = relatedEntityType;
        this.relatedEntityId = relatedEntityId;
        this.priority = priority;
        this.actionUrl = actionUrl;
        this.channels = channels;
        this.expiresAt = expiresAt;
        this.id = id;
    }

    /** A notification of {@code type} with a title and a message, normal priority, in-app only. */
    public static NewNotification of(NotificationType type, String title, String message) {
        return new NewNotification(type, title, message, null, null, NotificationPriority.NORMAL, null,
                Set.of(NotificationChannel.IN_APP), null, null);
    }

    /** Pointing at a row ({@code id} may be {@code null}, for example for {@link RelatedEntityType#SYSTEM}). */
    public NewNotification relatedTo(RelatedEntityType entityType, UUID id) {
        return new NewNotification(type, title, message, entityType, id, priority, actionUrl, channels, expiresAt, id);
    }

    /** With a priority. */
    public NewNotification priority(NotificationPriority newPriority) {
        return new NewNotification(type, title, message, relatedEntityType, relatedEntityId, newPriority, actionUrl,
                channels, expiresAt, id);
    }

    /** With an action: an https URL or an in-app path such as {@code /appointments/42}. */
    public NewNotification actionUrl(String url) {
        return new NewNotification(type, title, message, relatedEntityType, relatedEntityId, priority, url,
                channels, expiresAt, id);
    }

    /** Delivered on these channels (at least one). */
    public NewNotification channels(Set<NotificationChannel> newChannels) {
        // null and null elements are kept so that create() reports them as invalid input
        Set<NotificationChannel> copy = newChannels == null ? null
                : Collections.unmodifiableSet(new LinkedHashSet<>(newChannels));
        return new NewNotification(type, title, message, relatedEntityType, relatedEntityId, priority, actionUrl,
                copy, expiresAt, id);
    }

    /** Archived by expiry at this time (must be in the future) instead of 30 days after creation. */
    public NewNotification expiresAt(OffsetDateTime time) {
        return new NewNotification(type, title, message, relatedEntityType, relatedEntityId, priority, actionUrl,
                channels, time, id);
    }

    /**
     * With an id chosen by the caller, which makes the create safe to retry: a create whose id is already
     * a notification of this organization for the same recipient creates nothing (no second event for
     * listeners, no second audit row) and returns that id, whatever the retry's other fields, so a retry
     * after an {@linkplain DataAccessFailureException#outcomeUnknown() unknown outcome} either creates the
     * notification or returns the one the first attempt created. Generate it once per notification to
     * create (a random UUID) and keep it for the retries. An id that a notification of another
     * organization or another recipient has is refused like a colliding random id, with a
     * {@link DuplicateException} on {@code notifications_pkey}, and tells nothing else about that row.
     */
    public NewNotification id(UUID notificationId) {
        return new NewNotification(type, title, message, relatedEntityType, relatedEntityId, priority, actionUrl,
                channels, expiresAt, notificationId);
    }

    /** The type. */
    public NotificationType type() {
        return type;
    }

    /** The title as given. */
    public String title() {
        return title;
    }

    /** The message as given. */
    public String message() {
        return message;
    }

    /** The kind of related row, or {@code null}. */
    public RelatedEntityType relatedEntityType() {
        return relatedEntityType;
    }

    /** The related row, or {@code null}. */
    public UUID relatedEntityId() {
        return relatedEntityId;
    }

    /** The priority. */
    public NotificationPriority priority() {
        return priority;
    }

    /** The action URL, or {@code null}. */
    public String actionUrl() {
        return actionUrl;
    }

    /** The channels. */
    public Set<NotificationChannel> channels() {
        return channels;
    }

    /** The expiry, or {@code null} for the database's default. */
    public OffsetDateTime expiresAt() {
        return expiresAt;
    }

    /** The caller-chosen id, or {@code null} for one the create picks. */
    public UUID id() {
        return id;
    }

    /** Kinds, ids, priority, channels and expiry; title, message and action URL only as set or not. */
    @Override
    public String toString() {
        return Redaction.of("NewNotification").plain("id", id).plain("type", type).secret("title", title).secret("message", message)
                .plain("relatedEntityType", relatedEntityType).plain("relatedEntityId", relatedEntityId)
                .plain("priority", priority).secret("actionUrl", actionUrl).plain("channels", channels)
                .plain("expiresAt", expiresAt).toString();
    }
}
