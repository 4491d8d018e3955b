package com.voxanne.schema;

import java.util.List;

/**
 * What {@link VoxanneSchema#migrate()} did.
 *
 * @param initialVersion the version before, or {@code null} for an empty database
 * @param currentVersion the version after
 * @param applied the migrations applied, in order (empty when the database was up to date)
 * @param warnings what Flyway warned of
 */
public record MigrationResult(String initialVersion, String currentVersion, List<AppliedMigration> applied,
                              List<String> warnings) {
    /** Copies the lists. */
    public MigrationResult {
        applied = List.copyOf(applied);
        warnings = List.copyOf(warnings);
    }
}
