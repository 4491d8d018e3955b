package com.voxanne.schema;

/** Hears of each migration or rollback step as it completes, for progress output. */
@FunctionalInterface
public interface MigrationListener {

    /** A listener that does nothing. */
    MigrationListener NONE = step -> { };

    /** Called after each step, in order. */
    void completed(AppliedMigration step);
}
