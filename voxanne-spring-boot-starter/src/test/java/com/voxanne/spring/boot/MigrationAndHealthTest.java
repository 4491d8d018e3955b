package com.voxanne.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.voxanne.dao.ContactQuery;
import com.voxanne.dao.NewContact;
import com.voxanne.dao.OrgContext;
import com.voxanne.dao.Voxanne;
import com.voxanne.schema.VoxanneSchema;
import com.voxanne.testkit.Admin;
import com.voxanne.testkit.DatabaseScope;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import com.voxanne.testkit.postgres.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Migration at start-up as the migrating role only, and the schema health indicator. */
@VoxannePostgres(scope = DatabaseScope.PER_METHOD)
class MigrationAndHealthTest {

    /** The migrating role's connections, as an application declares them. */
    @Configuration(proxyBeanMethods = false)
    static class MigratingRole {
        static DataSource admin;

        @Bean(defaultCandidate = false)
        @VoxanneMigrationDataSource
        DataSource voxanneMigrationDataSource() {
            return admin;
        }
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(
            AutoConfigurations.of(VoxanneAutoConfiguration.class, VoxanneHealthAutoConfiguration.class));

    @Test
    void migratesAnEmptyDatabaseAtStartUpAsTheMigratingRoleBeforeVoxanneIsCreated(TestDatabase kit) {
        try (TestDatabase empty = kit.server().createDatabase()) {
            MigratingRole.admin = empty.adminDataSource();
            runner.withBean(DataSource.class, empty::loginDataSource).withUserConfiguration(MigratingRole.class)
                    .withPropertyValues("voxanne.migrate.enabled=true")
                    .run(context -> {
                        assertThat(context).hasNotFailed().hasSingleBean(VoxanneMigration.class);
                        assertThat(VoxanneSchema.configure().dataSource(empty.adminDataSource()).load().verify().passed()).isTrue();
                        // the application's own DataSource is still Spring Boot's single candidate
                        assertThat(context.getBean(DataSource.class)).isNotSameAs(MigratingRole.admin);
                    });
        }
    }

    @Test
    void migratesFromTheUrlProperties(TestDatabase kit) {
        try (TestDatabase empty = kit.server().createDatabase()) {
            org.postgresql.ds.PGSimpleDataSource admin = (org.postgresql.ds.PGSimpleDataSource) empty.adminDataSource();
            runner.withBean(DataSource.class, empty::loginDataSource)
                    .withPropertyValues("voxanne.migrate.enabled=true", "voxanne.migrate.url=" + empty.jdbcUrl(),
                            "voxanne.migrate.username=" + admin.getUser(), "voxanne.migrate.password=" + admin.getPassword())
                    .run(context -> {
                        assertThat(context).hasNotFailed();
                        assertThat(historyRows(empty.adminDataSource())).isPositive();
                    });
        }
    }

    @Test
    void migrationIsOffByDefault(TestDatabase kit) {
        try (TestDatabase empty = kit.server().createDatabase()) {
            MigratingRole.admin = empty.adminDataSource();
            runner.withBean(DataSource.class, empty::loginDataSource).withUserConfiguration(MigratingRole.class)
                    .run(context -> {
                        assertThat(context).hasNotFailed().doesNotHaveBean(VoxanneMigration.class);
                        assertEquals(-1, historyRows(empty.adminDataSource()));
                    });
        }
    }

    @Test
    void migrationWithoutAMigratingRoleFailsTheStartInsteadOfUsingTheLoginRole(DataSource login) {
        runner.withBean(DataSource.class, () -> login).withPropertyValues("voxanne.migrate.enabled=true")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("no migrating role is configured"));
    }

    @Test
    void healthIsUpOnAVerifiedSchemaAndDownOnceRowLevelSecurityIsNoLongerForced(
            DataSource login, @Admin DataSource admin, Tenants tenants) throws SQLException {
        MigratingRole.admin = admin;
        runner.withBean(DataSource.class, () -> login).withUserConfiguration(MigratingRole.class)
                .withPropertyValues("voxanne.health.cache-ttl=0s")
                .run(context -> {
                    HealthIndicator health = context.getBean("voxanneHealthIndicator", HealthIndicator.class);
                    assertEquals(Status.UP, health.health().getStatus());

                    execute(admin, "alter table public.contacts no force row level security");
                    Health down = health.health();
                    assertEquals(Status.DOWN, down.getStatus());
                    assertThat(down.getDetails().get("failed").toString()).contains("RLS enabled and forced");
                });
    }

    @Test
    void healthReusesAVerificationWithinItsTimeToLive(DataSource login, @Admin DataSource admin) {
        MigratingRole.admin = admin;
        runner.withBean(DataSource.class, () -> login).withUserConfiguration(MigratingRole.class)
                .withPropertyValues("voxanne.health.cache-ttl=1h")
                .run(context -> {
                    HealthIndicator health = context.getBean("voxanneHealthIndicator", HealthIndicator.class);
                    Health first = health.health();
                    execute(admin, "alter table public.contacts no force row level security");
                    assertThat(health.health()).isSameAs(first);
                });
    }

    @Test
    void healthWithoutAMigratingRoleIsUnknownAndSaysWhy(DataSource login) {
        runner.withBean(DataSource.class, () -> login).run(context -> {
            Health health = context.getBean("voxanneHealthIndicator", HealthIndicator.class).health();
            assertEquals(Status.UNKNOWN, health.getStatus());
            assertThat(health.getDetails().get("reason").toString()).contains("migrating role");
        });
    }

    @Test
    void healthCanBeTurnedOff(DataSource login) {
        runner.withBean(DataSource.class, () -> login).withPropertyValues("management.health.voxanne.enabled=false")
                .run(context -> assertThat(context).doesNotHaveBean("voxanneHealthIndicator"));
    }

    @Test
    void theMigratedVoxanneWorks(DataSource login, Tenants tenants) {
        User ann = tenants.organization("Clinic A").user("ann");
        runner.withBean(DataSource.class, () -> login).run(context -> {
            Voxanne voxanne = context.getBean(Voxanne.class);
            OrgContext a = OrgContext.of(ann.organization().id(), ann.id());
            voxanne.contacts(a).create(NewContact.named("Patient"));
            assertThat(voxanne.contacts(a).list(ContactQuery.all()).items()).hasSize(1);
        });
    }

    private static void execute(DataSource dataSource, String sql) throws SQLException {
        try (Connection c = dataSource.getConnection()) {
            c.createStatement().execute(sql);
        }
    }

    /** Rows in Voxanne's history table, -1 when there is none. */
    private static int historyRows(DataSource admin) throws SQLException {
        try (Connection c = admin.getConnection();
             ResultSet rs = c.createStatement().executeQuery("select to_regclass('public.voxanne_schema_history') is not null")) {
            rs.next();
            if (!rs.getBoolean(1)) {
                return -1;
            }
        }
        try (Connection c = admin.getConnection();
             ResultSet rs = c.createStatement().executeQuery("select count(*) from public.voxanne_schema_history")) {
            rs.next();
            return rs.getInt(1);
        }
    }
}
