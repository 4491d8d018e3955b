package com.voxanne.dao;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * The audit trail: backend work of the {@link ServiceScope}, never reachable by a user's request.
 * Reads an organization's events, looks for suspicious patterns, and moves old rows out through an
 * export that must succeed before anything is deleted.
 */
public interface AuditTrail {

    /**
     * One page of an organization's audit events, newest first ({@code event_time} desc, then id desc).
     * The trail outlives organizations: an organization without events, or one that no longer exists,
     * gives an empty page.
     *
     * @throws TenantContextException when the query names no organization
     * @throws InvalidInputException for a time range whose start is not before its end, a bad filter,
     *         limit or cursor
     */
    Page<AuditEvent> events(AuditQuery query);

    /**
     * Suspicious patterns of every organization within the last {@code window}.
     *
     * @param window how far back to look: positive, at most 366 days
     * @param threshold how many events make a pattern ({@code bulk_delete}, {@code high_volume}): at least 1
     * @throws InvalidInputException for a window or threshold out of range
     */
    List<SuspiciousActivity> suspiciousActivity(Duration window, int threshold);

    /**
     * Suspicious patterns concerning one organization (its rows, or requests with its claims acting on
     * another's) within the last {@code window}.
     *
     * @throws TenantContextException when {@code organizationId} is null
     * @throws InvalidInputException for a window or threshold out of range
     * @see #suspiciousActivity(Duration, int)
     */
    List<SuspiciousActivity> suspiciousActivity(UUID organizationId, Duration window, int threshold);

    /**
     * Retention: in one transaction, streams every audit row older than {@code olderThan} to
     * {@code sink} in id order (a database cursor, constant memory), completes the sink, then deletes
     * exactly the rows exported, through {@code public.archive_old_audit_logs} (which logs a
     * {@code MAINTENANCE} event of its own). Rows newer than the cutoff stay.
     *
     * @param olderThan whole days, at least one
     * @throws InvalidInputException for a retention that is not a whole number of days, or below one day
     * @throws java.io.UncheckedIOException when the sink threw an {@code IOException}; nothing was deleted
     * @throws ConflictException when a concurrent change would have deleted rows that were not exported;
     *         nothing was deleted, retry
     * @throws RuntimeException whatever else the sink threw; nothing was deleted
     */
    ArchiveResult archive(Duration olderThan, AuditSink sink);
}
