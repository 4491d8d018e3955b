package com.voxanne.dao.bench;

import static org.jooq.impl.DSL.table;

import com.voxanne.dao.AppointmentQuery;
import com.voxanne.dao.AuditQuery;
import com.voxanne.dao.ContactQuery;
import com.voxanne.dao.ContactUpdate;
import com.voxanne.dao.Contacts;
import com.voxanne.dao.NewContact;
import com.voxanne.dao.NewNotification;
import com.voxanne.dao.NotificationQuery;
import com.voxanne.dao.OrgContext;
import com.voxanne.dao.ServiceType;
import com.voxanne.dao.Voxanne;
import com.voxanne.dao.WebhookOutcome;
import com.voxanne.dao.bench.Bench.Measurement;
import com.voxanne.dao.bench.WorkloadData.Item;
import com.voxanne.dao.bench.WorkloadData.Tenant;
import com.voxanne.schema.VoxanneSchema;
import com.voxanne.schema.jooq.enums.AppointmentStatus;
import com.voxanne.schema.jooq.enums.LeadScoreType;
import com.voxanne.schema.jooq.enums.LeadStatusType;
import com.voxanne.schema.jooq.enums.NotificationType;
import com.voxanne.schema.session.RequestBinding;
import com.voxanne.schema.session.RequestClaims;
import com.voxanne.testkit.postgres.PostgresServer;
import com.voxanne.testkit.postgres.TestDatabase;
import com.voxanne.testkit.postgres.TestPostgres;
import com.voxanne.testkit.postgres.TestPostgresConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.StringReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.HdrHistogram.Histogram;
import org.postgresql.PGConnection;

/**
 * The whole workload of the DAO at a year's volume (issue 18): every read and write of the repositories,
 * the audit trail and the bulk import, each measured through {@link Voxanne} (row-level security, as
 * {@code authenticated} with the clinic's claims; as {@code service_role} where the API is service-only)
 * side by side with the same work in plain JDBC as the superuser, in one run.
 *
 * <ul>
 * <li>reads: the DAO against its own SQL run without RLS (recorded from the DAO, replayed as the
 * superuser; for a name search the plain ILIKE query an application without RLS would send);</li>
 * <li>writes: the DAO against the same statements sent by plain JDBC as the superuser, once with the audit
 * trigger and once without it ({@code session_replication_role = replica} on that pool's connections, the
 * other triggers set to fire always: see {@link WorkloadData}), so that the price of RLS and the price of
 * auditing show separately. Each variant writes only to its own third of the organizations, so all do
 * the same work;</li>
 * <li>{@code Contacts.importAll} of 10,000 rows against {@code COPY} of the same rows without the audit
 * trigger (the floor) and against batched {@code INSERT}s.</li>
 * </ul>
 * For each operation: the throughput at {@code --threads} threads (rounds interleaving the variants, the
 * median round), the benchmark JVM's CPU per call, and the p50 / p99 / p99.9 latency at one thread
 * (HdrHistogram). Also the old generation's size after a GC at the start and the end, and with
 * {@code --minutes M} a soak of the DAO's calls for M minutes instead of the comparison.
 *
 * <p>A benchmark, not a test: it asserts nothing about speed. Run (see docs/benchmarks.md, "Whole
 * workload"):
 * <pre>
 * VOXANNE_TEST_BACKEND=embedded ./mvnw -o -q -pl voxanne-dao -am process-test-classes -Pworkload-bench \
 *     -Dexec.args="--scale 0.01 --seconds 2 --rounds 3"
 * </pre>
 * Options: {@code --scale F} (1.0: 1,000 clinics with the volume; the per-clinic volumes stay,
 * the number of clinics scales), {@code --seed N}, {@code --contacts-per-org N}, {@code --threads N},
 * {@code --pool N}, {@code --warmup S}, {@code --seconds S}, {@code --rounds N}, {@code --latency-seconds S},
 * {@code --only SUBSTRING[,SUBSTRING…]}, {@code --kind all|reads|writes|import}, {@code --import-rows N},
 * {@code --import-rounds N}, {@code --minutes M}, {@code --plans summary|full} (each read's whole
 * {@code EXPLAIN (ANALYZE, BUFFERS)} instead of its indexes and time), {@code --gin-pending-list off|KB}
 * (a what-if for the GIN indexes of contacts).
 */
public final class WorkloadBenchmark {

    private WorkloadBenchmark() {
    }

    // ------------------------------------------------------------------------------------------------
    // the operations

    /** How a call is made: through the DAO, or in plain JDBC as the superuser with or without the audit trigger. */
    enum Variant {
        DAO("DAO"),
        NO_RLS_AUDIT("no RLS, audit"),
        NO_RLS("no RLS, no audit");

        final String label;

        Variant(String label) {
            this.label = label;
        }
    }

    /** A read is compared with its SQL without RLS; a write also with and without the audit trigger. */
    enum Kind { READ, WRITE }

    /** The DAO's call for one target. */
    interface DaoCall {
        void run(Voxanne voxanne, Item target) throws Exception;
    }

    /** The baseline of a write: the same statements in plain JDBC on {@code c} (auto-commit on when handed over). */
    interface PlainCall {
        void run(Connection c, Item target) throws Exception;
    }

    /** Where the targets of an operation's calls come from, per variant. */
    interface Targets {
        Item next(Variant variant) throws SQLException;

        /** Makes sure {@code calls} targets are ready for {@code variant} (rows a write consumes). */
        default void prepare(Variant variant, int calls) throws SQLException {
        }
    }

    /**
     * One operation: its name, the DAO's call, and its baseline: for a read the DAO's own SQL replayed
     * without RLS ({@code baselineSql} null) or {@code baselineSql} with the organization as its one
     * parameter; for a write {@code plain}, the same statements in plain JDBC. {@code realWork}: the
     * query reads a page, a search or a count over many rows (the 0.8 target applies);
     * {@code p99TargetMs}: the brief's latency target, when it names one.
     */
    record Operation(String name, Kind kind, Targets targets, DaoCall dao, String baselineSql, PlainCall plain,
                     boolean realWork, Double p99TargetMs) {

        static Operation read(String name, DaoCall dao) {
            return new Operation(name, Kind.READ, null, dao, null, null, false, null);
        }

        static Operation write(String name, Targets targets, DaoCall dao, PlainCall plain) {
            return new Operation(name, Kind.WRITE, targets, dao, null, plain, false, null);
        }

        Operation baseline(String sql) {
            return new Operation(name, kind, targets, dao, sql, plain, realWork, p99TargetMs);
        }

        Operation doesRealWork() {
            return new Operation(name, kind, targets, dao, baselineSql, plain, true, p99TargetMs);
        }

        Operation p99Target(double ms) {
            return new Operation(name, kind, targets, dao, baselineSql, plain, realWork, ms);
        }

        List<Variant> variants() {
            return kind == Kind.READ ? List.of(Variant.DAO, Variant.NO_RLS) : List.of(Variant.values());
        }
    }

    private static OrgContext context(Item t) {
        return OrgContext.of(t.tenant().org(), t.user());
    }

    /** Every read the repositories and the audit trail offer, for one clinic. */
    private static List<Operation> reads() {
        OffsetDateTime today = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.DAYS);
        AppointmentQuery thisWeek = AppointmentQuery.all().from(today).until(today.plusDays(7));
        return List.of(
                Operation.read("contacts.get(id)", (v, t) -> v.contacts(context(t)).get(t.tenant().contact())),
                Operation.read("contacts.findByPhone", (v, t) -> v.contacts(context(t)).findByPhone(t.tenant().phone())),
                Operation.read("contacts.list(status new, 20 newest)",
                        (v, t) -> v.contacts(context(t)).list(ContactQuery.status(LeadStatusType.NEW))).doesRealWork(),
                Operation.read("contacts.list(all, 20 newest)",
                        (v, t) -> v.contacts(context(t)).list(ContactQuery.all())).doesRealWork().p99Target(2),
                Operation.read("contacts.list(search \"ann\")",
                        (v, t) -> v.contacts(context(t)).list(ContactQuery.all().search("ann")))
                        .baseline(plainSearch("ann", false)).doesRealWork(),
                Operation.read("contacts.list(search \"c123.o\")",
                        (v, t) -> v.contacts(context(t)).list(ContactQuery.all().search("c123.o")))
                        .baseline(plainSearch("c123.o", false)).doesRealWork(),
                Operation.read("contacts.list(search phone \"0123\")",
                        (v, t) -> v.contacts(context(t)).list(ContactQuery.all().search("0123")))
                        .baseline(plainSearch("0123", true)).doesRealWork(),
                Operation.read("contacts.countsByLeadStatus()", (v, t) -> v.contacts(context(t)).countsByLeadStatus()).doesRealWork(),
                Operation.read("appointments.get(id)", (v, t) -> v.appointments(context(t)).get(t.tenant().appointment())),
                Operation.read("appointments.list(this week)",
                        (v, t) -> v.appointments(context(t)).list(thisWeek)).doesRealWork().p99Target(2),
                Operation.read("appointments.upcoming(20)", (v, t) -> v.appointments(context(t)).upcoming(20)).doesRealWork(),
                Operation.read("notifications.get(id)", (v, t) -> v.notifications(context(t)).get(t.tenant().notification())),
                Operation.read("notifications.list(20 newest)",
                        (v, t) -> v.notifications(context(t)).list(NotificationQuery.all())).doesRealWork(),
                Operation.read("notifications.unreadCount()", (v, t) -> v.notifications(context(t)).unreadCount())
                        .doesRealWork().p99Target(1),
                Operation.read("organization(ctx)", (v, t) -> v.organization(context(t))),
                Operation.read("audit.events(clinic, 50 newest)",
                        (v, t) -> v.service().audit().events(AuditQuery.organization(t.tenant().org())))
                        .doesRealWork().p99Target(10),
                Operation.read("audit.suspiciousActivity(clinic, 1 h)",
                        (v, t) -> v.service().audit().suspiciousActivity(t.tenant().org(), Duration.ofHours(1), 100))
                        .doesRealWork());
    }

    /**
     * The contacts page matching {@code text} by the search's rule as plain SQL, no RLS (as in
     * {@link RlsThroughputBenchmark}): name, e-mail or phone contains the text; a phone-like text's digits
     * in the phone too, unless the text is its digits already.
     */
    private static String plainSearch(String text, boolean phoneDigits) {
        String pattern = "'%" + text + "%'";
        boolean digitsArm = phoneDigits && !text.chars().allMatch(ch -> ch >= '0' && ch <= '9');
        return "select * from public.contacts where org_id = ? and (name ilike " + pattern + " escape '\\'"
                + " or email ilike " + pattern + " escape '\\' or phone ilike " + pattern + " escape '\\'"
                + (digitsArm ? " or phone like '%" + text.replaceAll("[^0-9]", "") + "%'" : "")
                + ") order by updated_at desc, id desc limit 21";
    }

    /** The area code of the phones a variant's contact creates use: apart from the import's and the data set's. */
    private static final int CREATE_AREA = 212;
    private static final int IMPORT_AREA = 646;

    /** Every single-row write, each with the statements the DAO sends, in plain JDBC. */
    private static List<Operation> writes(WorkloadData data, DataSource refills) {
        Targets own = ownTenant(data);
        return List.of(
                Operation.write("contacts.create", own,
                        (v, t) -> v.contacts(context(t)).create(NewContact.named("Created Contact")
                                .phone(data.nextPhone(CREATE_AREA)).email("created@bench.example")
                                .serviceInterests(List.of("botox"))),
                        (c, t) -> run(c, "insert into public.contacts (id, org_id, name, phone, email, service_interests,"
                                + " lead_score, lead_status, notes) values (?, ?, 'Created Contact', ?, 'created@bench.example',"
                                + " '[\"botox\"]'::jsonb, 'cold', 'new', null) returning *",
                                UUID.randomUUID(), t.tenant().org(), data.nextPhone(CREATE_AREA))),
                Operation.write("contacts.update(notes, score)", own,
                        (v, t) -> v.contacts(context(t)).update(t.tenant().contact(),
                                ContactUpdate.empty().notes("call back " + data.next()).leadScore(LeadScoreType.HOT)),
                        (c, t) -> run(c, "update public.contacts set notes = ?, lead_score = 'hot'::public.lead_score_type"
                                + " where org_id = ? and id = ? returning *",
                                "call back " + data.next(), t.tenant().org(), t.tenant().contact())),
                Operation.write("contacts.delete", supply(data, refills, (c, group, n) -> data.contactsToDelete(c, group, n)),
                        (v, t) -> v.contacts(context(t)).delete(t.id()),
                        (c, t) -> update(c, "delete from public.contacts where org_id = ? and id = ?", t.tenant().org(), t.id())),
                Operation.write("appointments.book (overlap check)", own,
                        (v, t) -> v.appointments(context(t)).book(t.tenant().contact(), ServiceType.BOTOX, data.nextSlot(),
                                Duration.ofMinutes(WorkloadData.SLOT_MINUTES)),
                        (c, t) -> inTransaction(c, () -> {
                            run(c, "select exists (select 1 from public.contacts where org_id = ? and id = ?)",
                                    t.tenant().org(), t.tenant().contact());
                            run(c, "select pg_advisory_xact_lock(hashtext('voxanne.appointments'), hashtext(?::text))",
                                    t.tenant().org());
                            run(c, "insert into public.appointments (id, org_id, contact_id, service_type, scheduled_at,"
                                    + " duration_minutes, status) values (?, ?, ?, 'botox', ?, ?, 'pending')"
                                    + " on conflict (id) do nothing returning *", UUID.randomUUID(), t.tenant().org(),
                                    t.tenant().contact(), data.nextSlot(), WorkloadData.SLOT_MINUTES);
                        })),
                Operation.write("appointments.changeStatus(pending → confirmed)",
                        supply(data, refills, (c, group, n) -> data.pendingAppointments(c, group, n)),
                        (v, t) -> v.appointments(context(t)).changeStatus(t.id(), AppointmentStatus.CONFIRMED),
                        (c, t) -> inTransaction(c, () -> {
                            run(c, "select * from public.appointments where org_id = ? and id = ? and deleted_at is null"
                                    + " for update", t.tenant().org(), t.id());
                            run(c, "update public.appointments set status = 'confirmed'::public.appointment_status"
                                    + " where org_id = ? and id = ? returning *", t.tenant().org(), t.id());
                        })),
                Operation.write("notifications.create", own,
                        (v, t) -> v.notifications(context(t)).create(t.user(),
                                NewNotification.of(NotificationType.HOT_LEAD, "Hot lead", "A caller asked for botox")),
                        (c, t) -> run(c, "select public.create_notification(?, ?, 'hot_lead'::public.notification_type,"
                                + " 'Hot lead', 'A caller asked for botox', null, null, 'normal'::public.notification_priority,"
                                + " null, '[\"in_app\"]'::jsonb, null, null)", t.tenant().org(), t.user())),
                Operation.write("notifications.markRead",
                        supply(data, refills, (c, group, n) -> data.unreadNotifications(c, group, n)),
                        (v, t) -> v.notifications(context(t)).markRead(t.id()),
                        (c, t) -> run(c, "update public.notifications set status = 'read'::public.notification_status,"
                                + " read_at = now() where org_id = ? and user_id = ? and id = ?"
                                + " and status = 'unread'::public.notification_status returning *",
                                t.tenant().org(), t.user(), t.id())),
                Operation.write("notifications.markAllRead (5 unread)",
                        supply(data, refills, (c, group, n) -> data.usersWithUnread(c, group, n, 5)),
                        (v, t) -> v.notifications(context(t)).markAllRead(),
                        (c, t) -> update(c, "update public.notifications set status = 'read'::public.notification_status,"
                                + " read_at = now() where org_id = ? and user_id = ? and status = 'unread'::public.notification_status",
                                t.tenant().org(), t.user())),
                Operation.write("webhooks.processOnce (new)", own,
                        (v, t) -> expect(WebhookOutcome.PROCESSED, v.service().webhooks().processOnce(t.tenant().org(),
                                "call.ended:" + data.next(), "call.ended", tx -> { })),
                        (c, t) -> inTransaction(c, () -> processOnce(c, t.tenant().org(), "call.ended:" + data.next(), 1))),
                Operation.write("webhooks.processOnce (duplicate)", own,
                        (v, t) -> expect(WebhookOutcome.DUPLICATE, v.service().webhooks().processOnce(t.tenant().org(),
                                WorkloadData.DUPLICATE_EVENT, "call.ended", tx -> {
                                    throw new AssertionError("a duplicate runs no handler");
                                })),
                        (c, t) -> inTransaction(c, () -> processOnce(c, t.tenant().org(), WorkloadData.DUPLICATE_EVENT, 0)))
                        .p99Target(1));
    }

    /** The statements of {@code processOnce}: the organization exists, the claim; {@code claims} rows expected. */
    private static void processOnce(Connection c, UUID org, String eventId, int claims) throws SQLException {
        run(c, "select exists (select 1 from public.organizations where id = ?)", org);
        int claimed = update(c, "insert into public.processed_webhook_events (org_id, event_id, event_type) values (?, ?, 'call.ended')"
                + " on conflict (org_id, event_id) do nothing", org, eventId);
        if (claimed != claims) {
            throw new IllegalStateException("webhook claim: expected " + claims + " rows, got " + claimed);
        }
    }

    private static void expect(WebhookOutcome expected, WebhookOutcome actual) {
        if (expected != actual) {
            throw new IllegalStateException("processOnce: expected " + expected + ", got " + actual);
        }
    }

    // ------------------------------------------------------------------------------------------------
    // targets

    /** A random organization of the whole data set, as its first user. */
    private static Targets anyTenant(WorkloadData data) {
        return variant -> {
            Tenant t = data.tenants().get(ThreadLocalRandom.current().nextInt(data.tenants().size()));
            return new Item(t, t.user(), null);
        };
    }

    /** A random organization of the variant's own share, as its first user. */
    private static Targets ownTenant(WorkloadData data) {
        return variant -> {
            List<Tenant> own = data.group(variant.ordinal());
            Tenant t = own.get(ThreadLocalRandom.current().nextInt(own.size()));
            return new Item(t, t.user(), null);
        };
    }

    /** Makes {@code count} rows for the organizations of {@code group} on {@code c}. */
    interface Refill {
        List<Item> make(Connection c, int group, int count) throws SQLException;
    }

    /** Rows a write consumes, one queue per variant, made in bulk before a measurement (and when a queue runs dry). */
    private static Targets supply(WorkloadData data, DataSource refills, Refill refill) {
        Map<Variant, ConcurrentLinkedQueue<Item>> queues = new EnumMap<>(Variant.class);
        for (Variant v : Variant.values()) {
            queues.put(v, new ConcurrentLinkedQueue<>());
        }
        return new Targets() {
            @Override
            public Item next(Variant variant) throws SQLException {
                Item item;
                while ((item = queues.get(variant).poll()) == null) {
                    synchronized (this) {
                        if (queues.get(variant).isEmpty()) {
                            DRY_REFILLS.incrementAndGet();
                            prepare(variant, 2_000);
                        }
                    }
                }
                return item;
            }

            @Override
            public void prepare(Variant variant, int calls) throws SQLException {
                int missing = calls - queues.get(variant).size();
                if (missing > 0) {
                    try (Connection c = refills.getConnection()) {
                        queues.get(variant).addAll(refill.make(c, variant.ordinal(), missing));
                    }
                }
            }
        };
    }

    /** Times a write's queue ran dry during a measurement (made rows in the measured time). */
    private static final AtomicInteger DRY_REFILLS = new AtomicInteger();

    // ------------------------------------------------------------------------------------------------
    // plain JDBC

    /** Runs {@code sql} with {@code args} and reads its result, if any. */
    private static void run(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            if (ps.execute()) {
                try (ResultSet rs = ps.getResultSet()) {
                    Bench.readAll(rs);
                }
            }
        }
    }

    /** Runs {@code sql} with {@code args} and returns the rows it changed. */
    private static int update(Connection c, String sql, Object... args) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) {
                ps.setObject(i + 1, args[i]);
            }
            return ps.executeUpdate();
        }
    }

    /** Statements of a plain JDBC baseline that run in one transaction. */
    interface SqlWork {
        void run() throws SQLException;
    }

    /** {@code work} in one transaction on {@code c}, as PgJDBC sends it (BEGIN with the first statement, then COMMIT). */
    private static void inTransaction(Connection c, SqlWork work) throws SQLException {
        c.setAutoCommit(false);
        try {
            work.run();
            c.commit();
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    // ------------------------------------------------------------------------------------------------
    // options and main

    private static final class Options {
        double scale = 1.0;
        long seed = 18;
        int contactsPerOrg = 1000;
        int threads = 4;
        int pool = 4;
        int warmupSeconds = 10;
        int seconds = 2;
        int rounds = 3;
        int latencySeconds = 3;
        List<String> only = List.of("");
        String kind = "all";
        int importRows = 10_000;
        int importRounds = 3;
        int minutes = 0;
        boolean fullPlans;
        /** null: the GIN indexes of contacts as migrated; "off", or a pending list limit in kB. */
        String ginPendingList;

        static Options parse(String[] args) {
            Options o = new Options();
            for (int i = 0; i < args.length; i += 2) {
                String value = args[i + 1];
                switch (args[i]) {
                    case "--scale" -> o.scale = Double.parseDouble(value);
                    case "--seed" -> o.seed = Long.parseLong(value);
                    case "--contacts-per-org" -> o.contactsPerOrg = Integer.parseInt(value);
                    case "--threads" -> o.threads = Integer.parseInt(value);
                    case "--pool" -> o.pool = Integer.parseInt(value);
                    case "--warmup" -> o.warmupSeconds = Integer.parseInt(value);
                    case "--seconds" -> o.seconds = Integer.parseInt(value);
                    case "--rounds" -> o.rounds = Integer.parseInt(value);
                    case "--latency-seconds" -> o.latencySeconds = Integer.parseInt(value);
                    case "--only" -> o.only = List.of(value.split(","));
                    case "--kind" -> o.kind = value;
                    case "--import-rows" -> o.importRows = Integer.parseInt(value);
                    case "--import-rounds" -> o.importRounds = Integer.parseInt(value);
                    case "--minutes" -> o.minutes = Integer.parseInt(value);
                    case "--gin-pending-list" -> o.ginPendingList = value.equals("off") ? value
                            : Integer.toString(Integer.parseInt(value));
                    case "--plans" -> o.fullPlans = switch (value) {
                        case "summary" -> false;
                        case "full" -> true;
                        default -> throw new IllegalArgumentException("--plans: summary or full");
                    };
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            if (!List.of("all", "reads", "writes", "import").contains(o.kind)) {
                throw new IllegalArgumentException("--kind: all, reads, writes or import");
            }
            return o;
        }

        /** 1,000 clinics at scale 1, each a year's volume: 1,000 contacts, 2,000 appointments and notifications, 5,000 audit rows. */
        WorkloadData.Shape shape() {
            int orgs = Math.max(Variant.values().length, (int) Math.round(1000 * scale));
            return new WorkloadData.Shape(orgs, contactsPerOrg, 2000, 3, 667, 5000, seed);
        }

        boolean selected(String name) {
            return only.stream().anyMatch(name::contains);
        }

        boolean runs(String what) {
            return kind.equals("all") || kind.equals(what);
        }
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        if (System.getenv("VOXANNE_TEST_BACKEND") == null && System.getProperty("voxanne.test.backend") == null) {
            System.setProperty("voxanne.test.backend", "embedded");
        }
        try (PostgresServer server = TestPostgres.start(TestPostgresConfig.fromEnvironment());
             TestDatabase db = server.createDatabase()) {
            System.out.printf(Locale.ROOT, "server: %s, PostgreSQL %d; cores: %d; threads %d, pool %d, warm-up %d s,"
                            + " rounds %d × %d s, latency %d s at 1 thread; load average %.2f%n",
                    server.backend(), server.versionNumber(), Runtime.getRuntime().availableProcessors(), options.threads,
                    options.pool, options.warmupSeconds, options.rounds, options.seconds, options.latencySeconds,
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
            VoxanneSchema.configure().dataSource(db.adminDataSource()).load().migrate();
            try (Connection c = db.adminDataSource().getConnection(); Statement s = c.createStatement()) {
                s.execute("grant anon, authenticated, service_role to \"" + server.loginRole() + "\"");
            }
            WorkloadData data = WorkloadData.generate(db.adminDataSource(), options.shape(), Variant.values().length,
                    server.loginRole());
            if (options.ginPendingList != null) {
                setGinPendingList(db.adminDataSource(), options.ginPendingList);
            }
            try (HikariDataSource login = Bench.pool(db.loginDataSource(), options.pool, "bench-login");
                 HikariDataSource admin = Bench.pool(db.adminDataSource(), options.pool, "bench-admin");
                 HikariDataSource adminNoAudit = Bench.pool(db.adminDataSource(), options.pool + 1, "bench-admin-no-audit",
                         "set session_replication_role = replica")) {
                Map<Variant, DataSource> plain = new EnumMap<>(Map.of(Variant.NO_RLS_AUDIT, admin, Variant.NO_RLS, adminNoAudit));
                new WorkloadBenchmark.Run(options, data, Voxanne.create(login), login, plain).run();
            }
            System.out.printf(Locale.ROOT, "load average at the end: %.2f%n",
                    ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
    }

    /**
     * A what-if for the GIN indexes of contacts (the search tokens, the trigrams, the service interests):
     * {@code off} writes each entry into the index at once; a number of kB bounds the pending list that
     * every search of the index reads through.
     */
    private static void setGinPendingList(DataSource admin, String setting) throws SQLException {
        List<String> indexes = new ArrayList<>();
        try (Connection c = admin.getConnection(); Statement s = c.createStatement()) {
            try (ResultSet rs = s.executeQuery("select i.indexrelid::regclass::text from pg_index i join pg_class x on x.oid = i.indexrelid"
                    + " join pg_am a on a.oid = x.relam where i.indrelid = 'public.contacts'::regclass and a.amname = 'gin'"
                    + " order by 1")) {
                while (rs.next()) {
                    indexes.add(rs.getString(1));
                }
            }
            for (String index : indexes) {
                s.execute("alter index " + index + (setting.equals("off") ? " set (fastupdate = off)"
                        : " set (fastupdate = on, gin_pending_list_limit = " + setting + ")"));
            }
        }
        System.out.printf("GIN indexes of contacts (%s): %s%n", String.join(", ", indexes),
                setting.equals("off") ? "fastupdate off" : "pending list limit " + setting + " kB");
    }

    // ------------------------------------------------------------------------------------------------
    // the run

    /** Latency percentiles at one thread, in milliseconds. */
    record Latency(double p50, double p99, double p999, long calls) {
        static Latency of(Histogram h) {
            return new Latency(h.getValueAtPercentile(50) / 1e3, h.getValueAtPercentile(99) / 1e3,
                    h.getValueAtPercentile(99.9) / 1e3, h.getTotalCount());
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "%.2f / %.2f / %.2f", p50, p99, p999);
        }
    }

    /** What one operation measured, per variant. */
    record Result(Operation op, Map<Variant, Measurement> throughput, Map<Variant, Latency> latency, String plans) {
        double ratio(Variant over, Variant base) {
            return throughput.get(over).opsPerSecond() / throughput.get(base).opsPerSecond();
        }
    }

    private static final class Run {
        private final Options options;
        private final WorkloadData data;
        private final Voxanne voxanne;
        private final Voxanne recorded;
        private final Map<Variant, DataSource> plain;
        private final DataSource login;
        /** The latest throughput per operation and variant: how many rows a write will consume. */
        private final Map<String, Double> rates = new HashMap<>();

        Run(Options options, WorkloadData data, Voxanne voxanne, DataSource login, Map<Variant, DataSource> plain) {
            this.options = options;
            this.data = data;
            this.voxanne = voxanne;
            this.login = login;
            this.recorded = Voxanne.create(new RecordingDataSource(login));
            this.plain = plain;
        }

        void run() throws Exception {
            isolationCheck();
            long oldGenStart = oldGenAfterGc();
            System.out.printf("old generation after GC at the start: %.1f MB%n", oldGenStart / 1e6);
            List<Operation> operations = new ArrayList<>();
            if (options.runs("reads")) {
                reads().stream().filter(op -> options.selected(op.name())).forEach(operations::add);
            }
            if (options.runs("writes")) {
                writes(data, plain.get(Variant.NO_RLS)).stream().filter(op -> options.selected(op.name())).forEach(operations::add);
            }
            jitWarmup(operations);
            if (options.minutes > 0) {
                soak(operations);
            } else {
                List<Result> results = new ArrayList<>();
                for (Operation op : operations) {
                    results.add(measure(op));
                }
                List<String> imports = options.runs("import") && options.selected("importAll") ? measureImport() : List.of();
                report(results, imports);
            }
            long oldGenEnd = oldGenAfterGc();
            System.out.printf("old generation after GC: %.1f MB at the start, %.1f MB at the end; the queues of rows to"
                    + " write ran dry %d times%n", oldGenStart / 1e6, oldGenEnd / 1e6, DRY_REFILLS.get());
        }

        /**
         * Every DAO path for a few seconds before anything is measured: the JIT compiles the code paths
         * the operations share (jOOQ's rendering, the binding, the pool) once, so that the first operation
         * measured does not pay for them alone.
         */
        private void jitWarmup(List<Operation> operations) throws Exception {
            long started = System.nanoTime();
            int seconds = Math.max(1, options.warmupSeconds / 2);
            for (Operation op : operations) {
                prepare(op, Variant.DAO, seconds);
                Bench.measure(options.threads, seconds, 0, task(op, Variant.DAO, null, null));
            }
            System.out.printf(Locale.ROOT, "JIT warm-up: every DAO operation %d s, %.0f s in all%n", seconds,
                    (System.nanoTime() - started) / 1e9);
        }

        /** As {@code authenticated}, an unfiltered count sees one organization's contacts only. */
        private void isolationCheck() {
            Tenant t = data.tenants().get(0);
            int seen = voxanne.inOrg(OrgContext.of(t.org(), t.user()), tx -> tx.dsl().fetchCount(table("public.contacts")));
            System.out.printf("isolation: %d contacts in all; as authenticated of one organization, an unfiltered count sees %d%n",
                    data.shape().contacts(), seen);
            if (seen != data.shape().contactsPerOrg()) {
                throw new IllegalStateException("row-level security did not isolate the organization");
            }
        }

        private Bench.Task task(Operation op, Variant variant, RecordingDataSource.Statement baseline, Item sample) {
            Targets targets = targetsOf(op);
            if (variant == Variant.DAO) {
                return () -> op.dao().run(voxanne, targets.next(variant));
            }
            if (op.kind() == Kind.READ) {
                return () -> replay(baseline, sample, targets.next(variant));
            }
            DataSource ds = plain.get(variant);
            return () -> {
                Item target = targets.next(variant);
                try (Connection c = ds.getConnection()) {
                    op.plain().run(c, target);
                }
            };
        }

        private final Map<Operation, Targets> readTargets = new HashMap<>();

        private Targets targetsOf(Operation op) {
            return op.targets() != null ? op.targets() : readTargets.computeIfAbsent(op, o -> anyTenant(data));
        }

        private Result measure(Operation op) throws Exception {
            Targets targets = targetsOf(op);
            Tenant first = data.tenants().get(0);
            Item sample = new Item(first, first.user(), null);
            RecordingDataSource.Statement baseline = null;
            String plans = "";
            if (op.kind() == Kind.READ) {
                RecordingDataSource.Statement query = captureOne(op, sample);
                baseline = op.baselineSql() == null ? query : orgOnly(op.baselineSql(), first.org());
                Tenant other = data.tenants().get(data.tenants().size() / 2);
                String underRls = explain(query, sample, other, true);
                String withoutRls = explain(baseline, sample, other, false);
                plans = "SQL: " + query.sql()
                        + "\n   plan under RLS: " + (options.fullPlans ? "\n" + underRls : Bench.planSummary(underRls))
                        + "\n   plan without RLS: " + (options.fullPlans ? "\n" + withoutRls : Bench.planSummary(withoutRls));
            } else {
                targets.prepare(Variant.DAO, 1);
                plans = "DAO sends: " + String.join("\n   ", captureAll(op, targets.next(Variant.DAO)));
            }
            Map<Variant, Bench.Task> tasks = new EnumMap<>(Variant.class);
            for (Variant v : op.variants()) {
                tasks.put(v, task(op, v, baseline, sample));
            }
            // the DAO's jOOQ path needs longer than plain JDBC for the JIT to settle
            for (Variant v : op.variants()) {
                int warmup = v == Variant.DAO ? options.warmupSeconds : Math.min(3, options.warmupSeconds);
                prepare(op, v, warmup);
                Bench.measure(options.threads, warmup, 0, tasks.get(v));
            }
            Map<Variant, List<Measurement>> rounds = new EnumMap<>(Variant.class);
            for (int round = 0; round < options.rounds; round++) {
                for (Variant v : op.variants()) {
                    prepare(op, v, options.seconds);
                    Measurement m = Bench.measure(options.threads, 0, options.seconds, tasks.get(v));
                    rates.put(op.name() + v, m.opsPerSecond());
                    rounds.computeIfAbsent(v, k -> new ArrayList<>()).add(m);
                }
            }
            Map<Variant, Measurement> throughput = new EnumMap<>(Variant.class);
            rounds.forEach((v, ms) -> throughput.put(v, Bench.median(ms)));
            Map<Variant, Latency> latency = new EnumMap<>(Variant.class);
            for (Variant v : op.variants()) {
                prepare(op, v, options.latencySeconds);
                latency.put(v, latency(tasks.get(v), options.latencySeconds));
            }
            Result result = new Result(op, throughput, latency, plans);
            StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-48s", op.name()));
            for (Variant v : op.variants()) {
                String label = op.kind() == Kind.READ && v != Variant.DAO ? "no RLS" : v.label;
                line.append(String.format(Locale.ROOT, " | %s %7.0f/s %4.0f µs CPU, p50/p99/p99.9 %s ms %s", label,
                        throughput.get(v).opsPerSecond(), throughput.get(v).clientCpuMicrosPerOp(), latency.get(v),
                        rounds.get(v).stream().map(m -> String.format(Locale.ROOT, "%.0f", m.opsPerSecond())).toList()));
            }
            System.out.println(line);
            return result;
        }

        /** Readies the rows a write will consume in {@code seconds} (from its last throughput, with room to spare). */
        private void prepare(Operation op, Variant v, int seconds) throws SQLException {
            double rate = rates.getOrDefault(op.name() + v, 3000.0);
            targetsOf(op).prepare(v, (int) Math.min(500_000, rate * seconds * 2 + 1000));
        }

        /** The longest latency a histogram holds: an hour, in microseconds (its unit). */
        private static final long HOUR_IN_MICROS = 3_600_000_000L;

        /** p50 / p99 / p99.9 of {@code task} called in a loop on this one thread for {@code seconds}. */
        private static Latency latency(Bench.Task task, int seconds) throws Exception {
            Histogram h = new Histogram(HOUR_IN_MICROS, 3);
            long end = System.nanoTime() + seconds * 1_000_000_000L;
            while (System.nanoTime() < end) {
                long start = System.nanoTime();
                task.run();
                h.recordValue(Math.max(1, (System.nanoTime() - start) / 1_000));
            }
            return Latency.of(h);
        }

        // --------------------------------------------------------------------------------------------
        // reads: the DAO's statement, replayed without RLS

        /** The one query statement a read of the DAO sends besides the binding, recorded for {@code sample}. */
        private RecordingDataSource.Statement captureOne(Operation op, Item sample) {
            List<RecordingDataSource.Statement> queries = RecordingDataSource.record(() -> call(op, recorded, sample)).stream()
                    .filter(s -> !s.sql().equals(RequestBinding.BIND_SQL))
                    .map(Bench::withoutBinding)
                    .toList();
            if (queries.size() != 1) {
                throw new IllegalStateException(op.name() + ": expected one query besides the binding, got " + queries);
            }
            return queries.get(0);
        }

        /** Every statement a write of the DAO sends (binding stripped), for the report. */
        private List<String> captureAll(Operation op, Item target) {
            return RecordingDataSource.record(() -> call(op, recorded, target)).stream()
                    .filter(s -> !s.sql().equals(RequestBinding.BIND_SQL))
                    .map(s -> Bench.withoutBinding(s).sql())
                    .toList();
        }

        private static void call(Operation op, Voxanne v, Item target) {
            try {
                op.dao().run(v, target);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        /** The values a read of {@code captured} bound, mapped to {@code target}'s. */
        private static Map<Object, Object> replacements(Item captured, Item target) {
            Map<Object, Object> r = new HashMap<>();
            Tenant from = captured.tenant();
            Tenant to = target.tenant();
            r.put(from.org(), to.org());
            r.put(captured.user(), target.user());
            r.put(from.contact(), to.contact());
            r.put(from.phone(), to.phone());
            r.put(from.appointment(), to.appointment());
            r.put(from.notification(), to.notification());
            return r;
        }

        /** A read's baseline for {@code target}: as the superuser, auto-commit, one round trip. */
        private void replay(RecordingDataSource.Statement query, Item captured, Item target) throws SQLException {
            try (Connection c = plain.get(Variant.NO_RLS_AUDIT).getConnection(); PreparedStatement ps = c.prepareStatement(query.sql())) {
                query.bind(ps, 0, replacements(captured, target));
                try (ResultSet rs = ps.executeQuery()) {
                    Bench.readAll(rs);
                }
            }
        }

        private static RecordingDataSource.Statement orgOnly(String sql, UUID org) {
            try {
                java.lang.reflect.Method setObject = PreparedStatement.class.getMethod("setObject", int.class, Object.class);
                return new RecordingDataSource.Statement(sql, List.of(new RecordingDataSource.Bind(setObject, new Object[] {1, org})));
            } catch (NoSuchMethodException e) {
                throw new IllegalStateException(e);
            }
        }

        /** EXPLAIN (ANALYZE, BUFFERS) of {@code query} for {@code other}: bound as its user (or service_role), or as the superuser. */
        private String explain(RecordingDataSource.Statement query, Item captured, Tenant other, boolean bound) throws SQLException {
            StringBuilder plan = new StringBuilder();
            Item target = new Item(other, other.user(), null);
            try (Connection c = (bound ? login : plain.get(Variant.NO_RLS_AUDIT)).getConnection()) {
                c.setAutoCommit(false);
                try {
                    if (bound) {
                        boolean service = query.sql().contains("audit_logs") || query.sql().contains("detect_suspicious_activity");
                        RequestBinding.bind(c, service ? RequestClaims.service() : RequestClaims.user(other.org(), other.user()));
                    }
                    try (PreparedStatement ps = c.prepareStatement("explain (analyze, buffers) " + query.sql())) {
                        query.bind(ps, 0, replacements(captured, target));
                        try (ResultSet rs = ps.executeQuery()) {
                            while (rs.next()) {
                                plan.append(rs.getString(1)).append('\n');
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

        // --------------------------------------------------------------------------------------------
        // bulk import

        /** The rows of one import: the same content for every variant, phones never used before. */
        private List<NewContact> importRows() {
            List<NewContact> rows = new ArrayList<>(options.importRows);
            for (int i = 0; i < options.importRows; i++) {
                rows.add(NewContact.named("Imported Contact " + i).phone(data.nextPhone(IMPORT_AREA))
                        .email("imported" + i + "@bench.example").serviceInterests(List.of("botox", "filler"))
                        .leadScore(LeadScoreType.WARM).leadStatus(LeadStatusType.NEW).notes("from the spreadsheet"));
            }
            return rows;
        }

        private static final String IMPORT_COLUMNS = "id, org_id, name, phone, email, service_interests, lead_score, lead_status, notes";

        /** One way to import {@code rows} into {@code tenant}'s organization. */
        private interface Importer {
            void run(Tenant tenant, List<NewContact> rows) throws Exception;
        }

        private Map<String, Importer> importers() {
            Map<String, Importer> importers = new java.util.LinkedHashMap<>();
            // all or nothing: the chunks of Contacts.MAX_IMPORT in one unit
            importers.put("DAO importAll (RLS, audit)", (t, rows) -> voxanne.runInOrg(OrgContext.of(t.org(), t.user()), tx -> {
                for (int from = 0; from < rows.size(); from += Contacts.MAX_IMPORT) {
                    tx.contacts().importAll(rows.subList(from, Math.min(rows.size(), from + Contacts.MAX_IMPORT)));
                }
            }));
            importers.put("COPY (no RLS, no audit: the floor)", (t, rows) -> {
                StringBuilder text = new StringBuilder();
                for (NewContact r : rows) {
                    text.append(UUID.randomUUID()).append('\t').append(t.org()).append('\t').append(r.name()).append('\t')
                            .append(r.phone()).append('\t').append(r.email()).append('\t').append("[\"botox\", \"filler\"]")
                            .append('\t').append(r.leadScore().getLiteral()).append('\t').append(r.leadStatus().getLiteral())
                            .append('\t').append(r.notes()).append('\n');
                }
                try (Connection c = plain.get(Variant.NO_RLS).getConnection()) {
                    c.unwrap(PGConnection.class).getCopyAPI().copyIn(
                            "copy public.contacts (" + IMPORT_COLUMNS + ") from stdin", new StringReader(text.toString()));
                }
            });
            importers.put("batched INSERT (no RLS, no audit)", (t, rows) -> batchedInsert(plain.get(Variant.NO_RLS), t, rows));
            importers.put("batched INSERT (no RLS, audit)", (t, rows) -> batchedInsert(plain.get(Variant.NO_RLS_AUDIT), t, rows));
            return importers;
        }

        private static void batchedInsert(DataSource ds, Tenant t, List<NewContact> rows) throws SQLException {
            try (Connection c = ds.getConnection()) {
                inTransaction(c, () -> {
                    try (PreparedStatement ps = c.prepareStatement("insert into public.contacts (" + IMPORT_COLUMNS + ")"
                            + " values (?, ?, ?, ?, ?, ?::jsonb, ?::public.lead_score_type, ?::public.lead_status_type, ?)")) {
                        for (NewContact r : rows) {
                            ps.setObject(1, UUID.randomUUID());
                            ps.setObject(2, t.org());
                            ps.setString(3, r.name());
                            ps.setString(4, r.phone());
                            ps.setString(5, r.email());
                            ps.setString(6, "[\"botox\", \"filler\"]");
                            ps.setString(7, r.leadScore().getLiteral());
                            ps.setString(8, r.leadStatus().getLiteral());
                            ps.setString(9, r.notes());
                            ps.addBatch();
                        }
                        ps.executeBatch();
                    }
                });
            }
        }

        /**
         * Each way to import {@code --import-rows} contacts, in rounds interleaving them (a first round
         * uncounted), each import into a random organization of the ways' own share; rows per second of
         * the median round and the JVM's CPU per row.
         */
        private List<String> measureImport() throws Exception {
            Map<String, Importer> importers = importers();
            Map<String, List<Measurement>> rounds = new java.util.LinkedHashMap<>();
            for (int round = 0; round <= options.importRounds; round++) {
                int group = 0;
                for (Map.Entry<String, Importer> e : importers.entrySet()) {
                    List<Tenant> own = data.group(group++ % Variant.values().length);
                    Tenant t = own.get(ThreadLocalRandom.current().nextInt(own.size()));
                    List<NewContact> rows = importRows();
                    long cpu = Bench.processCpuNanos();
                    long start = System.nanoTime();
                    e.getValue().run(t, rows);
                    double seconds = (System.nanoTime() - start) / 1e9;
                    Measurement m = new Measurement(rows.size() / seconds, (Bench.processCpuNanos() - cpu) / 1e3 / rows.size());
                    if (round > 0) {
                        rounds.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(m);
                    }
                }
            }
            List<String> lines = new ArrayList<>();
            double copy = Bench.median(rounds.get("COPY (no RLS, no audit: the floor)")).opsPerSecond();
            lines.add("| way to import " + options.importRows + " contacts | rows/s (median of " + options.importRounds
                    + ") | **vs COPY** | JVM CPU µs/row | rounds rows/s |");
            lines.add("|---|---:|---:|---:|---|");
            rounds.forEach((name, ms) -> {
                Measurement m = Bench.median(ms);
                lines.add(String.format(Locale.ROOT, "| %s | %.0f | **%.2f** | %.1f | %s |", name, m.opsPerSecond(),
                        m.opsPerSecond() / copy, m.clientCpuMicrosPerOp(),
                        ms.stream().map(x -> String.format(Locale.ROOT, "%.0f", x.opsPerSecond())).toList()));
            });
            lines.forEach(System.out::println);
            return lines;
        }

        // --------------------------------------------------------------------------------------------
        // soak

        /** The DAO's calls of {@code operations} in turn on {@code --threads} threads for {@code --minutes}; memory each minute. */
        private void soak(List<Operation> operations) throws Exception {
            AtomicLong turn = new AtomicLong();
            Bench.Task task = () -> {
                Operation op = operations.get((int) (turn.getAndIncrement() % operations.size()));
                op.dao().run(voxanne, targetsOf(op).next(Variant.DAO));
            };
            for (Operation op : operations) {
                prepare(op, Variant.DAO, 5);
            }
            System.out.println("| minute | DAO calls/s (all operations in turn) | old generation after GC, MB |");
            System.out.println("|---:|---:|---:|");
            for (int minute = 1; minute <= options.minutes; minute++) {
                Measurement m = Bench.measure(options.threads, 0, 60, task);
                System.out.printf(Locale.ROOT, "| %d | %.0f | %.1f |%n", minute, m.opsPerSecond(), oldGenAfterGc() / 1e6);
            }
        }

        // --------------------------------------------------------------------------------------------
        // report

        private void report(List<Result> results, List<String> imports) {
            System.out.println();
            System.out.println("| read | DAO ops/s | no RLS ops/s | **DAO / no RLS** | target | JVM CPU µs/op: DAO, no RLS"
                    + " | p50 / p99 / p99.9 ms: DAO | no RLS | p99 target |");
            System.out.println("|---|---:|---:|---:|---|---:|---|---|---|");
            for (Result r : results) {
                if (r.op().kind() != Kind.READ) {
                    continue;
                }
                double ratio = r.ratio(Variant.DAO, Variant.NO_RLS);
                double floor = r.op().realWork() ? 0.8 : 0.6;
                Latency dao = r.latency().get(Variant.DAO);
                System.out.printf(Locale.ROOT, "| %s | %.0f | %.0f | **%.2f** | %s | %.0f, %.0f | %s | %s | %s |%n",
                        r.op().name(), r.throughput().get(Variant.DAO).opsPerSecond(),
                        r.throughput().get(Variant.NO_RLS).opsPerSecond(), ratio,
                        (ratio >= floor ? "≥ " : "**< ") + floor + (ratio >= floor ? "" : "**"),
                        r.throughput().get(Variant.DAO).clientCpuMicrosPerOp(), r.throughput().get(Variant.NO_RLS).clientCpuMicrosPerOp(),
                        dao, r.latency().get(Variant.NO_RLS), p99Verdict(r.op(), dao));
            }
            System.out.println();
            System.out.println("| write | DAO ops/s | no RLS, audit ops/s | no RLS, no audit ops/s | **DAO / no RLS, no audit**"
                    + " (≥ 0.6) | **audit's price** (≤ 10 %) | JVM CPU µs/op: DAO, no RLS no audit"
                    + " | p50 / p99 / p99.9 ms: DAO | no RLS, audit | no RLS, no audit |");
            System.out.println("|---|---:|---:|---:|---:|---:|---:|---|---|---|");
            for (Result r : results) {
                if (r.op().kind() != Kind.WRITE) {
                    continue;
                }
                double audit = 1 - r.ratio(Variant.NO_RLS_AUDIT, Variant.NO_RLS);
                System.out.printf(Locale.ROOT, "| %s | %.0f | %.0f | %.0f | **%.2f** | **%.0f %%** | %.0f, %.0f | %s | %s | %s |%n",
                        r.op().name(), r.throughput().get(Variant.DAO).opsPerSecond(),
                        r.throughput().get(Variant.NO_RLS_AUDIT).opsPerSecond(), r.throughput().get(Variant.NO_RLS).opsPerSecond(),
                        r.ratio(Variant.DAO, Variant.NO_RLS), audit * 100,
                        r.throughput().get(Variant.DAO).clientCpuMicrosPerOp(), r.throughput().get(Variant.NO_RLS).clientCpuMicrosPerOp(),
                        r.latency().get(Variant.DAO) + (r.op().p99TargetMs() == null ? "" : " (" + p99Verdict(r.op(), r.latency().get(Variant.DAO)) + ")"),
                        r.latency().get(Variant.NO_RLS_AUDIT), r.latency().get(Variant.NO_RLS));
            }
            if (!imports.isEmpty()) {
                System.out.println();
                imports.forEach(System.out::println);
            }
            System.out.println();
            results.forEach(r -> System.out.println("== " + r.op().name() + "\n   " + r.plans()));
        }

        /** The DAO's p99 against the brief's target and the allowance of a fifth over it. */
        private static String p99Verdict(Operation op, Latency dao) {
            if (op.p99TargetMs() == null) {
                return "";
            }
            double target = op.p99TargetMs();
            String verdict = dao.p99() < target ? "holds" : dao.p99() <= target * 1.2 ? "within a fifth" : "**fails**";
            return String.format(Locale.ROOT, "< %.0f ms: %s", target, verdict);
        }
    }

    /** The old generation's used bytes after a full GC (the heap pools whose name says old or tenured). */
    static long oldGenAfterGc() {
        System.gc();
        long used = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            String name = pool.getName().toLowerCase(Locale.ROOT);
            if (pool.getType() == MemoryType.HEAP && (name.contains("old") || name.contains("tenured"))) {
                used += pool.getUsage().getUsed();
            }
        }
        return used;
    }
}
