package com.voxanne.dao;

/**
 * What one retention run did.
 *
 * @param rowsExported how many rows the sink accepted
 * @param rowsDeleted how many rows left the audit trail (never more than were exported)
 * @param throughId the id of the last row exported, 0 when there was none
 */
public record ArchiveResult(long rowsExported, long rowsDeleted, long throughId) {
}
