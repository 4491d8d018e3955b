package com.voxanne.testkit.internal;

import com.voxanne.schema.DistributionResult;
import com.voxanne.schema.VoxanneSchema;
import com.voxanne.testkit.postgres.TestDatabase;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * A test database placed on its Citus cluster as an operator places a migrated one: {@code distribute},
 * then on each worker the statements its result says the operator must run.
 */
final class Distributed {

    private Distributed() {
    }

    static void distribute(TestDatabase database) throws Exception {
        DataSource admin = database.adminDataSource();
        DistributionResult result = VoxanneSchema.configure().dataSource(admin).load().distribute();
        PGSimpleDataSource operator = admin.unwrap(PGSimpleDataSource.class);
        result.configureWorkers(database.name(), operator.getUser(), operator.getPassword());
    }
}
