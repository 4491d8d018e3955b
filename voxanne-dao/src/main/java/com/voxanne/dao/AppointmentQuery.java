package com.voxanne.dao;

import com.voxanne.schema.jooq.enums.AppointmentStatus;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.UUID;

/**
 * Which appointments {@link Appointments#list} returns, oldest start first (then by id). Start with
 * {@link #all()}; immutable: each setter returns a copy. Checked when the list runs.
 */
public final class AppointmentQuery {

    /** The page size when none is set. */
    public static final int DEFAULT_LIMIT = 50;
    /** The largest page size. */
    public static final int MAX_LIMIT = 200;

    private final OffsetDateTime from;
    private final OffsetDateTime until;
    private final List<AppointmentStatus> statuses;
    private final UUID contactId;
    private final boolean includeDeleted;
    private final int limit;
    private final String cursor;

    private AppointmentQuery(OffsetDateTime from, OffsetDateTime until, List<AppointmentStatus> statuses,
                             UUID contactId, boolean includeDeleted, int limit, String cursor) {
        this.from = from;
        this.until = until;
        this.statuses = statuses;
        this.contactId = contactId;
        this.includeDeleted = includeDeleted;
        this.limit = limit;
        this.cursor = cursor;
    }

    /** Every appointment that is not deleted, {@value #DEFAULT_LIMIT} per page. */
    public static AppointmentQuery all() {
        return new AppointmentQuery(null, null, List.of(), null, false, DEFAULT_LIMIT, null);
    }

    /** Only those starting at or after {@code inclusive}. */
    public AppointmentQuery from(OffsetDateTime inclusive) {
        return new AppointmentQuery(inclusive, until, statuses, contactId, includeDeleted, limit, cursor);
    }

    /** Only those starting before {@code exclusive}. */
    public AppointmentQuery until(OffsetDateTime exclusive) {
        return new AppointmentQuery(from, exclusive, statuses, contactId, includeDeleted, limit, cursor);
    }

    /** Only those in one of {@code wanted} (none given: any status). */
    public AppointmentQuery statuses(AppointmentStatus... wanted) {
        // Nulls are kept so that list() can refuse them as invalid input rather than fail here.
        List<AppointmentStatus> copy = Collections.unmodifiableList(new ArrayList<>(Arrays.asList(wanted)));
        return new AppointmentQuery(from, until, copy, contactId, includeDeleted, limit, cursor);
    }

    /** Only those of the contact {@code id}. */
    public AppointmentQuery contact(UUID id) {
        return new AppointmentQuery(from, until, statuses, id, includeDeleted, limit, cursor);
    }

    /** Soft-deleted appointments too ({@code true}) or not (the default). */
    public AppointmentQuery includeDeleted(boolean include) {
        return new AppointmentQuery(from, until, statuses, contactId, include, limit, cursor);
    }

    /** At most {@code size} per page, 1 to {@value #MAX_LIMIT}. */
    public AppointmentQuery limit(int size) {
        return new AppointmentQuery(from, until, statuses, contactId, includeDeleted, size, cursor);
    }

    /** The page after the one that returned {@code nextCursor} ({@link Page#nextCursor()}). */
    public AppointmentQuery after(String nextCursor) {
        return new AppointmentQuery(from, until, statuses, contactId, includeDeleted, limit, nextCursor);
    }

    /** The inclusive lower bound of the start, or {@code null}. */
    public OffsetDateTime from() {
        return from;
    }

    /** The exclusive upper bound of the start, or {@code null}. */
    public OffsetDateTime until() {
        return until;
    }

    /** The wanted statuses; empty for any. */
    public List<AppointmentStatus> statuses() {
        return statuses;
    }

    /** The contact, or {@code null} for any. */
    public UUID contactId() {
        return contactId;
    }

    /** Whether soft-deleted appointments are listed too. */
    public boolean includeDeleted() {
        return includeDeleted;
    }

    /** The page size. */
    public int limit() {
        return limit;
    }

    /** Where the page starts, or {@code null} for the first page. */
    public String cursor() {
        return cursor;
    }
}
