package com.voxanne.dao;

import java.util.UUID;

/**
 * The acting user's own notifications in the organization a unit of work is bound to. A notification of
 * another user, of the same organization or not, is {@linkplain NotFoundException not found}.
 *
 * <p>In a service scope (a webhook handler, which acts for no user) only {@link #create} is available;
 * the other methods throw {@link TenantContextException}.
 */
public interface Notifications {

    /**
     * Creates a notification for {@code userId}, a user of this organization, through the database function
     * {@code create_notification}, whose rules apply: a user may notify users of its own organization only,
     * the organization must be active. In a service scope, for any user of the organization.
     *
     * @return the new notification's id (a user may not read another user's notification back); with a
     *         {@linkplain NewNotification#id(UUID) caller-chosen id} already used for this organization and
     *         user, that id, the earlier notification unchanged
     * @throws InvalidInputException for a missing user, type, title or message, a title blank or over 200
     *         characters, a message over 4000 characters, an action URL that is neither https nor an in-app
     *         path, no channel, or an expiry not in the future
     * @throws AccessDeniedException when {@code userId} is not a user of this organization, or the
     *         organization is not active
     * @throws DuplicateException on {@code notifications_pkey} when a caller-chosen id is another
     *         organization's or another user's notification
     */
    UUID create(UUID userId, NewNotification notification);

    /**
     * The acting user's notification with this id.
     *
     * @throws NotFoundException when the acting user has none with this id
     * @throws TenantContextException in a service scope
     */
    Notification get(UUID id);

    /**
     * One page of the acting user's notifications, newest first ({@code created_at}, then id).
     *
     * @throws InvalidInputException for a limit outside 1 to 100 or a cursor this method did not return
     * @throws TenantContextException in a service scope
     */
    Page<Notification> list(NotificationQuery query);

    /**
     * How many unread notifications the acting user has.
     *
     * @throws TenantContextException in a service scope
     */
    int unreadCount();

    /**
     * Marks the notification read (once: a read notification keeps its first {@code readAt}, an archived
     * one stays archived) and returns it.
     *
     * @throws NotFoundException when the acting user has none with this id
     * @throws TenantContextException in a service scope
     */
    Notification markRead(UUID id);

    /**
     * Marks every unread notification of the acting user read; returns how many changed.
     *
     * @throws TenantContextException in a service scope
     */
    int markAllRead();

    /**
     * Archives the notification (idempotent) and returns it.
     *
     * @throws NotFoundException when the acting user has none with this id
     * @throws TenantContextException in a service scope
     */
    Notification archive(UUID id);
}
