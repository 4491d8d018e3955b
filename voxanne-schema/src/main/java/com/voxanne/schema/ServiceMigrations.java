package com.voxanne.schema;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A service's own Flyway migrations, applied beside Voxanne's by {@link VoxanneSchema#migrate()} and
 * recorded in a history table of their own in schema {@code public}.
 *
 * @param historyTable the service's history table: a plain lower-case identifier (letters, digits,
 *     {@code _}, at most 63 characters, not starting with a digit), not {@value VoxanneSchema#HISTORY_TABLE}
 * @param locations Flyway locations of the service's migrations, for example
 *     {@code "classpath:db/intake/migration"} or {@code "filesystem:/opt/intake/sql"}; at least one
 */
public record ServiceMigrations(String historyTable, List<String> locations) {

    // Lower case only: an upper-case name would be a different, quoted identifier to Flyway and to psql.
    private static final Pattern PLAIN_IDENTIFIER = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

    /**
     * Validates and copies.
     *
     * @throws IllegalArgumentException when the history table is not a plain identifier or is Voxanne's,
     *     or no location (or a blank one) is given
     */
    public ServiceMigrations {
        Objects.requireNonNull(historyTable, "historyTable");
        Objects.requireNonNull(locations, "locations");
        if (!PLAIN_IDENTIFIER.matcher(historyTable).matches()) {
            throw new IllegalArgumentException("service history table: '" + historyTable + "' is not a plain"
                    + " lower-case identifier (a-z, 0-9, _, at most 63 characters, not starting with a digit)");
        }
        if (historyTable.equals(VoxanneSchema.HISTORY_TABLE)) {
            throw new IllegalArgumentException("service history table: " + VoxanneSchema.HISTORY_TABLE
                    + " is Voxanne's own; a service's migrations need a history table of their own");
        }
        if (locations.isEmpty()) {
            throw new IllegalArgumentException("service migrations of " + historyTable + ": at least one location is needed");
        }
        for (String location : locations) {
            if (location == null || location.isBlank()) {
                throw new IllegalArgumentException("service migrations of " + historyTable + ": a location is empty");
            }
        }
        locations = List.copyOf(locations);
    }

    /** The migrations at {@code locations}, recorded in {@code historyTable}; validated as the constructor does. */
    public static ServiceMigrations of(String historyTable, String... locations) {
        return new ServiceMigrations(historyTable, Arrays.asList(Objects.requireNonNull(locations, "locations")));
    }
}
