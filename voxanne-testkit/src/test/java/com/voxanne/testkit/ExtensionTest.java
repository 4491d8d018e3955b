package com.voxanne.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.testkit.postgres.TestDatabase;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** What {@link VoxannePostgres} injects, and the database it migrates: ours, then the consumer's. */
@VoxannePostgres(migrations = TestMigrations.LOCATION)
class ExtensionTest {

    private static final Set<String> DATABASES = ConcurrentHashMap.newKeySet();

    private final TestDatabase database;

    ExtensionTest(TestDatabase database) {
        this.database = database;
    }

    @AfterAll
    static void oneDatabaseServedTheClassAndItsNestedClass() {
        assertThat(DATABASES).hasSize(1);
    }

    @Test
    void theLoginConnectionsAreTheLoginRoles(DataSource ds, DSLContext dsl) throws Exception {
        DATABASES.add(database.name());
        String loginRole = database.server().loginRole();
        try (var c = ds.getConnection(); var rs = c.createStatement().executeQuery("select current_user, current_database()")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo(loginRole);
            assertThat(rs.getString(2)).isEqualTo(database.name());
        }
        assertThat(dsl.fetchValue("select current_user")).isEqualTo(loginRole);
    }

    @Test
    void theAdminConnectionsAreASuperusers(@Admin DataSource admin, @Admin DSLContext adminDsl) throws Exception {
        DATABASES.add(database.name());
        try (var c = admin.getConnection();
             var rs = c.createStatement().executeQuery("select rolsuper from pg_roles where rolname = current_user")) {
            rs.next();
            assertThat(rs.getBoolean(1)).isTrue();
        }
        assertThat(adminDsl.fetchValue("select current_database()")).isEqualTo(database.name());
    }

    @Test
    void ourMigrationsRunFirstThenTheConsumersWithTheirOwnHistory(@Admin DSLContext admin) {
        DATABASES.add(database.name());
        assertThat(admin.fetchSingle("select count(*) from public.voxanne_schema_history where success").get(0, Long.class))
                .isGreaterThanOrEqualTo(10);
        assertThat(admin.fetch("select version, success from public.flyway_schema_history where version = '1'"))
                .singleElement().satisfies(r -> assertThat(r.get("success", Boolean.class)).isTrue());
        assertThat(admin.fetchValue("select to_regclass('public.notes')::text")).isEqualTo("notes");
    }

    @Nested
    class NestedTests {
        @Test
        void shareTheEnclosingClassesDatabase(TestDatabase nested, Tenants tenants) {
            DATABASES.add(nested.name());
            assertThat(nested.name()).isEqualTo(database.name());
            assertThat(tenants.organization("Nested").id()).isNotNull();
        }
    }
}
