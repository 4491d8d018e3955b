package com.voxanne.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import com.voxanne.testkit.postgres.TestDatabase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;

/**
 * Runs small fixture classes through JUnit (they are static nested classes, which Surefire does not run
 * by itself) to see each scope's databases and that they are dropped when their scope ends.
 */
class DatabaseScopeTest {

    @RegisterExtension
    static VoxanneDatabaseExtension db = VoxanneDatabaseExtension.builder().build();

    @Test
    void perClassOneDatabaseForTheClassDroppedAfterIt(@Admin DSLContext admin) {
        PerClass.SEEN.clear();
        EngineExecutionResults results = run(PerClass.class);

        results.testEvents().assertStatistics(stats -> stats.succeeded(2).failed(0));
        assertThat(PerClass.SEEN).hasSize(2).containsOnly(PerClass.SEEN.get(0));
        assertThat(exists(admin, PerClass.SEEN.get(0))).isFalse();
    }

    @Test
    void perMethodAFreshDatabaseForEachTestDroppedAfterIt(@Admin DSLContext admin) {
        PerMethod.SEEN.clear();
        EngineExecutionResults results = run(PerMethod.class);

        results.testEvents().assertStatistics(stats -> stats.succeeded(2).failed(0));
        assertThat(PerMethod.SEEN).hasSize(2).doesNotHaveDuplicates();
        assertThat(PerMethod.SEEN).noneMatch(name -> exists(admin, name));
    }

    @Test
    void perMethodRefusesToInjectIntoBeforeAll() {
        EngineExecutionResults results = run(PerMethodBeforeAll.class);

        List<Event> failed = results.containerEvents().failed().list();
        assertThat(failed).hasSize(1);
        assertThat(failed.get(0).getPayload(TestExecutionResult.class).orElseThrow()
                .getThrowable().orElseThrow())
                .hasMessageContaining("DatabaseScope.PER_METHOD").hasMessageContaining("@BeforeEach");
    }

    @Test
    void withoutConfigurationTheExtensionSaysHowToConfigureIt() {
        EngineExecutionResults results = run(Unconfigured.class);

        assertThat(results.testEvents().failed().list()).singleElement()
                .satisfies(e -> assertThat(e.getPayload(TestExecutionResult.class).orElseThrow()
                        .getThrowable().orElseThrow()).hasMessageContaining("@VoxannePostgres"));
    }

    private static EngineExecutionResults run(Class<?> fixture) {
        return EngineTestKit.engine("junit-jupiter").selectors(selectClass(fixture)).execute();
    }

    private static boolean exists(DSLContext admin, String database) {
        return admin.fetchExists(admin.selectOne().from("pg_database").where("datname = ?", database));
    }

    @VoxannePostgres
    static class PerClass {
        static final List<String> SEEN = new CopyOnWriteArrayList<>();

        @Test
        void first(TestDatabase database) {
            SEEN.add(database.name());
        }

        @Test
        void second(TestDatabase database) {
            SEEN.add(database.name());
        }
    }

    @VoxannePostgres(scope = DatabaseScope.PER_METHOD)
    static class PerMethod {
        static final List<String> SEEN = new CopyOnWriteArrayList<>();
        private String beforeEach;

        @BeforeEach
        void setUp(TestDatabase database, Tenants tenants) {
            beforeEach = database.name();
            tenants.organization("Only here");
        }

        @Test
        void first(TestDatabase database, @Admin DSLContext admin) {
            check(database, admin);
        }

        @Test
        void second(TestDatabase database, @Admin DSLContext admin) {
            check(database, admin);
        }

        private void check(TestDatabase database, DSLContext admin) {
            // @BeforeEach and the test share the method's database, and no other test wrote to it.
            assertThat(database.name()).isEqualTo(beforeEach);
            assertThat(admin.fetchCount(admin.selectOne().from("public.organizations").where("name = 'Only here'"))).isOne();
            SEEN.add(database.name());
        }
    }

    static class PerMethodBeforeAll {
        @RegisterExtension
        static VoxanneDatabaseExtension db = VoxanneDatabaseExtension.builder().scope(DatabaseScope.PER_METHOD).build();

        @BeforeAll
        static void setUp(DataSource ds) {
        }

        @Test
        void neverRuns() {
        }
    }

    @ExtendWith(VoxanneDatabaseExtension.class)
    static class Unconfigured {
        @Test
        void needsADatabase(Tenants tenants) {
        }
    }
}
