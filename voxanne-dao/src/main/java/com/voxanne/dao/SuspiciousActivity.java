package com.voxanne.dao;

import java.time.OffsetDateTime;
import java.util.UUID;

/**
 * A pattern in the audit trail worth a look, as {@code public.detect_suspicious_activity} reports it.
 * It holds no patient data (the detail is worded from counts, a window and organization ids), so its
 * {@link #toString()} shows every component.
 *
 * @param activity what was seen: {@code bulk_delete}, {@code high_volume}, {@code cross_org_access},
 *        {@code multi_org_user} or {@code access_denied}
 * @param organizationId the organization concerned, or {@code null} (for {@code multi_org_user})
 * @param authenticatedUser the end user concerned, or {@code null} for backend work
 * @param databaseUser the API role concerned, or {@code null} (for {@code multi_org_user})
 * @param eventCount how many events make up the pattern
 * @param firstSeen the first of them
 * @param lastSeen the last of them
 * @param detail a sentence describing it
 */
public record SuspiciousActivity(String activity, UUID organizationId, UUID authenticatedUser, String databaseUser,
                                 long eventCount, OffsetDateTime firstSeen, OffsetDateTime lastSeen, String detail) {
}
