package com.voxanne.dao.bench;

import com.voxanne.dao.Voxanne;
import com.voxanne.dao.bench.Bench.Measurement;
import com.voxanne.dao.bench.RlsThroughputBenchmark.Operation;
import com.voxanne.dao.bench.RlsThroughputBenchmark.Options;
import com.voxanne.dao.bench.RlsThroughputBenchmark.Task;
import com.voxanne.dao.bench.RlsThroughputBenchmark.Tenant;
import com.voxanne.schema.DistributionResult;
import com.voxanne.schema.VoxanneSchema;
import com.voxanne.schema.session.RequestBinding;
import com.voxanne.schema.session.RequestBinding.Placement;
import com.voxanne.schema.session.RequestClaims;
import com.voxanne.schema.session.RoleTimeouts;
import com.voxanne.testkit.postgres.PostgresBackend;
import com.voxanne.testkit.postgres.PostgresServer;
import com.voxanne.testkit.postgres.TestDatabase;
import com.voxanne.testkit.postgres.TestPostgres;
import com.voxanne.testkit.postgres.TestPostgresConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The RLS benchmark on a Citus cluster beside one server ({@code --citus-beside true}, Citus backend only):
 * the same generated rows in two databases of the coordinator's server, one left a plain single-server
 * database (no Citus extension), the other distributed as an operator distributes a migrated database
 * ({@code VoxanneSchema.distribute()}, then the statements each worker needs); every read of
 * {@link RlsThroughputBenchmark} through the DAO (RLS, as {@code authenticated}) and as the same SQL without
 * RLS (superuser; on the cluster routed by its {@code org_id = ?}), on both, interleaved in the same rounds.
 *
 * <p>A diagnostic pair beside them: the baseline in a transaction of its own ({@code begin; query; commit},
 * as the DAO sends a single-statement unit), which on the cluster opens and commits the worker's part apart
 * from the query. Each round measures the six variants on {@code --threads} threads (throughput) and then on
 * one thread (the time of a call, which is what routing adds to it); the median round counts. Then {@code EXPLAIN
 * ANALYZE} of each query on the cluster, as {@code authenticated} and without RLS, shows its tasks.
 * <pre>
 * VOXANNE_TEST_BACKEND=citus ./mvnw -o -q -pl voxanne-dao -am process-test-classes -Prls-bench \
 *     -Dexec.args="--citus-beside true --orgs 200 --contacts 1000 --threads 4 --warmup 12 --seconds 2 --rounds 3"
 * </pre>
 */
final class RlsCitusBeside {

    private static final Pattern TASK_COUNT = Pattern.compile("Task Count: (\\d+)");
    private static final Pattern NODE = Pattern.compile("Node: host=\\S+ port=(\\d+)");
    private static final Pattern EXECUTION = Pattern.compile("Execution Time: ([0-9.]+) ms");

    /** The variants, in their order in a round. */
    private static final List<String> VARIANTS = List.of("DAO, one server", "no RLS, one server", "DAO, Citus", "no RLS, Citus",
            "no RLS in a transaction, one server", "no RLS in a transaction, Citus");

    private RlsCitusBeside() {
    }

    static void run(Options options) throws Exception {
        try (PostgresServer server = TestPostgres.start(TestPostgresConfig.fromEnvironment())) {
            if (server.backend() != PostgresBackend.CITUS) {
                throw new IllegalArgumentException("--citus-beside true needs the Citus backend (VOXANNE_TEST_BACKEND=citus),"
                        + " not " + server.backend());
            }
            System.out.printf("server: %s, PostgreSQL %d; cores: %d; threads %d (and 1), pool %d, warm-up %d s, measured %d s,"
                            + " %d rounds; seed %d%n", server.backend(), server.versionNumber(),
                    Runtime.getRuntime().availableProcessors(), options.threads, options.pool, options.warmupSeconds,
                    options.seconds, options.rounds, options.seed);
            try (TestDatabase cluster = server.createDatabase()) {
                String singleName = cluster.name() + "_one";
                DataSource maintenance = server.adminDataSource("postgres");
                // Created on the coordinator alone, from template0: no Citus extension, nothing distributed.
                execute(maintenance, "create database " + singleName + " template template0");
                try {
                    DataSource singleAdmin = server.adminDataSource(singleName);
                    // The cluster's database first: its migration creates the roles on every node.
                    migrate(cluster.adminDataSource(), server);
                    migrate(singleAdmin, server);
                    System.out.println("the cluster's database (its tables still local to the coordinator):");
                    List<Tenant> clusterTenants = RlsThroughputBenchmark.generate(cluster.adminDataSource(), options);
                    String clusterRows = fingerprint(cluster.adminDataSource());
                    System.out.println("the single-server database:");
                    List<Tenant> tenants = RlsThroughputBenchmark.generate(singleAdmin, options);
                    String singleRows = fingerprint(singleAdmin);
                    if (!clusterRows.equals(singleRows) || !clusterTenants.equals(tenants)) {
                        throw new IllegalStateException("the two databases do not hold the same rows: " + singleRows + " / " + clusterRows);
                    }
                    System.out.println("the same rows in both (md5 of contacts, appointments, notifications, users): " + singleRows);
                    distribute(cluster);
                    try (HikariDataSource singleLogin = Bench.pool(server.loginDataSource(singleName), options.pool, "one-login");
                         HikariDataSource single = Bench.pool(singleAdmin, options.pool, "one-admin");
                         HikariDataSource clusterLogin = Bench.pool(cluster.loginDataSource(), options.pool, "citus-login");
                         HikariDataSource clusterAdmin = Bench.pool(cluster.adminDataSource(), options.pool, "citus-admin")) {
                        measure(options, tenants, singleLogin, single, clusterLogin, clusterAdmin);
                    }
                } finally {
                    execute(maintenance, "drop database if exists " + singleName + " with (force)");
                }
            }
        }
    }

    private static void migrate(DataSource admin, PostgresServer server) throws SQLException {
        VoxanneSchema.configure().dataSource(admin).load().migrate();
        execute(admin, "grant anon, authenticated, service_role to \"" + server.loginRole() + "\"");
    }

    private static void execute(DataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    /** An md5 per table of the generated rows' ids and the columns the reads order and filter by. */
    private static String fingerprint(DataSource admin) throws SQLException {
        try (Connection c = admin.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select concat_ws(' ',"
                     + " (select md5(string_agg(concat_ws('|', id, org_id, name, phone, email, lead_status, lead_score, updated_at,"
                     + "   created_at, last_contact_at), ',' order by id)) from public.contacts),"
                     + " (select md5(string_agg(concat_ws('|', id, org_id, contact_id, scheduled_at, status, deleted_at is null),"
                     + "   ',' order by id)) from public.appointments),"
                     + " (select md5(string_agg(concat_ws('|', id, org_id, user_id, status, created_at), ',' order by id))"
                     + "   from public.notifications),"
                     + " (select md5(string_agg(concat_ws('|', id, raw_app_meta_data), ',' order by id)) from auth.users))")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /**
     * What an operator does to a migrated database: {@code distribute}, then on each worker the statements
     * its result lists; then {@code VACUUM ANALYZE}, which Citus sends to every shard.
     */
    private static void distribute(TestDatabase cluster) throws Exception {
        long started = System.nanoTime();
        DataSource admin = cluster.adminDataSource();
        DistributionResult result = VoxanneSchema.configure().dataSource(admin).load().distribute();
        PGSimpleDataSource operator = admin.unwrap(PGSimpleDataSource.class);
        result.configureWorkers(cluster.name(), operator.getUser(), operator.getPassword());
        double distributed = (System.nanoTime() - started) / 1e9;
        execute(admin, "vacuum analyze public.organizations, auth.users, public.contacts, public.appointments, public.notifications");
        System.out.printf(Locale.ROOT, "distributed in %.0f s, analyzed in %.0f s more:%n%s", distributed,
                (System.nanoTime() - started) / 1e9 - distributed, result);
    }

    /** Fails unless the database is {@code expected} and an unfiltered count as a user sees one organization. */
    private static void check(DataSource login, Placement expected, Tenant tenant, Options options) throws SQLException {
        try (Connection c = login.getConnection()) {
            Placement placement = RequestBinding.placementOf(c);
            if (placement != expected) {
                throw new IllegalStateException("expected a " + expected + " database, found " + placement);
            }
            c.setAutoCommit(false);
            try {
                RequestBinding.bind(c, RequestClaims.user(tenant.org(), tenant.user()), RoleTimeouts.defaults(), placement);
                long seen = RlsThroughputBenchmark.single(c, "select count(*) from public.contacts");
                System.out.printf("isolation, %s: %d contacts in all; as authenticated of one org: %d%n", placement,
                        (long) options.orgs * options.contacts, seen);
                if (seen != options.contacts) {
                    throw new IllegalStateException("row-level security did not isolate the organization");
                }
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
        }
    }

    private record Variants(RecordingDataSource.Statement query, RecordingDataSource.Statement baseline, List<Task> tasks) {
    }

    private static void measure(Options options, List<Tenant> tenants, DataSource singleLogin, DataSource single,
                                DataSource clusterLogin, DataSource clusterAdmin) throws Exception {
        Tenant sample = tenants.get(0);
        check(singleLogin, Placement.SINGLE_SERVER, sample, options);
        check(clusterLogin, Placement.DISTRIBUTED, sample, options);
        Voxanne onOne = Voxanne.create(singleLogin);
        Voxanne onCitus = Voxanne.create(clusterLogin);
        Voxanne recordedOne = Voxanne.create(new RecordingDataSource(singleLogin));
        Voxanne recordedCitus = Voxanne.create(new RecordingDataSource(clusterLogin));

        Map<Operation, Variants> variants = new LinkedHashMap<>();
        for (Operation op : RlsThroughputBenchmark.operations()) {
            if (options.only.stream().noneMatch(op.name()::contains)) {
                continue;
            }
            RecordingDataSource.Statement query = RlsThroughputBenchmark.capture(recordedOne, sample, op);
            // One SQL text on both kinds of database (ADR 0020): the cluster's call carries the same query.
            List<RecordingDataSource.Statement> onCluster = RecordingDataSource.record(() -> op.call().accept(recordedCitus, sample.context()));
            if (onCluster.stream().noneMatch(s -> s.sql().contains(query.sql()))) {
                throw new IllegalStateException(op.name() + ": the DAO sends another query on the cluster: " + onCluster);
            }
            RecordingDataSource.Statement baseline = op.baselineSql() == null ? query
                    : RlsThroughputBenchmark.orgOnly(op.baselineSql(), sample);
            variants.put(op, new Variants(query, baseline, List.of(
                    tenant -> op.call().accept(onOne, tenant.context()),
                    tenant -> RlsThroughputBenchmark.runPlain(single, baseline, sample, tenant),
                    tenant -> op.call().accept(onCitus, tenant.context()),
                    tenant -> RlsThroughputBenchmark.runPlain(clusterAdmin, baseline, sample, tenant),
                    tenant -> runInTransaction(single, baseline, sample, tenant),
                    tenant -> runInTransaction(clusterAdmin, baseline, sample, tenant))));
        }

        long warmupStarted = System.nanoTime();
        for (Variants v : variants.values()) {
            for (int i = 0; i < v.tasks().size(); i++) {
                boolean dao = i == 0 || i == 2;
                RlsThroughputBenchmark.measure(options.threads, dao ? options.warmupSeconds : Math.min(3, options.warmupSeconds), 0,
                        v.tasks().get(i));
            }
        }
        System.out.printf("warm-up: the DAO %d s, plain JDBC up to 3 s per operation and database; %.0f s in all%n",
                options.warmupSeconds, (System.nanoTime() - warmupStarted) / 1e9);

        Map<String, Measurement[]> throughput = new LinkedHashMap<>();
        Map<String, Measurement[]> oneThread = new LinkedHashMap<>();
        Map<String, String> routing = new LinkedHashMap<>();
        Map<String, String> explains = new LinkedHashMap<>();
        for (Map.Entry<Operation, Variants> entry : variants.entrySet()) {
            Operation op = entry.getKey();
            Variants v = entry.getValue();
            int n = v.tasks().size();
            List<List<Measurement>> many = new ArrayList<>();
            List<List<Measurement>> one = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                many.add(new ArrayList<>());
                one.add(new ArrayList<>());
            }
            for (int round = 0; round < options.rounds; round++) {
                for (int i = 0; i < n; i++) {
                    many.get(i).add(RlsThroughputBenchmark.measure(options.threads, 0, options.seconds, v.tasks().get(i)));
                }
                for (int i = 0; i < n; i++) {
                    one.get(i).add(RlsThroughputBenchmark.measure(1, 0, options.seconds, v.tasks().get(i)));
                }
            }
            Measurement[] t = new Measurement[n];
            Measurement[] l = new Measurement[n];
            for (int i = 0; i < n; i++) {
                t[i] = Bench.median(many.get(i));
                l[i] = Bench.median(one.get(i));
            }
            throughput.put(op.name(), t);
            oneThread.put(op.name(), l);
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-46s", op.name()));
            for (int i = 0; i < n; i++) {
                line.append(String.format(Locale.ROOT, " | %s %6.0f/s, 1 thread %6.1f µs %s", VARIANTS.get(i), t[i].opsPerSecond(),
                        micros(l[i]), one.get(i).stream().map(m -> String.format(Locale.ROOT, "%.0f", micros(m))).toList()));
            }
            System.out.println(line);

            Tenant other = tenants.get(tenants.size() / 2);
            String authPlan = RlsThroughputBenchmark.explain(clusterLogin, v.query(), sample, other, true, Placement.DISTRIBUTED);
            String adminPlan = RlsThroughputBenchmark.explain(clusterAdmin, v.baseline(), sample, other, false);
            String singlePlan = RlsThroughputBenchmark.explain(singleLogin, v.query(), sample, other, true);
            routing.put(op.name(), routingSummary(authPlan) + " | " + routingSummary(adminPlan) + " | "
                    + Bench.planSummary(singlePlan));
            explains.put(op.name(), "SQL: " + v.query().sql() + "\n-- on the cluster, as authenticated (distributed binding, in a transaction):\n"
                    + authPlan + "-- on the cluster, as superuser, no RLS" + (v.baseline() == v.query() ? "" : ": " + v.baseline().sql())
                    + "\n" + adminPlan + "-- on one server, as authenticated:\n" + singlePlan);
        }

        System.out.println();
        System.out.printf("Throughput, %d threads, a pool of %d per database (median of %d rounds):%n%n", options.threads,
                options.pool, options.rounds);
        System.out.println("| operation | DAO ops/s: one server, Citus | **DAO Citus / one server** | no RLS ops/s: one server, Citus"
                + " | no RLS Citus / one server | DAO / no RLS: one server, Citus | JVM CPU µs per DAO call: one server, Citus |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|");
        throughput.forEach((name, r) -> System.out.printf(Locale.ROOT, "| %s | %.0f, %.0f | **%.2f** | %.0f, %.0f | %.2f | %.2f, %.2f | %.0f, %.0f |%n",
                name, r[0].opsPerSecond(), r[2].opsPerSecond(), r[2].opsPerSecond() / r[0].opsPerSecond(),
                r[1].opsPerSecond(), r[3].opsPerSecond(), r[3].opsPerSecond() / r[1].opsPerSecond(),
                r[0].opsPerSecond() / r[1].opsPerSecond(), r[2].opsPerSecond() / r[3].opsPerSecond(),
                r[0].clientCpuMicrosPerOp(), r[2].clientCpuMicrosPerOp()));
        System.out.println();
        System.out.printf("Time per call, 1 thread (median of %d rounds):%n%n", options.rounds);
        System.out.println("| operation | DAO µs per call: one server, Citus | **routing per DAO call** | no RLS µs per call:"
                + " one server, Citus | routing per call, no RLS | no RLS, `begin; query; commit`: one server, Citus | routing per call,"
                + " no RLS in a transaction |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|");
        oneThread.forEach((name, r) -> System.out.printf(Locale.ROOT, "| %s | %.0f, %.0f | **+%.0f µs** | %.0f, %.0f | +%.0f µs | %.0f, %.0f | +%.0f µs |%n",
                name, micros(r[0]), micros(r[2]), micros(r[2]) - micros(r[0]), micros(r[1]), micros(r[3]),
                micros(r[3]) - micros(r[1]), micros(r[4]), micros(r[5]), micros(r[5]) - micros(r[4])));
        System.out.println();
        System.out.println("| operation | on the cluster as authenticated (EXPLAIN ANALYZE) | on the cluster without RLS"
                + " | one server as authenticated |");
        System.out.println("|---|---|---|---|");
        routing.forEach((name, s) -> System.out.println("| " + name + " | " + s + " |"));
        System.out.println();
        explains.forEach((name, plan) -> System.out.println("== " + name + "\n" + plan));
    }

    /**
     * The baseline as the superuser in a transaction of its own, {@code begin; query; commit} in one string
     * (auto-commit on, as the DAO sends a single-statement unit, ADR 0009) and no binding: on the cluster the
     * worker's part of the transaction is opened and committed apart from the query, as the DAO's is.
     */
    private static void runInTransaction(DataSource admin, RecordingDataSource.Statement query, Tenant captured, Tenant tenant)
            throws SQLException {
        try (Connection c = admin.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("begin; " + query.sql() + "; commit")) {
                query.bind(ps, 0, captured.org(), tenant.org(), captured.user(), tenant.user());
                ps.execute();                 // begin
                if (!ps.getMoreResults()) {
                    throw new IllegalStateException("no query result");
                }
                try (ResultSet rs = ps.getResultSet()) {
                    Bench.readAll(rs);
                }
            } catch (SQLException | RuntimeException e) {
                try (Statement rollback = c.createStatement()) {
                    rollback.execute("rollback");
                }
                throw e;
            }
        }
    }

    /** Microseconds per call of a measurement taken on one thread. */
    private static double micros(Measurement m) {
        return 1e6 / m.opsPerSecond();
    }

    /** The tasks and nodes of a Citus plan, the worker's scans and times, and the whole statement's time. */
    private static String routingSummary(String plan) {
        List<String> tasks = new ArrayList<>();
        Matcher t = TASK_COUNT.matcher(plan);
        while (t.find()) {
            tasks.add(t.group(1));
        }
        List<String> ports = new ArrayList<>();
        Matcher n = NODE.matcher(plan);
        while (n.find()) {
            ports.add(n.group(1));
        }
        String total = "?";
        Matcher e = EXECUTION.matcher(plan);
        while (e.find()) {
            total = e.group(1) + " ms";
        }
        return "tasks " + String.join("+", tasks) + " on port " + String.join(",", ports) + "; worker: " + Bench.planSummary(plan)
                + "; in all " + total;
    }
}
