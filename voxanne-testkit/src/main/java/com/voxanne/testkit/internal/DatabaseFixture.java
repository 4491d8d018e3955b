package com.voxanne.testkit.internal;

import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.postgres.PostgresBackend;
import com.voxanne.testkit.postgres.PostgresServer;
import com.voxanne.testkit.postgres.TestDatabase;
import com.voxanne.testkit.postgres.TestPostgres;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One cloned database and what the extension injects from it. Kept in a JUnit store, which closes it
 * (dropping the database) when its scope ends: JUnit 5.10 to 5.12 close a {@code CloseableResource},
 * 5.13 and later an {@code AutoCloseable}, so it is both, and closing twice is harmless.
 */
final class DatabaseFixture implements ExtensionContext.Store.CloseableResource, AutoCloseable {

    private final TestDatabase database;
    private final DataSource login;
    private final DataSource admin;
    private final DSLContext loginDsl;
    private final DSLContext adminDsl;
    private final TenantRegistry tenants;
    private final AtomicBoolean closed = new AtomicBoolean();

    private DatabaseFixture(TestDatabase database) {
        this.database = database;
        this.login = database.loginDataSource();
        this.admin = database.adminDataSource();
        this.loginDsl = DSL.using(login, SQLDialect.POSTGRES);
        this.adminDsl = DSL.using(admin, SQLDialect.POSTGRES);
        this.tenants = new TenantRegistry(admin, login);
    }

    /**
     * With {@code -Dvoxanne.test.citus.distributed=true} (or {@code VOXANNE_TEST_CITUS_DISTRIBUTED=true}) on
     * the Citus backend, every database handed out is distributed first, as an operator would after
     * migrating ({@code VoxanneSchema.distribute()}): a test class then runs against sharded tables.
     */
    static final String DISTRIBUTED_PROPERTY = "voxanne.test.citus.distributed";

    /**
     * A fresh clone of the settings' template, preparing the template first if this JVM has not yet. On a
     * distributed run the template itself is distributed once, and each clone (one per node) is a copy of
     * the distributed cluster: distributing costs a JVM once, not every test class.
     */
    static DatabaseFixture create(DatabaseSettings settings) {
        PostgresServer server = TestPostgres.shared();
        boolean distributed = server.backend() == PostgresBackend.CITUS && distributed();
        TestDatabase database = distributed
                ? server.template(settings.templateName() + "-distributed", template -> {
                    settings.prepare(template);
                    Distributed.distribute(template);
                }).newDatabase()
                : server.template(settings.templateName(), settings::prepare).newDatabase();
        return new DatabaseFixture(database);
    }

    private static boolean distributed() {
        String configured = System.getProperty(DISTRIBUTED_PROPERTY, System.getenv("VOXANNE_TEST_CITUS_DISTRIBUTED"));
        return Boolean.parseBoolean(configured);
    }

    TestDatabase database() {
        return database;
    }

    DataSource loginDataSource() {
        return login;
    }

    DataSource adminDataSource() {
        return admin;
    }

    DSLContext loginDsl() {
        return loginDsl;
    }

    DSLContext adminDsl() {
        return adminDsl;
    }

    Tenants tenants() {
        return tenants;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            database.close();
        }
    }
}
