package com.voxanne.schema;

/**
 * One migration (or rollback script) that ran.
 *
 * @param version its version, for example {@code "6"}
 * @param description its description, for example {@code "contacts"}
 * @param millis how long it took
 * @param historyTable the history table that records it: {@value VoxanneSchema#HISTORY_TABLE} for
 *     Voxanne's own, a service's for {@link ServiceMigrations}
 */
public record AppliedMigration(String version, String description, long millis, String historyTable) {

    /** One of Voxanne's own migrations or rollback scripts. */
    public AppliedMigration(String version, String description, long millis) {
        this(version, description, millis, VoxanneSchema.HISTORY_TABLE);
    }

    /** True for one of Voxanne's own migrations, false for a service's. */
    public boolean isVoxanne() {
        return VoxanneSchema.HISTORY_TABLE.equals(historyTable);
    }
}
