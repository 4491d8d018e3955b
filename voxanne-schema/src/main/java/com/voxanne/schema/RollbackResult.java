package com.voxanne.schema;

import java.util.List;

/**
 * What {@link VoxanneSchema#rollbackTo(String, boolean)} undid.
 *
 * @param fromVersion the version before
 * @param toVersion the version after
 * @param undone the rollback scripts run, newest first
 */
public record RollbackResult(String fromVersion, String toVersion, List<AppliedMigration> undone) {
    /** Copies the list. */
    public RollbackResult {
        undone = List.copyOf(undone);
    }
}
