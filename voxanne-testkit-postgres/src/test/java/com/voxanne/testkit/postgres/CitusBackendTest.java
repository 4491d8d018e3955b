package com.voxanne.testkit.postgres;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The Citus backend: a coordinator and two workers, databases that are distributed ones on all three, and
 * template clones that are whole-cluster copies. Skipped only when Citus is not installed here (and CI has
 * not listed {@code citus} in VOXANNE_TEST_REQUIRE_BACKENDS); once it is installed the cluster must start.
 */
class CitusBackendTest {

    private static PostgresServer cluster;

    @BeforeAll
    static void start() {
        Path bin = Path.of(System.getProperty("voxanne.test.citus-pg-bin",
                System.getenv().getOrDefault("VOXANNE_TEST_CITUS_PG_BIN", "/usr/lib/postgresql/15/bin")));
        assumeTrue(Files.isRegularFile(bin.getParent().resolve("lib/citus.so")) || RequiredBackends.required(PostgresBackend.CITUS),
                "Citus is not installed for " + bin + " (run ../shared/tools/citus/install.sh as root)");
        cluster = TestPostgres.start(TestPostgresConfig.builder().backend(PostgresBackend.CITUS).build());
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aNewDatabaseIsDistributedOverTwoWorkers() throws SQLException {
        assertThat(cluster.backend()).isEqualTo(PostgresBackend.CITUS);
        assertThat(cluster.majorVersion()).isEqualTo(15);
        try (TestDatabase db = cluster.createDatabase();
             Connection c = db.adminDataSource().getConnection(); Statement s = c.createStatement()) {
            assertThat(strings(s, "select extname from pg_extension where extname = 'citus'")).containsExactly("citus");
            assertThat(strings(s, "select noderole::text || ':' || (groupid = 0) from pg_dist_node order by groupid"))
                    .containsExactly("primary:true", "primary:false", "primary:false");
            s.execute("create table t (k int primary key, v text)");
            s.execute("select create_distributed_table('t', 'k')");
            s.execute("insert into t select i, 'v' || i from generate_series(1, 100) i");
            assertThat(strings(s, "select count(*) from t")).containsExactly("100");
            // The shards are on the two workers, not on the coordinator: the data is really spread.
            assertThat(strings(s, "select distinct nodeport from citus_shards where table_name = 't'::regclass order by 1"))
                    .hasSize(2).doesNotContain(String.valueOf(cluster.port()));
            assertThat(strings(s, "select result from run_command_on_workers('select count(*) from pg_catalog.pg_class"
                    + " where relname like ''t\\_%''')")).hasSize(2).allSatisfy(n -> assertThat(Integer.parseInt(n)).isPositive());
        }
    }

    @Test
    void theLoginRoleExistsOnEveryNodeAndBypassesNothing() throws SQLException {
        try (TestDatabase db = cluster.createDatabase();
             Connection c = db.adminDataSource().getConnection(); Statement s = c.createStatement()) {
            assertThat(strings(s, "select result from run_command_on_all_nodes('select rolsuper::text || rolbypassrls::text"
                    + " || rolinherit::text from pg_roles where rolname = " + literal(cluster.loginRole()) + "')"))
                    .containsExactly("falsefalsefalse", "falsefalsefalse", "falsefalsefalse");
        }
        try (TestDatabase db = cluster.createDatabase();
             Connection c = db.loginDataSource().getConnection(); Statement s = c.createStatement()) {
            assertThat(strings(s, "select current_user")).containsExactly(cluster.loginRole());
        }
    }

    /**
     * A unit's two-phase commit cut off between PREPARE and COMMIT PREPARED (its backends terminated)
     * leaves a prepared transaction on a worker, which refuses DROP DATABASE until Citus's recovery gets
     * to it; closing the database still drops it at once, on every node.
     */
    @Test
    void aDatabaseWithAPreparedTransactionLeftOnAWorkerIsStillDropped() throws SQLException {
        TestDatabase db = cluster.createDatabase();
        String name = db.name();
        int worker;
        try (Connection c = db.adminDataSource().getConnection(); Statement s = c.createStatement()) {
            worker = Integer.parseInt(strings(s, "select nodeport from pg_dist_node where groupid <> 0 order by 1 limit 1").get(0));
        }
        PGSimpleDataSource onWorker = db.adminDataSource().unwrap(PGSimpleDataSource.class);
        PGSimpleDataSource node = new PGSimpleDataSource();
        node.setServerNames(onWorker.getServerNames());
        node.setPortNumbers(new int[] {worker});
        node.setDatabaseName(name);
        node.setUser(onWorker.getUser());
        node.setPassword(onWorker.getPassword());
        try (Connection c = node.getConnection(); Statement s = c.createStatement()) {
            s.execute("begin");
            s.execute("create table left_prepared (k int)");
            s.execute("prepare transaction 'vx_left_prepared'");
            assertThat(strings(s, "select count(*) from pg_prepared_xacts where database = current_database()")).containsExactly("1");
        }
        db.close();
        node.setDatabaseName("postgres");
        for (int port : new int[] {cluster.port(), worker}) {
            node.setPortNumbers(new int[] {port});
            try (Connection c = node.getConnection(); Statement s = c.createStatement()) {
                assertThat(strings(s, "select count(*) from pg_database where datname = '" + name + "'")).containsExactly("0");
                assertThat(strings(s, "select count(*) from pg_prepared_xacts where gid = 'vx_left_prepared'")).containsExactly("0");
            }
        }
    }

    @Test
    void templateClonesAreIndependentCopiesOfTheCluster() throws SQLException {
        DatabaseTemplate template = cluster.template("citus-marker", db -> {
            try (Connection c = db.adminDataSource().getConnection(); Statement s = c.createStatement()) {
                s.execute("create table marker (owner text primary key)");
                s.execute("select create_distributed_table('marker', 'owner')");
                s.execute("insert into marker select 'template' || i from generate_series(1, 20) i");
            }
        });
        try (TestDatabase first = template.newDatabase(); TestDatabase second = template.newDatabase();
             Connection a = first.adminDataSource().getConnection(); Statement sa = a.createStatement();
             Connection b = second.adminDataSource().getConnection(); Statement sb = b.createStatement()) {
            sa.execute("insert into marker select 'first' || i from generate_series(1, 30) i");
            assertThat(strings(sa, "select count(*) from marker")).containsExactly("50");
            assertThat(strings(sb, "select count(*) from marker")).containsExactly("20");
            // The clone's coordinator routes to the clone's shards on the workers, not the template's.
            assertThat(strings(sa, "select distinct result from run_command_on_placements('marker',"
                    + " 'select current_database() from %s limit 1') where result <> ''")).containsExactly(first.name());
        }
    }

    @Test
    void closingStopsEveryNode() throws Exception {
        PostgresServer own = TestPostgres.start(TestPostgresConfig.builder().backend(PostgresBackend.CITUS).build());
        List<Integer> ports = new ArrayList<>();
        try (Connection c = own.adminDataSource("postgres").getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select nodeport from pg_dist_node")) {
            while (rs.next()) {
                ports.add(rs.getInt(1));
            }
        }
        assertThat(ports).hasSize(3);
        own.close();
        for (int port : ports) {
            assertThatThrownBy(() -> new Socket(own.host(), port).close()).as("port " + port + " after close")
                    .isInstanceOf(java.net.ConnectException.class);
        }
    }

    private static List<String> strings(Statement s, String sql) throws SQLException {
        List<String> values = new ArrayList<>();
        try (ResultSet rs = s.executeQuery(sql)) {
            while (rs.next()) {
                values.add(rs.getString(1));
            }
        }
        return values;
    }

    private static String literal(String value) {
        return "''" + value.replace("'", "''''") + "''";
    }
}
