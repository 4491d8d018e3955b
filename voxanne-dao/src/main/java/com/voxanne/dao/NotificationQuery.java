package com.voxanne.dao;

import com.voxanne.schema.jooq.enums.NotificationStatus;
import com.voxanne.schema.jooq.enums.NotificationType;
import java.util.Optional;

/**
 * Which of the acting user's notifications to list, newest first; build with {@link #all()}. Immutable:
 * each setter returns a copy. The limit (1 to 100, default 20) and the cursor are validated by
 * {@link Notifications#list}.
 */
public final class NotificationQuery {

    private final NotificationStatus status;
    private final NotificationType type;
    private final int limit;
    private final String cursor;

    private NotificationQuery(NotificationStatus status, NotificationType type, int limit, String cursor) {
        this.status = status;
        this.type = type;
        this.limit = limit;
        this.cursor = cursor;
    }

    /** Every status and type, 20 per page, from the newest. */
    public static NotificationQuery all() {
        return new NotificationQuery(null, null, 20, null);
    }

    /** Only notifications with this status ({@code null}: any). */
    public NotificationQuery status(NotificationStatus onlyStatus) {
        return new NotificationQuery(onlyStatus, type, limit, cursor);
    }

    /** Only notifications of this type ({@code null}: any). */
    public NotificationQuery type(NotificationType onlyType) {
        return new NotificationQuery(status, onlyType, limit, cursor);
    }

    /** At most this many per page (1 to 100). */
    public NotificationQuery limit(int pageSize) {
        return new NotificationQuery(status, type, pageSize, cursor);
    }

    /** The page after the one that returned this {@link Page#nextCursor() cursor} ({@code null}: first page). */
    public NotificationQuery after(String nextCursor) {
        return new NotificationQuery(status, type, limit, nextCursor);
    }

    /** The status filter. */
    public Optional<NotificationStatus> status() {
        return Optional.ofNullable(status);
    }

    /** The type filter. */
    public Optional<NotificationType> type() {
        return Optional.ofNullable(type);
    }

    /** The page size. */
    public int limit() {
        return limit;
    }

    /** Where the page starts, empty for the first page. */
    public Optional<String> cursor() {
        return Optional.ofNullable(cursor);
    }
}
