package com.voxanne.dao.bench;

import com.voxanne.dao.bench.Bench.Measurement;
import com.voxanne.schema.VoxanneSchema;
import com.voxanne.schema.session.RequestBinding;
import com.voxanne.schema.session.RequestClaims;
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
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import javax.sql.DataSource;

/**
 * Whether a unit of several statements gains from opening its transaction in its first statement's
 * string, as a single-statement unit does (ADR 0009), instead of letting PgJDBC send its own
 * {@code BEGIN}. Both forms send the same statements as {@code authenticated} over a pool of the login
 * role: the binding with a read of one contact in the first round trip, then {@code statements - 1}
 * updates of that contact (each audited), then the commit.
 *
 * <ul>
 *   <li><b>PgJDBC's begin</b> (what {@code Transactions.Mode.TRANSACTION} does): auto-commit off, PgJDBC
 *       puts its {@code BEGIN} ahead of the first statement, {@code Connection.commit()} ends it;</li>
 *   <li><b>own begin</b>: auto-commit on, {@code begin;} written in front of the first statement's string,
 *       {@code commit} sent as a statement.</li>
 * </ul>
 *
 * <p>Run (docs/benchmarks.md, "A unit's own begin"):
 * <pre>
 * ./mvnw -o -q -pl voxanne-dao -am test-compile
 * VOXANNE_TEST_BACKEND=embedded ./mvnw -o -q -pl voxanne-dao exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=com.voxanne.dao.bench.UnitBeginBenchmark -Dexec.args="5 3"
 * </pre>
 * Arguments: rounds (default 5), seconds per round (default 3).
 */
public final class UnitBeginBenchmark {

    private static final int CONTACTS = 1_000;
    private static final String READ = "select id, notes from public.contacts where id = ?";
    private static final String UPDATE = "update public.contacts set notes = ? where id = ?";

    private UnitBeginBenchmark() {
    }

    /** A contact of the clinic. */
    private record Target(RequestClaims claims, UUID contact) {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int seconds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        if (System.getenv("VOXANNE_TEST_BACKEND") == null && System.getProperty("voxanne.test.backend") == null) {
            System.setProperty("voxanne.test.backend", "embedded");
        }
        try (PostgresServer server = TestPostgres.start(TestPostgresConfig.fromEnvironment());
             TestDatabase db = server.createDatabase()) {
            VoxanneSchema.configure().dataSource(db.adminDataSource()).load().migrate();
            List<Target> targets = seed(db.adminDataSource(), server.loginRole());
            System.out.printf("server: %s, PostgreSQL %d; cores: %d; %d rounds of %d s, alternating%n",
                    server.backend(), server.versionNumber(), Runtime.getRuntime().availableProcessors(), rounds, seconds);
            try (HikariDataSource pool = Bench.pool(db.loginDataSource(), 4, "unit-begin")) {
                System.out.println("| statements | threads | PgJDBC's begin ops/s (rounds) | own begin ops/s (rounds) | own / PgJDBC's"
                        + " | JVM CPU µs/op: PgJDBC's, own |");
                System.out.println("|---:|---:|---|---|---:|---|");
                for (int statements : new int[] {2, 3}) {
                    for (int threads : new int[] {1, 4}) {
                        compare(pool, targets, statements, threads, rounds, seconds);
                    }
                }
            }
        }
    }

    private static void compare(DataSource pool, List<Target> targets, int statements, int threads, int rounds,
                                int seconds) throws InterruptedException {
        Bench.Task pgjdbc = () -> unit(pool, pick(targets), statements, false);
        Bench.Task own = () -> unit(pool, pick(targets), statements, true);
        Bench.measure(threads, 3, 0, pgjdbc);
        Bench.measure(threads, 3, 0, own);
        List<Measurement> a = new ArrayList<>();
        List<Measurement> b = new ArrayList<>();
        for (int round = 0; round < rounds; round++) {
            a.add(Bench.measure(threads, 0, seconds, pgjdbc));
            b.add(Bench.measure(threads, 0, seconds, own));
        }
        Measurement ma = Bench.median(a);
        Measurement mb = Bench.median(b);
        System.out.printf("| %d | %d | %.0f (%s) | %.0f (%s) | **%.2f** | %.0f, %.0f |%n", statements, threads,
                ma.opsPerSecond(), list(a), mb.opsPerSecond(), list(b), mb.opsPerSecond() / ma.opsPerSecond(),
                ma.clientCpuMicrosPerOp(), mb.clientCpuMicrosPerOp());
    }

    /** One unit: binding and read, {@code statements - 1} audited updates, commit; in either form. */
    private static void unit(DataSource pool, Target target, int statements, boolean ownBegin) throws SQLException {
        try (Connection c = pool.getConnection()) {
            c.setAutoCommit(ownBegin);
            try {
                try (PreparedStatement first = c.prepareStatement((ownBegin ? "begin;\n" : "")
                        + RequestBinding.BIND_SQL + ";\n" + READ)) {
                    RequestBinding.setParameters(first, 1, target.claims());
                    first.setObject(RequestBinding.PARAMETER_COUNT + 1, target.contact());
                    first.execute();
                    if (ownBegin) {
                        first.getMoreResults(); // past begin's
                    }
                    first.getMoreResults(); // past the binding's row
                    try (ResultSet rs = first.getResultSet()) {
                        if (!rs.next()) {
                            throw new IllegalStateException("the clinic's contact is not visible: unbound?");
                        }
                    }
                }
                for (int i = 1; i < statements; i++) {
                    try (PreparedStatement update = c.prepareStatement(UPDATE)) {
                        update.setString(1, "note " + ThreadLocalRandom.current().nextInt(100));
                        update.setObject(2, target.contact());
                        if (update.executeUpdate() != 1) {
                            throw new IllegalStateException("the update found no row");
                        }
                    }
                }
                if (ownBegin) {
                    try (PreparedStatement commit = c.prepareStatement("commit")) {
                        commit.execute();
                    }
                } else {
                    c.commit();
                }
            } catch (SQLException | RuntimeException e) {
                if (ownBegin) {
                    try (Statement s = c.createStatement()) {
                        s.execute("rollback");
                    }
                } else {
                    c.rollback();
                }
                throw e;
            } finally {
                c.setAutoCommit(true);
            }
        }
    }

    private static Target pick(List<Target> targets) {
        return targets.get(ThreadLocalRandom.current().nextInt(targets.size()));
    }

    private static String list(List<Measurement> rounds) {
        StringBuilder s = new StringBuilder();
        for (Measurement m : rounds) {
            s.append(s.length() == 0 ? "" : ", ").append(Math.round(m.opsPerSecond()));
        }
        return s.toString();
    }

    /** Ten clinics with a user and {@value #CONTACTS} contacts in all; the login role granted the API roles. */
    private static List<Target> seed(DataSource admin, String loginRole) throws SQLException {
        List<Target> targets = new ArrayList<>();
        try (Connection c = admin.getConnection(); Statement s = c.createStatement()) {
            s.execute("grant anon, authenticated, service_role to \"" + loginRole + "\"");
            s.execute("insert into public.organizations (name) select 'Begin clinic ' || g from generate_series(1, 10) g");
            s.execute("insert into auth.users (id, email, aud, role, raw_app_meta_data)"
                    + " select gen_random_uuid(), 'staff.' || o.id || '@bench.example', 'authenticated', 'authenticated',"
                    + " jsonb_build_object('org_id', o.id) from public.organizations o");
            s.execute("insert into public.contacts (org_id, name, phone)"
                    + " select o.id, 'Contact ' || g, '+1212' || lpad((row_number() over ())::text, 7, '0')"
                    + " from public.organizations o, generate_series(1, " + CONTACTS / 10 + ") g");
            s.execute("vacuum analyze public.contacts");
            try (ResultSet rs = s.executeQuery("select c.org_id, u.id, c.id from public.contacts c"
                    + " join auth.users u on (u.raw_app_meta_data ->> 'org_id')::uuid = c.org_id")) {
                while (rs.next()) {
                    targets.add(new Target(RequestClaims.user(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class)),
                            rs.getObject(3, UUID.class)));
                }
            }
        }
        return targets;
    }
}
