package com.voxanne.schema.jooq;

import com.voxanne.schema.MigratedDatabases;
import com.voxanne.testkit.postgres.TestDatabase;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * A fresh copy of the migrated database and a jOOQ context on it as the admin role, which bypasses RLS:
 * these tests check types, not tenant isolation. Closing it drops the database ({@code @AutoClose}).
 */
final class MigratedDsl implements AutoCloseable {

    private final TestDatabase db = MigratedDatabases.newDatabase();

    /** The context; dialect POSTGRES as the generated classes expect. */
    final DSLContext dsl = DSL.using(db.adminDataSource(), SQLDialect.POSTGRES);

    @Override
    public void close() {
        db.close();
    }
}
