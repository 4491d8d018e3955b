package com.voxanne.schema;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link VoxanneSchema#migrate()} did: to Voxanne's own migrations, and to each service's.
 *
 * @param initialVersion the version of Voxanne's migrations before, or {@code null} for an empty database
 * @param currentVersion the version after
 * @param applied Voxanne's migrations applied, in order (empty when the database was up to date)
 * @param warnings what Flyway warned of
 * @param services the result of each {@link ServiceMigrations}, by its history table, in the order
 *     configured (their own {@code services} are empty); empty when none is configured
 */
public record MigrationResult(String initialVersion, String currentVersion, List<AppliedMigration> applied,
                              List<String> warnings, Map<String, MigrationResult> services) {

    /** Copies the lists and the map (keeping its order). */
    public MigrationResult {
        applied = List.copyOf(applied);
        warnings = List.copyOf(warnings);
        services = Collections.unmodifiableMap(new LinkedHashMap<>(services));
    }

    /** The result of migrations without services. */
    public MigrationResult(String initialVersion, String currentVersion, List<AppliedMigration> applied,
                           List<String> warnings) {
        this(initialVersion, currentVersion, applied, warnings, Map.of());
    }
}
