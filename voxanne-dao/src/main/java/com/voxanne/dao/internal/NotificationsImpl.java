package com.voxanne.dao.internal;

import static com.voxanne.dao.internal.Transactions.Mode.SINGLE_STATEMENT;
import static com.voxanne.dao.internal.Transactions.Mode.TRANSACTION;
import static com.voxanne.schema.jooq.Tables.NOTIFICATIONS;
import static com.voxanne.schema.jooq.Tables.ORGANIZATIONS;
import static org.jooq.impl.DSL.any;
import static org.jooq.impl.DSL.currentOffsetDateTime;
import static org.jooq.impl.DSL.inline;
import static org.jooq.impl.DSL.row;

import com.voxanne.dao.InvalidInputException;
import com.voxanne.dao.NewNotification;
import com.voxanne.dao.NotFoundException;
import com.voxanne.dao.Notification;
import com.voxanne.dao.NotificationQuery;
import com.voxanne.dao.Notifications;
import com.voxanne.dao.Page;
import com.voxanne.dao.RelatedEntityType;
import com.voxanne.dao.TenantContextException;
import com.voxanne.schema.jooq.routines.CreateNotification;
import com.voxanne.schema.jooq.enums.NotificationStatus;
import com.voxanne.schema.jooq.enums.NotificationType;
import com.voxanne.schema.jsonb.NotificationChannel;
import com.voxanne.schema.session.RequestBinding.Placement;
import java.time.OffsetDateTime;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;
import org.jooq.Condition;
import org.jooq.Field;
import org.jooq.TableLike;
import org.jooq.impl.DSL;

/**
 * {@link Notifications} inside one bound transaction; {@code userId} is null in a service scope. Every
 * query filters by organization and user (the leading columns of the notification indexes) and writes
 * status filters as inlined literals, so that PostgreSQL can prove the partial index
 * {@code idx_notifications_user_unread}'s predicate under RLS.
 */
final class NotificationsImpl implements Notifications {

    private static final int MAX_PAGE = 100;
    /** What ck_notifications_action_url accepts, so both agree: https, or '/' not followed by '/' ... */
    private static final Pattern ACTION_URL_START = Pattern.compile("^(https://|/[^/])");
    /** ... and no whitespace, control character or backslash anywhere. */
    private static final Pattern ACTION_URL_FORBIDDEN = Pattern.compile("[\\s\\p{Cntrl}\\\\]");

    private final Unit unit;
    private final UUID organizationId;
    private final UUID userId;
    private final Inputs inputs;

    NotificationsImpl(Unit unit, UUID organizationId, UUID userId, Inputs inputs) {
        this.unit = unit;
        this.organizationId = organizationId;
        this.userId = userId;
        this.inputs = inputs;
    }

    // one call of create_notification()
    @Override
    @UnitMode(SINGLE_STATEMENT)
    public UUID create(UUID recipientId, NewNotification n) {
        if (recipientId == null) {
            throw new InvalidInputException("userId", "must not be null");
        }
        if (n == null) {
            throw new InvalidInputException("notification", "must not be null");
        }
        if (n.type() == null) {
            throw new InvalidInputException("type", "must not be null");
        }
        String title = inputs.name("title", n.title(), 200);
        if (n.message() == null) {
            throw new InvalidInputException("message", "must not be null");
        }
        if (n.message().length() > 4000) {
            throw new InvalidInputException("message", "must be at most 4000 characters");
        }
        if (n.priority() == null) {
            throw new InvalidInputException("priority", "must not be null");
        }
        String actionUrl = actionUrl(n.actionUrl());
        Set<NotificationChannel> channels = n.channels();
        if (channels == null || channels.isEmpty() || channels.stream().anyMatch(Objects::isNull)) {
            throw new InvalidInputException("channels", "must name at least one channel, and no null");
        }
        if (n.expiresAt() != null && !n.expiresAt().isAfter(OffsetDateTime.now())) {
            throw new InvalidInputException("expiresAt", "must be in the future");
        }
        RelatedEntityType entityType = n.relatedEntityType();
        // the function, not an insert: its caller and organization rules are the ones that count
        RenderedWrites.Call<CreateNotification> call = RenderedWrites.call("notifications.create", CreateNotification::new)
                .arg(CreateNotification.P_ORG_ID, organizationId, CreateNotification::setPOrgId)
                .arg(CreateNotification.P_USER_ID, recipientId, CreateNotification::setPUserId)
                .arg(CreateNotification.P_TYPE, n.type(), CreateNotification::setPType)
                .arg(CreateNotification.P_TITLE, title, CreateNotification::setPTitle)
                .arg(CreateNotification.P_MESSAGE, n.message(), CreateNotification::setPMessage)
                .arg(CreateNotification.P_RELATED_ENTITY_ID, n.relatedEntityId(), CreateNotification::setPRelatedEntityId)
                .arg(CreateNotification.P_RELATED_ENTITY_TYPE, entityType == null ? null : entityType.literal(),
                        CreateNotification::setPRelatedEntityType)
                .arg(CreateNotification.P_PRIORITY, n.priority(), CreateNotification::setPPriority)
                .arg(CreateNotification.P_ACTION_URL, actionUrl, CreateNotification::setPActionUrl)
                .arg(CreateNotification.P_CHANNELS, channels, CreateNotification::setPChannels)
                .arg(CreateNotification.P_EXPIRES_AT, n.expiresAt(), CreateNotification::setPExpiresAt)
                .arg(CreateNotification.P_ID, n.id(), CreateNotification::setPId);
        if (unit.placement() == Placement.DISTRIBUTED) {
            // On the clinic's worker, in the unit's own transaction there (docs/adr/0023): called on the
            // coordinator, the definer's statements would reach the worker as the function's owner, and
            // Citus refuses one transaction's writes to a clinic's shards by two users (25001).
            call.from(organizationId, NotificationsImpl::onTheClinicsWorker);
        }
        return call.fetchSingle(unit, row -> row.getObject(1, UUID.class));
    }

    /**
     * What the call is selected from on a distributed database: the organization's shard, so that Citus
     * sends {@code select create_notification(…) from} it whole to the worker holding the clinic's shards.
     * The aggregate gives one row whether the organization is visible to the unit or not, so the function
     * always runs and refuses as on one server (42501) when the organization does not exist or is not the
     * caller's, instead of returning nothing.
     */
    private static TableLike<?> onTheClinicsWorker(Field<UUID> organization) {
        return DSL.select(DSL.count()).from(ORGANIZATIONS).where(ORGANIZATIONS.ID.eq(organization)).asTable("clinics_worker");
    }

    private static String actionUrl(String url) {
        if (url == null) {
            return null;
        }
        if (url.length() > 2048 || !ACTION_URL_START.matcher(url).find() || ACTION_URL_FORBIDDEN.matcher(url).find()) {
            throw new InvalidInputException("actionUrl",
                    "must be an https URL or an in-app path starting with a single '/', without spaces or backslashes");
        }
        return url;
    }

    // one SELECT
    @Override
    @UnitMode(SINGLE_STATEMENT)
    public Notification get(UUID id) {
        UUID user = actingUser();
        return RenderedReads.select("notifications.get", ONE)
                .where(organizationId, user, NotificationsImpl::mine)
                .where(requireId(id), notification -> NOTIFICATIONS.ID.eq(notification))
                .fetchOptional(unit, Rows::notification)
                .orElseThrow(() -> new NotFoundException("notification " + id));
    }

    /** A notification by its id: the query {@code get} starts from. */
    private static final RenderedReads.From ONE = () -> DSL.selectFrom(NOTIFICATIONS);

    // one rendered SELECT
    @Override
    @UnitMode(SINGLE_STATEMENT)
    public Page<Notification> list(NotificationQuery query) {
        UUID user = actingUser();
        if (query == null) {
            throw new InvalidInputException("query", "must not be null");
        }
        if (query.limit() < 1 || query.limit() > MAX_PAGE) {
            throw new InvalidInputException("limit", "must be between 1 and " + MAX_PAGE);
        }
        NotificationStatus status = query.status().orElse(null);
        NotificationType type = query.type().orElse(null);
        NotificationCursor after = query.cursor().map(NotificationCursor::parse).orElse(null);
        RenderedReads.Read read = RenderedReads.select("notifications.list", LIST)
                .where(organizationId, user, NotificationsImpl::mine);
        if (status != null) {
            read.whereInline(status, s -> NOTIFICATIONS.STATUS.eq(inline(s)));
        }
        if (type != null) {
            read.whereInline(type, t -> NOTIFICATIONS.TYPE.eq(inline(t)));
        }
        if (after != null) {
            read.where(after.createdAt(), after.id(), (time, id) -> row(NOTIFICATIONS.CREATED_AT, NOTIFICATIONS.ID).lt(time, id));
        }
        List<Notification> rows = read.limit(query.limit() + 1L).fetch(unit, Rows::notification);
        if (rows.size() <= query.limit()) {
            return new Page<>(rows, Optional.empty());
        }
        Notification last = rows.get(query.limit() - 1);
        return new Page<>(rows.subList(0, query.limit()),
                Optional.of(new NotificationCursor(last.createdAt(), last.id()).encode()));
    }

    // one SELECT count
    @Override
    @UnitMode(SINGLE_STATEMENT)
    public int unreadCount() {
        UUID user = actingUser();
        return RenderedReads.select("notifications.unreadCount", () -> DSL.selectCount().from(NOTIFICATIONS))
                .where(organizationId, user, NotificationsImpl::mine)
                .where(() -> NOTIFICATIONS.STATUS.eq(inline(NotificationStatus.UNREAD)))
                .fetchSingle(unit, row -> row.getInt(1));
    }

    /** The query every list of notifications starts from: whole rows, newest first. */
    private static final RenderedReads.From LIST =
            () -> DSL.selectFrom(NOTIFICATIONS).orderBy(NOTIFICATIONS.CREATED_AT.desc(), NOTIFICATIONS.ID.desc());

    // not one statement: an UPDATE that may be followed by a SELECT of the unchanged row
    @Override
    @UnitMode(TRANSACTION)
    public Notification markRead(UUID id) {
        UUID user = actingUser();
        // only an unread one changes: a read one keeps its first read_at, an archived one stays archived
        return RenderedWrites.update("notifications.markRead", NOTIFICATIONS)
                .setExpression(NOTIFICATIONS.STATUS, () -> inline(NotificationStatus.READ))
                .setExpression(NOTIFICATIONS.READ_AT, () -> currentOffsetDateTime())
                .where(organizationId, user, NotificationsImpl::mine)
                .where(requireId(id), BY_ID)
                .where(() -> NOTIFICATIONS.STATUS.eq(inline(NotificationStatus.UNREAD)))
                .returning()
                .fetchOptional(unit, Rows::notification)
                .orElseGet(() -> get(id));
    }

    // one UPDATE
    @Override
    @UnitMode(SINGLE_STATEMENT)
    public int markAllRead() {
        UUID user = actingUser();
        return RenderedWrites.update("notifications.markAllRead", NOTIFICATIONS)
                .setExpression(NOTIFICATIONS.STATUS, () -> inline(NotificationStatus.READ))
                .setExpression(NOTIFICATIONS.READ_AT, () -> currentOffsetDateTime())
                .where(organizationId, user, NotificationsImpl::mine)
                .where(() -> NOTIFICATIONS.STATUS.eq(inline(NotificationStatus.UNREAD)))
                .execute(unit);
    }

    // not one statement: an UPDATE that may be followed by a SELECT of the unchanged row
    @Override
    @UnitMode(TRANSACTION)
    public Notification archive(UUID id) {
        UUID user = actingUser();
        return RenderedWrites.update("notifications.archive", NOTIFICATIONS)
                .setExpression(NOTIFICATIONS.STATUS, () -> inline(NotificationStatus.ARCHIVED))
                .where(organizationId, user, NotificationsImpl::mine)
                .where(requireId(id), BY_ID)
                .where(() -> NOTIFICATIONS.STATUS.ne(inline(NotificationStatus.ARCHIVED)))
                .returning()
                .fetchOptional(unit, Rows::notification)
                .orElseGet(() -> get(id));
    }

    /** The acting user: a service scope acts for nobody, so it has no notifications of its own. */
    private UUID actingUser() {
        if (userId == null) {
            throw new TenantContextException("a service scope acts for no user: only create() is available");
        }
        return userId;
    }

    private static final RenderedReads.On<UUID> BY_ID = notification -> NOTIFICATIONS.ID.eq(notification);

    private static Condition mine(UUID organizationId, UUID user) {
        return NOTIFICATIONS.ORG_ID.eq(organizationId).and(NOTIFICATIONS.USER_ID.eq(user));
    }

    /** {@link #mine(UUID, UUID)} on bound values, for a rendered read. */
    private static Condition mine(Field<UUID> organizationId, Field<UUID> user) {
        return NOTIFICATIONS.ORG_ID.eq(organizationId).and(NOTIFICATIONS.USER_ID.eq(user));
    }

    /**
     * Which of {@code ids} are notifications of {@code userId} in {@code organizationId}, read in
     * {@code unit}, which must be bound as that very user: row-level security decides what exists, and the
     * explicit filter only leads the query to the indexes. One statement, whatever the number of ids
     * ({@code id = any(?)}), so it may run in a single-statement unit.
     */
    static Set<UUID> ownAmong(Unit unit, UUID organizationId, UUID userId, UUID[] ids) {
        return new HashSet<>(unit.dsl().select(NOTIFICATIONS.ID)
                .from(NOTIFICATIONS)
                .where(mine(organizationId, userId), NOTIFICATIONS.ID.eq(any(ids)))
                .fetch(NOTIFICATIONS.ID));
    }

    private static UUID requireId(UUID id) {
        if (id == null) {
            throw new InvalidInputException("id", "must not be null");
        }
        return id;
    }

}
