package com.voxanne.dao;

import java.time.OffsetDateTime;
import java.util.Optional;
import java.util.UUID;

/**
 * Which audit events of one organization to list; start with {@link #organization(UUID)}. Immutable:
 * each setter returns a copy. Filters left unset match everything; values are validated when the query
 * runs.
 */
public final class AuditQuery {

    /** The page size when none is given. */
    public static final int DEFAULT_LIMIT = 50;
    /** The largest page size. */
    public static final int MAX_LIMIT = 500;

    private final UUID organizationId;
    private final OffsetDateTime from;
    private final OffsetDateTime to;
    private final String table;
    private final UUID user;
    private final String operation;
    private final int limit;
    private final String cursor;

    private AuditQuery(UUID organizationId, OffsetDateTime from, OffsetDateTime to, String table, UUID user,
                       String operation, int limit, String cursor) {
        this.organizationId = organizationId;
        this.from = from;
        this.to = to;
        this.table = table;
        this.user = user;
        this.operation = operation;
        this.limit = limit;
        this.cursor = cursor;
    }

    /** Every event of {@code organizationId}, newest first, {@value #DEFAULT_LIMIT} per page. */
    public static AuditQuery organization(UUID organizationId) {
        return new AuditQuery(organizationId, null, null, null, null, null, DEFAULT_LIMIT, null);
    }

    /** Only events at or after {@code from}. */
    public AuditQuery from(OffsetDateTime from) {
        return new AuditQuery(organizationId, from, to, table, user, operation, limit, cursor);
    }

    /** Only events before {@code to} (exclusive). */
    public AuditQuery to(OffsetDateTime to) {
        return new AuditQuery(organizationId, from, to, table, user, operation, limit, cursor);
    }

    /** Only events of this table, for example {@code contacts}. */
    public AuditQuery table(String table) {
        return new AuditQuery(organizationId, from, to, table, user, operation, limit, cursor);
    }

    /** Only events of this end user ({@code authenticated_user}). */
    public AuditQuery user(UUID user) {
        return new AuditQuery(organizationId, from, to, table, user, operation, limit, cursor);
    }

    /** Only events of this operation, for example {@code DELETE} (case-insensitive). */
    public AuditQuery operation(String operation) {
        return new AuditQuery(organizationId, from, to, table, user, operation, limit, cursor);
    }

    /** At most {@code limit} events per page, 1 to {@value #MAX_LIMIT}. */
    public AuditQuery limit(int limit) {
        return new AuditQuery(organizationId, from, to, table, user, operation, limit, cursor);
    }

    /** The page after the one whose {@link Page#nextCursor()} this is. */
    public AuditQuery after(String cursor) {
        return new AuditQuery(organizationId, from, to, table, user, operation, limit, cursor);
    }

    /** The organization whose trail this lists. */
    public UUID organizationId() {
        return organizationId;
    }

    /** The inclusive start of the time range, if any. */
    public Optional<OffsetDateTime> from() {
        return Optional.ofNullable(from);
    }

    /** The exclusive end of the time range, if any. */
    public Optional<OffsetDateTime> to() {
        return Optional.ofNullable(to);
    }

    /** The table filter, if any. */
    public Optional<String> table() {
        return Optional.ofNullable(table);
    }

    /** The end-user filter, if any. */
    public Optional<UUID> user() {
        return Optional.ofNullable(user);
    }

    /** The operation filter, if any. */
    public Optional<String> operation() {
        return Optional.ofNullable(operation);
    }

    /** The page size. */
    public int limit() {
        return limit;
    }

    /** Where the page starts, if not at the newest event. */
    public Optional<String> cursor() {
        return Optional.ofNullable(cursor);
    }
}
