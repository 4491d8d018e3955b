package com.voxanne.schema;

import java.time.Instant;

/**
 * One line of {@link VoxanneSchema#info()}.
 *
 * @param version the version ({@code "0"} for a baseline)
 * @param description what it does
 * @param state {@code APPLIED}, {@code PENDING}, {@code BASELINE}, {@code FAILED} or {@code FUTURE} (applied by
 *     a newer version of this library)
 * @param installedOn when it was applied, or {@code null}
 * @param script the migration's file name, for example {@code V6__contacts.sql} (empty for a baseline)
 */
public record MigrationStatus(String version, String description, State state, Instant installedOn, String script) {

    /** Where a migration stands. */
    public enum State {
        /** Applied and known to this library. */
        APPLIED,
        /** Known to this library, not applied yet. */
        PENDING,
        /** The record of an adopted existing database. */
        BASELINE,
        /** Attempted and failed (only on databases without transactional DDL; shown for completeness). */
        FAILED,
        /** Applied, but unknown to this library: the database was migrated by a newer version. */
        FUTURE,
        /** Anything else Flyway reports (ignored, missing, out of order). */
        OTHER
    }
}
