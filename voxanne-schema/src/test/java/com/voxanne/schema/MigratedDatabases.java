package com.voxanne.schema;

import com.voxanne.testkit.postgres.TestDatabase;

/** Opens {@link SchemaTestSupport}'s migrated template to tests in other packages (the jOOQ tests). */
public final class MigratedDatabases {

    private MigratedDatabases() {
    }

    /** A fresh copy of the database with every migration applied; close it to drop it. */
    public static TestDatabase newDatabase() {
        return SchemaTestSupport.migratedDatabase();
    }
}
