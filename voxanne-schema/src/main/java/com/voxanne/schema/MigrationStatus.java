package com.voxanne.schema;

import java.time.Instant;

/**
 * One line of {@link VoxanneSchema#info()}.
 *
 * @param version the version ({@code "0"} for a baseline)
 * @param description what it does
 * @param state {@code APPLIED}, {@code PENDING}, {@code BASELINE}, {@code FAILED} or {@code FUTURE} (applied by
 *     a newer version of this library, or of the service)
 * @param installedOn when it was applied, or {@code null}
 * @param script the migration's file name, for example {@code V6__contacts.sql} (empty for a baseline)
 * @param historyTable whose migration it is: {@value VoxanneSchema#HISTORY_TABLE} for Voxanne's own, the
 *     history table of a {@link ServiceMigrations} for a service's
 */
public record MigrationStatus(String version, String description, State state, Instant installedOn, String script,
                              String historyTable) {

    /** One of Voxanne's own migrations. */
    public MigrationStatus(String version, String description, State state, Instant installedOn, String script) {
        this(version, description, state, installedOn, script, VoxanneSchema.HISTORY_TABLE);
    }

    /** True for one of Voxanne's own migrations, false for a service's. */
    public boolean isVoxanne() {
        return VoxanneSchema.HISTORY_TABLE.equals(historyTable);
    }

    /** Where a migration stands. */
    public enum State {
        /** Applied and known to this library (or to the service's locations). */
        APPLIED,
        /** Known, not applied yet. */
        PENDING,
        /** The record of an adopted existing database (for a service: of the schema Voxanne's migrations made). */
        BASELINE,
        /** Attempted and failed (only on databases without transactional DDL; shown for completeness). */
        FAILED,
        /** Applied, but unknown here: the database was migrated by a newer version. */
        FUTURE,
        /** Anything else Flyway reports (ignored, missing, out of order). */
        OTHER
    }
}
