package com.voxanne.schema;

import com.voxanne.testkit.postgres.PostgresBackend;
import com.voxanne.testkit.postgres.TestDatabase;
import com.voxanne.testkit.postgres.TestPostgresConfig;
import java.sql.SQLException;
import org.postgresql.ds.PGSimpleDataSource;

/** What the Citus tests of this module share: the backend check, distributing a test database, the operator's step on the workers. */
final class CitusSupport {

    private CitusSupport() {
    }

    /** Whether the tests are configured for the Citus backend; decided without starting a server. */
    static boolean onCitus() {
        return TestPostgresConfig.fromEnvironment().backend().orElse(null) == PostgresBackend.CITUS;
    }

    static VoxanneSchema schema(TestDatabase db) {
        return VoxanneSchema.configure().dataSource(db.adminDataSource()).load();
    }

    /**
     * The operator's step on each worker, as the result gives it: its statements, run as the admin role
     * connected to that worker. Roles belong to the server, so this holds for every database of the
     * test kit's cluster.
     */
    static void configureWorkers(TestDatabase db, DistributionResult result) throws SQLException {
        PGSimpleDataSource admin = db.adminDataSource().unwrap(PGSimpleDataSource.class);
        result.configureWorkers(db.name(), admin.getUser(), admin.getPassword());
    }
}
