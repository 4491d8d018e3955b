package com.voxanne.dao.bench;

import com.voxanne.dao.AppointmentQuery;
import com.voxanne.dao.ContactQuery;
import com.voxanne.dao.NotificationQuery;
import com.voxanne.dao.OrgContext;
import com.voxanne.dao.Voxanne;
import com.voxanne.dao.bench.Bench.Measurement;
import com.voxanne.dao.metrics.VoxanneMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import com.voxanne.schema.VoxanneSchema;
import com.voxanne.schema.jooq.enums.LeadStatusType;
import com.voxanne.schema.session.RequestBinding;
import com.voxanne.schema.session.RequestClaims;
import com.voxanne.schema.session.RoleTimeouts;
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
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import javax.sql.DataSource;

/**
 * Throughput of every list, count and search of the repositories through the DAO (row-level security,
 * as {@code authenticated}), side by side with the same SQL run without RLS (as the superuser, plain
 * auto-commit query), on a generated data set: by default 1,000 organizations × 1,000 contacts, 200
 * appointments per organization and 100 notifications for each of 3 users per organization.
 *
 * <p>A third column runs the DAO's SQL in plain JDBC under RLS, the binding prefixed in one string (one
 * round trip, auto-commit on): what any client could reach, to tell the DAO's own cost from the cost of
 * RLS. Every path is warmed up first (the JIT needs about ten seconds of jOOQ calls), then each
 * operation is measured in rounds interleaving the variants; the median round counts. Also reports the
 * benchmark JVM's CPU time per operation, and prints {@code EXPLAIN (ANALYZE, BUFFERS)} of each query as
 * {@code authenticated} and without RLS.
 *
 * <p>A benchmark, not a test: it asserts nothing about speed. Run (see docs/benchmarks.md):
 * <pre>
 * VOXANNE_TEST_BACKEND=embedded ./mvnw -o -q -pl voxanne-dao -am process-test-classes -Prls-bench \
 *     -Dexec.args="--threads 4 --warmup 3 --seconds 3 --rounds 3"
 * </pre>
 * Options: {@code --orgs N --contacts N --threads N --pool N --warmup S --seconds S --rounds N
 * --only SUBSTRING[,SUBSTRING…] --metrics true|false --seed N --paired CALLS}; {@code --citus-beside true}
 * runs {@link RlsCitusBeside} instead (the Citus backend only). With {@code --paired}, each read is also
 * called that many times through the DAO and through the raw client, one thread, the two alternating
 * call by call with the same organization, each call's CPU (of the calling thread) and allocated bytes
 * taken around it: a comparison of the DAO's own cost that the machine's load cannot tilt, as it falls
 * on both alike.
 */
public final class RlsThroughputBenchmark {

    private RlsThroughputBenchmark() {
    }

    /** One operation of the repositories, called through the DAO for a tenant. */
    /**
     * One operation of the repositories, called through the DAO for a tenant. {@code baselineSql}, when
     * set, is the query without RLS to compare with (its one parameter is the organization) instead of
     * the DAO's own SQL: for the search, whose DAO SQL asks a SECURITY DEFINER function for the matching
     * ids, the honest baseline is the plain ILIKE query an application without RLS would send.
     */
    record Operation(String name, BiConsumer<Voxanne, OrgContext> call, String baselineSql) {
        Operation(String name, BiConsumer<Voxanne, OrgContext> call) {
            this(name, call, null);
        }
    }

    /**
     * The contacts page matching {@code text} by the search's rule as plain SQL, no RLS: name, e-mail or
     * phone contains the text; a phone-like text's digits in the phone too, an arm left out (as
     * {@code search_contact_ids} leaves it out since V12) when the text is its digits already, because the
     * phone ILIKE arm matches the same rows.
     */
    static String plainSearch(String text, boolean phoneDigits) {
        String pattern = "'%" + text + "%'";
        boolean digitsArm = phoneDigits && !text.chars().allMatch(ch -> ch >= '0' && ch <= '9');
        return "select * from public.contacts where org_id = ? and (name ilike " + pattern + " escape '\\'"
                + " or email ilike " + pattern + " escape '\\' or phone ilike " + pattern + " escape '\\'"
                + (digitsArm ? " or phone like '%" + text.replaceAll("[^0-9]", "") + "%'" : "")
                + ") order by updated_at desc, id desc limit 21";
    }

    /** A tenant: an organization and one of its users. */
    record Tenant(UUID org, UUID user) {
        OrgContext context() {
            return OrgContext.of(org, user);
        }
    }

    static final class Options {
        int orgs = 1000;
        int contacts = 1000;
        int appointments = 200;
        int usersPerOrg = 3;
        int notificationsPerUser = 100;
        int threads = 4;
        int pool = 4;
        int warmupSeconds = 3;
        int rounds = 3;
        int seconds = 3;
        /** Operations whose name contains one of these (comma-separated on the command line). */
        List<String> only = List.of("");
        /** Adds a variant: the DAO reporting to Micrometer ({@code VoxanneMetrics}), to price the metrics. */
        boolean metrics;
        /** Calls per variant of the paired comparison of the DAO with the raw client (0: not run). */
        int paired;
        /**
         * Runs {@link RlsCitusBeside} instead: one server and a distributed database side by side on the Citus
         * backend, same data, same rounds.
         */
        boolean citusBeside;
        /** When set, the generated ids and random values derive from it (the same rows in every database). */
        Integer seed;
        /** With a seed, the instant the generated times are relative to (one for every database of a run). */
        final OffsetDateTime base = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.SECONDS);

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i += 2) {
                String value = args[i + 1];
                switch (args[i]) {
                    case "--orgs" -> o.orgs = Integer.parseInt(value);
                    case "--contacts" -> o.contacts = Integer.parseInt(value);
                    case "--threads" -> o.threads = Integer.parseInt(value);
                    case "--pool" -> o.pool = Integer.parseInt(value);
                    case "--warmup" -> o.warmupSeconds = Integer.parseInt(value);
                    case "--rounds" -> o.rounds = Integer.parseInt(value);
                    case "--seconds" -> o.seconds = Integer.parseInt(value);
                    case "--only" -> o.only = List.of(value.split(","));
                    case "--metrics" -> o.metrics = Boolean.parseBoolean(value);
                    case "--paired" -> o.paired = Integer.parseInt(value);
                    case "--citus-beside" -> o.citusBeside = Boolean.parseBoolean(value);
                    case "--seed" -> o.seed = Integer.parseInt(value);
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            o.appointments = Math.min(o.appointments, o.contacts);
            if (o.citusBeside && o.seed == null) {
                o.seed = 1;
            }
            return o;
        }
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        if (System.getenv("VOXANNE_TEST_BACKEND") == null && System.getProperty("voxanne.test.backend") == null) {
            System.setProperty("voxanne.test.backend", "embedded");
        }
        if (options.citusBeside) {
            RlsCitusBeside.run(options);
            return;
        }
        try (PostgresServer server = TestPostgres.start(TestPostgresConfig.fromEnvironment());
             TestDatabase db = server.createDatabase()) {
            System.out.printf("server: %s, PostgreSQL %d; cores: %d; threads %d, pool %d, warm-up %d s, measured %d s%n",
                    server.backend(), server.versionNumber(), Runtime.getRuntime().availableProcessors(),
                    options.threads, options.pool, options.warmupSeconds, options.seconds);
            VoxanneSchema.configure().dataSource(db.adminDataSource()).load().migrate();
            try (Connection c = db.adminDataSource().getConnection(); Statement s = c.createStatement()) {
                s.execute("grant anon, authenticated, service_role to \"" + server.loginRole() + "\"");
            }
            List<Tenant> tenants = generate(db.adminDataSource(), options);
            try (HikariDataSource login = Bench.pool(db.loginDataSource(), options.pool, "bench-login");
                 HikariDataSource admin = Bench.pool(db.adminDataSource(), options.pool, "bench-admin")) {
                run(options, tenants, login, admin);
            }
        }
    }

    static List<Operation> operations() {
        OffsetDateTime today = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.DAYS);
        AppointmentQuery thisWeek = AppointmentQuery.all().from(today).until(today.plusDays(7));
        return List.of(
                new Operation("contacts.list(status new, 20 newest)",
                        (v, c) -> v.contacts(c).list(ContactQuery.status(LeadStatusType.NEW))),
                new Operation("contacts.list(all, 20 newest)", (v, c) -> v.contacts(c).list(ContactQuery.all())),
                new Operation("contacts.list(search \"ann\", a quarter match)",
                        (v, c) -> v.contacts(c).list(ContactQuery.all().search("ann")), plainSearch("ann", false)),
                new Operation("contacts.list(search \"c123.o\", one match)",
                        (v, c) -> v.contacts(c).list(ContactQuery.all().search("c123.o")), plainSearch("c123.o", false)),
                new Operation("contacts.list(search phone \"0123\")",
                        (v, c) -> v.contacts(c).list(ContactQuery.all().search("0123")), plainSearch("0123", true)),
                new Operation("contacts.countsByLeadStatus()", (v, c) -> v.contacts(c).countsByLeadStatus()),
                new Operation("appointments.upcoming(20)", (v, c) -> v.appointments(c).upcoming(20)),
                new Operation("appointments.list(this week)", (v, c) -> v.appointments(c).list(thisWeek)),
                new Operation("notifications.list(20 newest)",
                        (v, c) -> v.notifications(c).list(NotificationQuery.all())),
                new Operation("notifications.unreadCount()", (v, c) -> v.notifications(c).unreadCount()));
    }

    private static void run(Options options, List<Tenant> tenants, DataSource login, DataSource admin) throws Exception {
        Voxanne voxanne = Voxanne.create(login);
        Voxanne metered = Voxanne.builder(login).observer(VoxanneMetrics.of(new SimpleMeterRegistry())).build();
        Voxanne recorded = Voxanne.create(new RecordingDataSource(login));
        Tenant sample = tenants.get(0);
        isolationCheck(login, sample, options);

        // Capture every operation's SQL first, then warm every path up (jOOQ's code takes the JIT about
        // ten seconds of calls to settle: measured before it has, the DAO pays for compilation), then
        // measure in rounds that interleave the variants, so that drift of a busy machine hits all alike.
        Map<Operation, Variants> variants = new LinkedHashMap<>();
        for (Operation op : operations()) {
            if (options.only.stream().anyMatch(op.name()::contains)) {
                RecordingDataSource.Statement query = capture(recorded, sample, op);
                RecordingDataSource.Statement baseline = op.baselineSql() == null ? query : orgOnly(op.baselineSql(), sample);
                variants.put(op, new Variants(query, baseline, List.of(
                        tenant -> op.call().accept(voxanne, tenant.context()),
                        tenant -> runPlain(admin, baseline, sample, tenant),
                        tenant -> runOneRoundTrip(login, query, sample, tenant),
                        tenant -> runPreparedTransaction(login, query, sample, tenant, Binding.LIBRARY),
                        tenant -> runPreparedTransaction(login, query, sample, tenant, Binding.ROLE_AND_CLAIMS_ONLY),
                        tenant -> runPreparedTransaction(login, query, sample, tenant, Binding.WITHOUT_SEARCH_PATH),
                        tenant -> {
                            if (options.metrics) {
                                op.call().accept(metered, tenant.context());
                            }
                        })));
            }
        }
        long warmupStarted = System.nanoTime();
        for (Variants v : variants.values()) {
            for (int i = 0; i < activeVariants(v, options); i++) {
                // plain JDBC settles in a few seconds; the DAO's jOOQ path needs the full warm-up
                measure(options.threads, i == 0 || i == METERED ? options.warmupSeconds : Math.min(3, options.warmupSeconds), 0,
                        v.tasks().get(i));
            }
        }
        System.out.printf("warm-up: the DAO %d s, plain JDBC up to 3 s per operation; %.0f s in all%n",
                options.warmupSeconds, (System.nanoTime() - warmupStarted) / 1e9);

        if (options.paired > 0) {
            System.out.println();
            for (Map.Entry<Operation, Variants> entry : variants.entrySet()) {
                Variants v = entry.getValue();
                Bench.Paired p = Bench.paired(options.paired,
                        () -> tenants.get(ThreadLocalRandom.current().nextInt(tenants.size())),
                        tenant -> v.tasks().get(0).run((Tenant) tenant), tenant -> v.tasks().get(3).run((Tenant) tenant));
                System.out.printf(Locale.ROOT, "paired %-46s DAO %5.1f µs CPU, %6.0f bytes; raw %5.1f µs CPU, %6.0f bytes;"
                        + " **DAO / raw CPU %.2f** (halves %.2f, %.2f); allocated %.2f%n",
                        entry.getKey().name(), p.firstCpuMicros(), p.firstBytes(), p.secondCpuMicros(), p.secondBytes(),
                        p.cpuRatio(), p.cpuRatioFirstHalf(), p.cpuRatioSecondHalf(), p.firstBytes() / p.secondBytes());
            }
            System.out.println();
        }

        Map<String, Measurement[]> results = new LinkedHashMap<>();
        Map<String, String> explains = new LinkedHashMap<>();
        Map<String, String> indexes = new LinkedHashMap<>();
        for (Map.Entry<Operation, Variants> entry : variants.entrySet()) {
            Operation op = entry.getKey();
            Variants v = entry.getValue();
            List<List<Measurement>> perVariant = new ArrayList<>();
            v.tasks().forEach(t -> perVariant.add(new ArrayList<>()));
            for (int round = 0; round < options.rounds; round++) {
                for (int i = 0; i < activeVariants(v, options); i++) {
                    perVariant.get(i).add(measure(options.threads, 0, options.seconds, v.tasks().get(i)));
                }
            }
            Measurement dao = Bench.median(perVariant.get(0));
            Measurement plain = Bench.median(perVariant.get(1));
            Measurement oneTrip = Bench.median(perVariant.get(2));
            Measurement prepared = Bench.median(perVariant.get(3));
            Measurement roleAndClaimsOnly = Bench.median(perVariant.get(4));
            Measurement withoutSearchPath = Bench.median(perVariant.get(5));
            System.out.printf(Locale.ROOT, "   raw prepared begin;bind;query;commit %7.0f/s (%.2f, %4.0f µs CPU, calling threads %4.1f µs, JIT %4.1f µs);"
                    + " binding role and claims only %7.0f/s (%.2f); without search_path %7.0f/s (%.2f)%n",
                    prepared.opsPerSecond(), prepared.opsPerSecond() / plain.opsPerSecond(), prepared.clientCpuMicrosPerOp(),
                    prepared.callerCpuMicrosPerOp(), prepared.compilationMicrosPerOp(),
                    roleAndClaimsOnly.opsPerSecond(), roleAndClaimsOnly.opsPerSecond() / plain.opsPerSecond(),
                    withoutSearchPath.opsPerSecond(), withoutSearchPath.opsPerSecond() / plain.opsPerSecond());
            if (options.metrics) {
                Measurement withMetrics = Bench.median(perVariant.get(METERED));
                System.out.printf(Locale.ROOT, "   DAO with Micrometer metrics %7.0f/s (%4.0f µs CPU): %.3f of the DAO without%n",
                        withMetrics.opsPerSecond(), withMetrics.clientCpuMicrosPerOp(),
                        withMetrics.opsPerSecond() / dao.opsPerSecond());
            }
            results.put(op.name(), new Measurement[] {dao, plain, oneTrip});
            System.out.printf(Locale.ROOT, "%-46s DAO %7.0f/s (%4.0f µs CPU, calling threads %4.1f µs, JIT %4.1f µs)  no RLS %7.0f/s (%4.0f µs CPU)  ratio %.2f |"
                    + " raw JDBC under RLS, 1 round trip %7.0f/s (%.2f, %4.0f µs CPU)  [DAO rounds: %s]%n",
                    op.name(), dao.opsPerSecond(), dao.clientCpuMicrosPerOp(), dao.callerCpuMicrosPerOp(),
                    dao.compilationMicrosPerOp(), plain.opsPerSecond(),
                    plain.clientCpuMicrosPerOp(), dao.opsPerSecond() / plain.opsPerSecond(),
                    oneTrip.opsPerSecond(), oneTrip.opsPerSecond() / plain.opsPerSecond(), oneTrip.clientCpuMicrosPerOp(),
                    perVariant.get(0).stream().map(m -> String.format(Locale.ROOT, "%.0f", m.opsPerSecond())).toList());
            Tenant other = tenants.get(tenants.size() / 2);
            String authPlan = explain(login, v.query(), sample, other, true);
            String adminPlan = explain(admin, v.baseline(), sample, other, false);
            explains.put(op.name(), "SQL: " + v.query().sql() + "\n-- as authenticated (bound claims, in a transaction):\n"
                    + authPlan + "-- as superuser, no RLS" + (v.baseline() == v.query() ? "" : ": " + v.baseline().sql())
                    + "\n" + adminPlan);
            indexes.put(op.name(), Bench.planSummary(authPlan) + " | " + Bench.planSummary(adminPlan));
        }

        System.out.println();
        System.out.println("| operation | DAO ops/s (RLS) | no RLS ops/s | **DAO / no RLS** | JVM CPU µs/op: DAO, no RLS"
                + " | raw JDBC, RLS, 1 round trip | ratio |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|");
        results.forEach((name, r) -> System.out.printf(Locale.ROOT,
                "| %s | %.0f | %.0f | **%.2f** | %.0f, %.0f | %.0f | %.2f |%n",
                name, r[0].opsPerSecond(), r[1].opsPerSecond(), r[0].opsPerSecond() / r[1].opsPerSecond(),
                r[0].clientCpuMicrosPerOp(), r[1].clientCpuMicrosPerOp(),
                r[2].opsPerSecond(), r[2].opsPerSecond() / r[1].opsPerSecond()));
        System.out.println();
        System.out.println("| operation | plan as authenticated (EXPLAIN ANALYZE) | plan without RLS |");
        System.out.println("|---|---|---|");
        indexes.forEach((name, s) -> System.out.println("| " + name + " | " + s + " |"));
        System.out.println();
        explains.forEach((name, plan) -> System.out.println("== " + name + "\n" + plan));
    }

    // ------------------------------------------------------------------------------------------------
    // measuring

    interface Task {
        void run(Tenant tenant) throws Exception;
    }

    /** The index of the variant with metrics, measured only with {@code --metrics true}. */
    private static final int METERED = 6;

    private static int activeVariants(Variants v, Options options) {
        return options.metrics ? v.tasks().size() : METERED;
    }

    /** The SQL a DAO operation sends, its baseline without RLS, and the tasks measured: DAO, no RLS, raw 1 round trip. */
    private record Variants(RecordingDataSource.Statement query, RecordingDataSource.Statement baseline, List<Task> tasks) {
    }

    /** Operations per second of {@code task} on {@code threads} threads, each call for a random tenant. */
    static Measurement measure(int threads, int warmupSeconds, int seconds, Task task) throws InterruptedException {
        List<Tenant> tenants = TENANTS.get();
        return Bench.measure(threads, warmupSeconds, seconds,
                () -> task.run(tenants.get(ThreadLocalRandom.current().nextInt(tenants.size()))));
    }

    static final AtomicReference<List<Tenant>> TENANTS = new AtomicReference<>();

    /** The one query statement a DAO call sends besides the binding, recorded for {@code tenant}. */
    static RecordingDataSource.Statement capture(Voxanne recorded, Tenant tenant, Operation op) {
        List<RecordingDataSource.Statement> statements = RecordingDataSource.record(() -> op.call().accept(recorded, tenant.context()));
        List<RecordingDataSource.Statement> queries = statements.stream()
                .filter(s -> !s.sql().equals(RequestBinding.BIND_SQL))
                .map(Bench::withoutBinding)
                .toList();
        if (queries.size() != 1) {
            throw new IllegalStateException(op.name() + ": expected one query besides the binding, got " + statements);
        }
        RecordingDataSource.Statement query = queries.get(0);
        if (!query.mentions(tenant.org())) {
            throw new IllegalStateException(op.name() + ": the query does not bind the organization: " + query);
        }
        return query;
    }

    /** {@code sql} with the organization as its one parameter, as if recorded for {@code tenant}. */
    static RecordingDataSource.Statement orgOnly(String sql, Tenant tenant) {
        try {
            java.lang.reflect.Method setObject = PreparedStatement.class.getMethod("setObject", int.class, Object.class);
            return new RecordingDataSource.Statement(sql,
                    List.of(new RecordingDataSource.Bind(setObject, new Object[] {1, tenant.org()})));
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The captured query for {@code tenant} as the superuser: no RLS, auto-commit, one round trip. */
    static void runPlain(DataSource admin, RecordingDataSource.Statement query, Tenant captured, Tenant tenant)
            throws SQLException {
        try (Connection c = admin.getConnection(); PreparedStatement ps = c.prepareStatement(query.sql())) {
            query.bind(ps, 0, captured.org(), tenant.org(), captured.user(), tenant.user());
            try (ResultSet rs = ps.executeQuery()) {
                Bench.readAll(rs);
            }
        }
    }

    /**
     * The captured query for {@code tenant} under RLS, with the binding prefixed in the same string:
     * auto-commit on, so both statements run in one implicit transaction and one round trip.
     */
    private static void runOneRoundTrip(DataSource login, RecordingDataSource.Statement query, Tenant captured,
                                        Tenant tenant) throws SQLException {
        try (Connection c = login.getConnection();
             PreparedStatement ps = c.prepareStatement(RequestBinding.BIND_SQL + "; " + query.sql())) {
            // Never server-prepared: in auto-commit a Sync PgJDBC puts between binding and query would unbind it.
            ps.unwrap(org.postgresql.PGStatement.class).setPrepareThreshold(0);
            RequestBinding.setParameters(ps, 1, RequestClaims.user(tenant.org(), tenant.user()));
            query.bind(ps, RequestBinding.PARAMETER_COUNT, captured.org(), tenant.org(), captured.user(), tenant.user());
            ps.execute();
            if (!ps.getMoreResults()) {
                throw new IllegalStateException("no second result");
            }
            try (ResultSet rs = ps.getResultSet()) {
                Bench.readAll(rs);
            }
        }
    }

    /**
     * The binding a diagnostic column sends: the library's, or a reduced one that prices what protects a
     * unit from a poisoned session (role and claims alone: no blanked per-claim settings, timeouts or
     * search_path; or everything but the search_path).
     */
    private enum Binding {
        LIBRARY(RequestBinding.BIND_SQL, RequestBinding.PARAMETER_COUNT),
        ROLE_AND_CLAIMS_ONLY("select set_config('role', ?, true), set_config('request.jwt.claims', ?, true)", 2),
        WITHOUT_SEARCH_PATH(RequestBinding.BIND_SQL.replace(
                ", set_config('search_path', '" + RequestBinding.SEARCH_PATH + "', true)", ""), RequestBinding.PARAMETER_COUNT);

        final String sql;
        final int parameters;

        Binding(String sql, int parameters) {
            this.sql = sql;
            this.parameters = parameters;
        }
    }

    /**
     * The captured query for {@code tenant} under RLS as the DAO sends a single-statement unit, without the
     * DAO's Java: auto-commit on, {@code begin; binding; query; commit} in one string, server-prepared;
     * {@code binding} says which binding it sends.
     */
    private static void runPreparedTransaction(DataSource login, RecordingDataSource.Statement query, Tenant captured,
                                               Tenant tenant, Binding binding) throws SQLException {
        try (Connection c = login.getConnection()) {
            try (PreparedStatement ps = c.prepareStatement("begin; " + binding.sql + "; " + query.sql() + "; commit")) {
                RequestClaims claims = RequestClaims.user(tenant.org(), tenant.user());
                if (binding == Binding.ROLE_AND_CLAIMS_ONLY) {
                    ps.setString(1, claims.role().roleName());
                    ps.setString(2, claims.toJson());
                } else {
                    RequestBinding.setParameters(ps, 1, claims);
                }
                query.bind(ps, binding.parameters, captured.org(), tenant.org(), captured.user(), tenant.user());
                ps.execute();                 // begin
                ps.getMoreResults();          // the binding's row
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

    /**
     * Before measuring: as {@code authenticated} an unfiltered count sees one organization only, both
     * with the DAO's bound transaction and with the one-round-trip string, and the one-round-trip
     * binding leaves nothing on the connection.
     */
    private static void isolationCheck(DataSource login, Tenant tenant, Options options) throws SQLException {
        RequestClaims claims = RequestClaims.user(tenant.org(), tenant.user());
        try (Connection c = login.getConnection()) {
            c.setAutoCommit(false);
            RequestBinding.bind(c, claims);
            long inTransaction = single(c, "select count(*) from public.contacts");
            c.rollback();
            c.setAutoCommit(true);
            long oneTrip;
            try (PreparedStatement ps = c.prepareStatement(RequestBinding.BIND_SQL + "; select count(*) from public.contacts")) {
                RequestBinding.setParameters(ps, 1, claims);
                ps.execute();
                ps.getMoreResults();
                try (ResultSet rs = ps.getResultSet()) {
                    rs.next();
                    oneTrip = rs.getLong(1);
                }
            }
            String after;
            try (Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("select current_user || ' claims=[' || coalesce(current_setting('request.jwt.claims', true), '') || ']'")) {
                rs.next();
                after = rs.getString(1);
            }
            System.out.printf("isolation: %d contacts in all; as authenticated of one org: %d (bound transaction), %d (one round trip);"
                    + " the connection afterwards: %s%n", (long) options.orgs * options.contacts, inTransaction, oneTrip, after);
            if (inTransaction != options.contacts || oneTrip != options.contacts) {
                throw new IllegalStateException("row-level security did not isolate the organization");
            }
        }
    }

    static long single(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    // ------------------------------------------------------------------------------------------------
    // EXPLAIN

    static String explain(DataSource ds, RecordingDataSource.Statement query, Tenant captured, Tenant tenant,
                                  boolean authenticated) throws SQLException {
        return explain(ds, query, captured, tenant, authenticated, RequestBinding.Placement.SINGLE_SERVER);
    }

    /** As {@link #explain(DataSource, RecordingDataSource.Statement, Tenant, Tenant, boolean)}, bound in the form {@code placement} needs. */
    static String explain(DataSource ds, RecordingDataSource.Statement query, Tenant captured, Tenant tenant,
                          boolean authenticated, RequestBinding.Placement placement) throws SQLException {
        StringBuilder plan = new StringBuilder();
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try {
                if (authenticated) {
                    RequestBinding.bind(c, RequestClaims.user(tenant.org(), tenant.user()), RoleTimeouts.defaults(), placement);
                }
                try (PreparedStatement ps = c.prepareStatement("explain (analyze, buffers) " + query.sql())) {
                    query.bind(ps, 0, captured.org(), tenant.org(), captured.user(), tenant.user());
                    try (ResultSet rs = ps.executeQuery()) {
                        while (rs.next()) {
                            plan.append("   ").append(rs.getString(1)).append('\n');
                        }
                    }
                }
            } finally {
                c.rollback();
                c.setAutoCommit(true);
            }
        }
        return plan.toString();
    }

    // ------------------------------------------------------------------------------------------------
    // data set

    /**
     * Fills the database as the admin role with generate_series: organizations, users (auth.users, with
     * app_metadata.org_id), contacts, appointments and notifications. Triggers (audit, notify, user check)
     * are skipped with session_replication_role = replica and secondary indexes are built after loading:
     * the rows are consistent by construction. Returns one tenant (organization, first user) per
     * organization.
     */
    static List<Tenant> generate(DataSource admin, Options o) throws SQLException {
        long started = System.nanoTime();
        boolean seeded = o.seed != null;
        // With a seed, every id is derived from it and every time from one instant, and random() is seeded:
        // two databases generated with the same options hold the same rows.
        String now = seeded ? "'" + o.base + "'::timestamptz" : "now()";
        try (Connection c = admin.getConnection(); Statement s = c.createStatement()) {
            if (seeded) {
                s.execute("select setseed(" + (o.seed % 1000) / 1000.0 + ")");
            }
            s.execute("set session_replication_role = replica");
            s.execute("set maintenance_work_mem = '512MB'");
            List<String> indexes = new ArrayList<>();
            for (String table : List.of("contacts", "appointments", "notifications")) {
                try (ResultSet rs = s.executeQuery("select i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) from pg_index i"
                        + " where i.indrelid = 'public." + table + "'::regclass"
                        + " and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid)")) {
                    List<String> names = new ArrayList<>();
                    while (rs.next()) {
                        names.add(rs.getString(1));
                        indexes.add(rs.getString(2));
                    }
                    for (String name : names) {
                        s.execute("drop index " + name);
                    }
                }
            }
            s.execute(seeded
                    ? "insert into public.organizations (id, name) select md5('" + o.seed + " org ' || g)::uuid, 'Bench clinic ' || g"
                            + " from generate_series(1, " + o.orgs + ") g"
                    : "insert into public.organizations (name) select 'Bench clinic ' || g from generate_series(1, " + o.orgs + ") g");
            s.execute("create temp table bench_org as select id, row_number() over (order by id) as n from public.organizations"
                    + " where name like 'Bench clinic %'");
            s.execute("insert into auth.users (id, email, aud, role, raw_app_meta_data)"
                    + " select " + (seeded ? "md5('" + o.seed + " user ' || u || '.' || o.n)::uuid" : "gen_random_uuid()")
                    + ", 'staff' || u || '.' || o.n || '@bench.example', 'authenticated', 'authenticated',"
                    + " jsonb_build_object('org_id', o.id) from bench_org o, generate_series(1, " + o.usersPerOrg + ") u");
            s.execute("insert into public.contacts (" + (seeded ? "id, " : "") + "org_id, name, phone, email, service_interests, lead_score, lead_status,"
                    + " last_contact_at, notes, created_at, updated_at)"
                    + " select " + (seeded ? "id, " : "") + "org_id, name, phone, email, interests, score, status,"
                    + " case when g % 3 = 0 then null else updated end,"
                    + " null, updated - (g % 90) * interval '1 day', updated"
                    + " from (select " + (seeded ? "md5('" + o.seed + " contact ' || g || '.' || o.n)::uuid as id, " : "")
                    + "o.id as org_id, g,"
                    + "   (array['Ann','Joanna','Hannah','Bob','Carlos','Dana','Eve','Frank','Grace','Henry','Ivy','Jack'])[1 + g % 12]"
                    + "     || ' ' || (array['Smith','Johnson','Brown','Garcia','Miller','Davis','Lopez','Wilson','Moore','Thomas','Clark'])[1 + (g * 7) % 11] as name,"
                    + "   '+1' || (2000000000::bigint + o.n * 10000 + g)::text as phone,"
                    + "   'c' || g || '.o' || o.n || '@bench.example' as email,"
                    + "   (array['[\"botox\"]','[\"filler\"]','[\"botox\",\"filler\"]','[]'])[1 + g % 4]::jsonb as interests,"
                    + "   (array['hot','warm','cold'])[1 + g % 3]::public.lead_score_type as score,"
                    + "   (array['new','contacted','qualified','booked','converted','lost'])[1 + (g * 5) % 6]::public.lead_status_type as status,"
                    + "   " + now + " - random() * interval '365 days' as updated"
                    + "  from bench_org o, generate_series(1, " + o.contacts + ") g) x");
            // Appointments 3 hours apart per organization (30 minutes long: no double booking), half past, half ahead.
            s.execute("insert into public.appointments (" + (seeded ? "id, " : "") + "org_id, contact_id, service_type, scheduled_at, duration_minutes,"
                    + " status, deleted_at)"
                    + " select " + (seeded ? "md5('" + o.seed + " appointment ' || id)::uuid, " : "")
                    + "org_id, id, (array['consultation','botox','filler','other'])[1 + rn % 4],"
                    + "  date_trunc('hour', " + now + ") + (rn - " + (o.appointments / 2) + ") * interval '3 hours', 30,"
                    + "  (case when rn <= " + (o.appointments / 2) + " then (array['completed','completed','no_show','cancelled'])[1 + rn % 4]"
                    + "   else (array['pending','confirmed','confirmed','cancelled'])[1 + rn % 4] end)::public.appointment_status,"
                    + "  case when rn % 20 = 0 then " + now + " end"
                    + " from (select org_id, id, row_number() over (partition by org_id order by id) as rn from public.contacts) c"
                    + " where rn <= " + o.appointments);
            s.execute("insert into public.notifications (" + (seeded ? "id, " : "") + "org_id, user_id, type, title, message, related_entity_type, status,"
                    + " read_at, priority, created_at, updated_at)"
                    + " select " + (seeded ? "md5('" + o.seed + " notification ' || u.id || '.' || g)::uuid, " : "")
                    + "(u.raw_app_meta_data ->> 'org_id')::uuid, u.id,"
                    + "  (array['hot_lead','appointment_booked','appointment_reminder','missed_call','system_alert','voicemail'])[1 + g % 6]::public.notification_type,"
                    + "  'Notification ' || g, 'Generated for the benchmark', 'system',"
                    + "  (case when g % 10 < 3 then 'unread' when g % 10 < 9 then 'read' else 'archived' end)::public.notification_status,"
                    + "  case when g % 10 >= 3 then " + now + " end, 'normal', " + now + " - g * interval '2 hours', " + now
                    + " - g * interval '2 hours'"
                    + " from auth.users u, generate_series(1, " + o.notificationsPerUser + ") g");
            System.out.printf("loaded in %.0f s; building %d secondary indexes%n", (System.nanoTime() - started) / 1e9, indexes.size());
            for (String index : indexes) {
                s.execute(index);
            }
            s.execute("reset session_replication_role");
        }
        try (Connection c = admin.getConnection(); Statement s = c.createStatement()) {
            s.execute("vacuum analyze public.organizations, auth.users, public.contacts, public.appointments, public.notifications");
            List<Tenant> tenants = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("select (raw_app_meta_data ->> 'org_id')::uuid, min(id::text)::uuid from auth.users"
                    + " group by 1 order by 1")) {
                while (rs.next()) {
                    tenants.add(new Tenant(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class)));
                }
            }
            try (ResultSet rs = s.executeQuery("select (select count(*) from public.contacts), (select count(*) from public.appointments),"
                    + " (select count(*) from public.notifications), pg_size_pretty(pg_database_size(current_database()))")) {
                rs.next();
                System.out.printf("data set: %d organizations, %d contacts, %d appointments, %d notifications, database %s; ready in %.0f s%n",
                        tenants.size(), rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getString(4),
                        (System.nanoTime() - started) / 1e9);
            }
            TENANTS.set(List.copyOf(tenants));
            return tenants;
        }
    }
}
