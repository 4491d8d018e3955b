package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.dao.IsolationModel.AppointmentRow;
import com.voxanne.dao.IsolationModel.ContactRow;
import com.voxanne.dao.IsolationModel.NotificationRow;
import com.voxanne.dao.internal.BindingPlacement;
import com.voxanne.schema.jooq.enums.AppointmentStatus;
import com.voxanne.schema.jooq.enums.LeadStatusType;
import com.voxanne.schema.jooq.enums.NotificationStatus;
import com.voxanne.schema.jooq.enums.NotificationType;
import com.voxanne.schema.jooq.enums.OrganizationStatus;
import com.voxanne.schema.session.RequestBinding.Placement;
import com.voxanne.testkit.Admin;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import com.voxanne.testkit.postgres.TestDatabase;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * A randomized, model-based safety net for tenant isolation and atomicity: several threads run every kind
 * of repository call (valid, invalid, failing midway, on another organization's ids) for ten clinics over
 * one small pool while a background thread kills the pool's backends, and an in-memory model of each
 * clinic, changed only by calls that returned normally, must equal what the admin finds in the database.
 *
 * <p>Every public operation is called: each method of {@link Contacts}, {@link Appointments} and
 * {@link Notifications} (lists followed page by page to the end and compared with the model as a whole),
 * {@link Voxanne#organization}, units of work ({@code inOrg}: committing, throwing midway, catching a
 * database failure and going on, taking one back with a savepoint), and of the service scope
 * {@link WebhookEvents}, {@link Organizations}, {@link AuditTrail} (a clinic's events and suspicious
 * activity) and notification expiry; three users keep a notification subscription open through the run,
 * and each event they get must be theirs. Each call in its failing forms: an id of another clinic ("not
 * found", or refused as a colliding id), a refused state (a double booking, a transition, a deleted row)
 * exactly when the model says so, and invalid input, refused with its typed exception before any
 * statement runs.
 *
 * <p>The seed is printed first; {@code -Dvoxanne.randomized.seed=N} replays a run's choices (the interleaving
 * of threads and kills is up to the machine) and {@code -Dvoxanne.randomized.operations=N} sets its length.
 * Each organization is driven by one thread only, so its model knows the exact outcome of every call; a
 * call whose connection died during it leaves its entities uncertain, taken from the database at the end.
 */
@VoxannePostgres
class RandomizedIsolationTest {

    private static final int ORGANIZATIONS = 10;
    private static final int THREADS = 4;
    private static final int POOL_SIZE = 4;
    /** Clinics whose first user keeps a notification subscription open through the run, on a pool of its own. */
    private static final int SUBSCRIBED = 3;
    /** Enough kills to hit units at every stage, few enough that reconnecting does not dominate the run. */
    private static final int MAX_KILL_ROUNDS = 15;

    /** Every exception type the DAO documents; anything else escaping a call is a defect. */
    private static final Set<Class<? extends VoxanneDataException>> DOCUMENTED = Set.of(
            InvalidInputException.class, NotFoundException.class, DuplicateException.class, ConflictException.class,
            DoubleBookingException.class, InvalidTransitionException.class, AccessDeniedException.class,
            TenantContextException.class, DataAccessFailureException.class, BulkImportException.class);

    private static final OffsetDateTime FIRST_SLOT = OffsetDateTime.of(2031, 1, 6, 0, 0, 0, 0, ZoneOffset.UTC);

    /**
     * The outcomes a run of 10,000 operations reaches whatever its seed (each at least a dozen times in
     * the runs measured): a run that missed one would prove nothing about it, and an edit that stops
     * calling an operation fails here.
     */
    static final List<String> REQUIRED_OUTCOMES = List.of(
            // contacts
            "contacts.create -> ok", "contacts.create invalid -> InvalidInputException",
            "contacts.create duplicate -> DuplicateException", "contacts.update -> ok",
            "contacts.update invalid -> InvalidInputException", "contacts.delete -> ok", "contacts.get -> ok",
            "contacts.get -> NotFoundException", "contacts.list -> ok", "contacts.list invalid -> InvalidInputException",
            "contacts.search -> ok", "contacts.findByPhone -> ok", "contacts.findByPhone invalid -> InvalidInputException",
            "contacts.importAll -> ok", "contacts.importAll -> BulkImportException", "contacts.touch -> ok",
            "contacts.touch invalid -> InvalidInputException", "contacts.touch deleted -> NotFoundException",
            "contacts.recordContact -> ok", "contacts.recordContact invalid -> InvalidInputException",
            "contacts.recordContact deleted -> NotFoundException", "contacts.countsByLeadStatus -> ok",
            // appointments
            "appointments.book -> ok", "appointments.book invalid -> InvalidInputException",
            "appointments.book overlapping -> ok", "appointments.book overlapping -> DoubleBookingException",
            "appointments.changeStatus -> ok", "appointments.changeStatus -> InvalidTransitionException",
            "appointments.changeStatus -> NotFoundException", "appointments.list -> ok",
            "appointments.list invalid -> InvalidInputException", "appointments.get -> ok",
            "appointments.get -> NotFoundException", "appointments.get invalid -> InvalidInputException",
            "appointments.getIncludingDeleted -> ok", "appointments.getIncludingDeleted invalid -> InvalidInputException",
            "appointments.reschedule -> ok", "appointments.reschedule -> ConflictException",
            "appointments.reschedule -> NotFoundException", "appointments.reschedule overlapping -> ok",
            "appointments.reschedule overlapping -> DoubleBookingException",
            "appointments.reschedule invalid -> InvalidInputException", "appointments.softDelete -> ok",
            "appointments.softDelete -> NotFoundException", "appointments.softDelete invalid -> InvalidInputException",
            "appointments.restore -> ok", "appointments.restore -> DoubleBookingException",
            "appointments.restore not deleted -> ok", "appointments.restore invalid -> InvalidInputException",
            "appointments.markConfirmationSent -> ok", "appointments.markConfirmationSent -> NotFoundException",
            "appointments.markConfirmationSent invalid -> InvalidInputException", "appointments.upcoming -> ok",
            "appointments.upcoming invalid -> InvalidInputException",
            // notifications
            "notifications.create -> ok", "notifications.create refused -> AccessDeniedException",
            "notifications.create invalid -> InvalidInputException", "notifications.markRead -> ok",
            "notifications.markRead -> NotFoundException", "notifications.list -> ok",
            "notifications.list invalid -> InvalidInputException", "notifications.unreadCount -> ok",
            "notifications.get -> ok", "notifications.get -> NotFoundException",
            "notifications.get invalid -> InvalidInputException", "notifications.markAllRead -> ok",
            "notifications.archive -> ok", "notifications.archive -> NotFoundException",
            "notifications.archive invalid -> InvalidInputException",
            // the organization, contexts, webhooks
            "organization -> ok", "null context -> TenantContextException", "audit.events -> ok",
            "audit.events no organization -> TenantContextException", "audit.suspiciousActivity -> ok",
            "organizations.get -> ok", "organizations.get unknown -> NotFoundException",
            "organizations.create invalid -> InvalidInputException", "organizations.create -> ok",
            "organizations.suspend -> ok", "organizations.activate -> ok", "notifications.expire -> ok", "webhooks.processOnce -> ok",
            "webhooks.processOnce -> Boom", "webhooks.processOnce duplicate -> ok",
            "webhooks.processOnce invalid -> InvalidInputException",
            "webhooks.processOnce no organization -> TenantContextException",
            "webhooks.processOnce unknown organization -> NotFoundException", "webhooks.cleanup -> ok",
            "webhooks.cleanup invalid -> InvalidInputException",
            "webhook handler notifications.unreadCount -> TenantContextException",
            // units of work
            "inOrg unit 0 -> ok", "inOrg unit 1 -> Boom", "inOrg unit 2 -> DuplicateException",
            "inOrg unit aborted -> DataAccessFailureException", "inOrg unit savepoint -> ok",
            "inOrg unit many calls then Boom -> Boom", "inOrg unit changes -> ok",
            // across clinics
            "cross contacts.get -> NotFoundException", "cross contacts.update -> NotFoundException",
            "cross contacts.delete -> NotFoundException", "cross contacts.touch -> NotFoundException",
            "cross contacts.recordContact -> NotFoundException", "cross contacts.create with its id -> DuplicateException",
            "cross inOrg contacts.touch -> NotFoundException", "cross contacts.list cursor -> ok",
            "cross appointments.book -> NotFoundException", "cross appointments.changeStatus -> NotFoundException",
            "cross appointments.get -> NotFoundException", "cross appointments.getIncludingDeleted -> NotFoundException",
            "cross appointments.reschedule -> NotFoundException", "cross appointments.softDelete -> NotFoundException",
            "cross appointments.restore -> NotFoundException",
            "cross appointments.markConfirmationSent -> NotFoundException",
            "cross inOrg appointments.softDelete -> NotFoundException",
            "cross appointments.book with its id -> DuplicateException", "cross appointments.list cursor -> ok",
            "cross notifications.markRead -> NotFoundException", "cross notifications.get -> NotFoundException",
            "cross notifications.archive -> NotFoundException",
            "cross notifications.create with its id -> DuplicateException");

    /**
     * {@link #REQUIRED_OUTCOMES} on a database of {@code placement}. On a distributed one ids are unique
     * per clinic (docs/citus.md, facts 27 and 31): a create with another clinic's id makes the caller's own
     * row, never a {@link DuplicateException}, and the other clinic's row stays as it was, which its model
     * checks.
     */
    static List<String> requiredOutcomes(Placement placement) {
        if (placement != Placement.DISTRIBUTED) {
            return REQUIRED_OUTCOMES;
        }
        return REQUIRED_OUTCOMES.stream()
                .map(o -> o.startsWith("cross ") && o.endsWith(" with its id -> DuplicateException")
                        ? o.replace("-> DuplicateException", "-> ok") : o)
                .toList();
    }

    /** The test's own failure inside a unit of work or a webhook handler; must roll everything back. */
    static final class Boom extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Boom() {
            super("boom");
        }
    }

    @Test
    void randomCallsOfTenClinicsUnderKilledConnectionsLeaveExactlyTheAcknowledgedRows(
            TestDatabase db, @Admin DataSource admin, Tenants tenants) throws Exception {
        long seed = Long.getLong("voxanne.randomized.seed", new Random().nextLong());
        int operations = Integer.getInteger("voxanne.randomized.operations", 10_000);
        System.out.println("RandomizedIsolationTest: seed " + seed + ", " + operations
                + " operations (replay with -Dvoxanne.randomized.seed=" + seed + ")");
        Run run = new Run(seed, tenants, "R");

        long started = System.nanoTime();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger kills = new AtomicInteger();
        AtomicInteger killed = new AtomicInteger();
        long delivered;
        try (HikariDataSource pool = ConnectionHygieneTest.loginPool(db, POOL_SIZE, true);
             HikariDataSource listening = ConnectionHygieneTest.loginPool(db, SUBSCRIBED, true);
             Subscribers subscribers = new Subscribers(Voxanne.create(listening), run)) {
            Voxanne voxanne = Voxanne.create(pool);
            StatementCounter counter = new StatementCounter(pool);
            Voxanne strict = Voxanne.create(counter);
            String loginRole = db.server().loginRole();
            Thread killer = new Thread(() -> killBackends(admin, loginRole, new Random(seed ^ 0x5DEECE66DL), stop,
                    kills, killed, run), "backend-killer");
            killer.start();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                int quota = operations / THREADS + (t < operations % THREADS ? 1 : 0);
                Thread w = new Thread(() -> run.drive(voxanne, strict, counter, thread, quota), "worker-" + t);
                workers.add(w);
                w.start();
            }
            for (Thread w : workers) {
                w.join();
            }
            stop.set(true);
            killer.join();
            subscribers.close();
            delivered = subscribers.delivered.get();
            double seconds = (System.nanoTime() - started) / 1e9;
            System.out.printf("RandomizedIsolationTest: seed %d, %d operations in %.1f s (%.0f ops/s), %d kill rounds"
                            + " terminating %d backends, %d calls with a lost connection, %d uncertain keys%n",
                    seed, run.done.get(), seconds, run.done.get() / seconds, kills.get(), killed.get(),
                    run.lost.get(), run.uncertainKeys());

            // Hikari checks a connection idle for more than half a second before lending it again.
            Thread.sleep(600);
            List<Connection> borrowed = new ArrayList<>();
            try {
                for (int i = 0; i < POOL_SIZE; i++) {
                    borrowed.add(pool.getConnection());
                }
                for (Connection c : borrowed) {
                    ConnectionHygieneTest.assertClean(c, loginRole, true);
                }
            } finally {
                for (Connection c : borrowed) {
                    c.close();
                }
            }
        }

        System.out.println("RandomizedIsolationTest: outcomes " + new java.util.TreeMap<>(run.outcomes));
        List<String> problems = new ArrayList<>(run.violations);
        for (IsolationModel model : run.models) {
            problems.addAll(model.differencesFrom(admin));
        }
        assertThat(problems).as("calls that did not behave as documented, then database rows against the model"
                + " (seed %d)", seed).isEmpty();
        assertThat(run.done.get()).as("calls made (a step that pages may go past the quota)").isGreaterThanOrEqualTo(operations);
        if (operations >= 10_000) {
            // A run that never reached these outcomes would prove nothing about them.
            assertThat(run.outcomes.keySet()).as("outcomes reached (seed %d)", seed)
                    .containsAll(requiredOutcomes(BindingPlacement.of(db.loginDataSource())));
            assertThat(run.lost.get()).as("calls that lost their connection to the killer").isPositive();
            assertThat(delivered).as("notification events delivered to the subscribed users").isPositive();
        }
        assertThat(kills.get()).as("the killer ran").isPositive();
    }

    /**
     * The comparison can fail: a contact the admin plants in one clinic, a model that expects a name the
     * database does not have, a notification nobody acknowledged and an object of another clinic handed to
     * a caller are each reported; the untouched model of another clinic is not.
     */
    @Test
    void theModelDetectsRowsItDidNotExpectAndRowsOfAnotherOrganization(
            TestDatabase db, @Admin DataSource admin, Tenants tenants) throws Exception {
        Run run = new Run(42L, tenants, "S");
        IsolationModel a = run.models.get(0);
        IsolationModel b = run.models.get(1);
        try (HikariDataSource pool = ConnectionHygieneTest.loginPool(db, 1, true)) {
            Voxanne voxanne = Voxanne.create(pool);
            StatementCounter counter = new StatementCounter(pool);
            run.drive(voxanne, Voxanne.create(counter), counter, 0, 300);
            assertThat(run.violations).isEmpty();
            OrgContext inA = OrgContext.of(a.organizationId, a.users.get(0));
            Contact mine = voxanne.contacts(inA).create(NewContact.named("Kept").phone("+12125550123"));
            a.contacts.put(mine.phone(), new ContactRow(mine.id(), mine.name(), null));
            assertThat(a.differencesFrom(admin)).isEmpty();
            assertThat(b.differencesFrom(admin)).isEmpty();

            try (Connection c = admin.getConnection();
                 PreparedStatement ps = c.prepareStatement(
                         "insert into public.contacts (org_id, name, phone) values (?, 'Planted', '+12125550124')")) {
                ps.setObject(1, a.organizationId);
                ps.executeUpdate();
            }
            assertThat(a.differencesFrom(admin)).singleElement().asString().contains("exists but no acknowledged write");
            assertThat(b.differencesFrom(admin)).as("the other clinic is untouched").isEmpty();
            a.uncertainPhones.add("+12125550124");
            assertThat(a.differencesFrom(admin)).as("an uncertain key takes what the database has").isEmpty();

            a.contacts.get(mine.phone()).name = "Expected otherwise";
            assertThat(a.differencesFrom(admin)).singleElement().asString().contains("differs");
            a.contacts.get(mine.phone()).name = "Kept";

            Contact ofB = voxanne.contacts(OrgContext.of(b.organizationId, b.users.get(0)))
                    .create(NewContact.named("Bee").phone("+12125550125"));
            run.owned("self-check", a, ofB.organizationId(), null, null);
            assertThat(run.violations).singleElement().asString().contains("returned a row of org " + b.organizationId);
            assertThat(b.differencesFrom(admin)).as("an acknowledged write missing from the model")
                    .singleElement().asString().contains("exists but no acknowledged write");
        }
    }

    /**
     * Notification subscriptions of the first user of {@value #SUBSCRIBED} clinics, kept open through the run
     * (the killer ends them with their connections; a keeper thread opens them again): every event
     * delivered must be of the subscribed user in the subscribed clinic.
     */
    static final class Subscribers implements AutoCloseable {
        private final Voxanne voxanne;
        private final Run run;
        private final List<OrgContext> subscribed = new ArrayList<>();
        private final Map<OrgContext, NotificationSubscription> open = new ConcurrentHashMap<>();
        private final AtomicBoolean closing = new AtomicBoolean();
        private final Thread keeper;
        final AtomicLong delivered = new AtomicLong();

        Subscribers(Voxanne voxanne, Run run) {
            this.voxanne = voxanne;
            this.run = run;
            for (IsolationModel m : run.models.subList(0, SUBSCRIBED)) {
                subscribed.add(OrgContext.of(m.organizationId, m.users.get(0)));
            }
            keeper = new Thread(this::keepOpen, "subscriber-keeper");
            keeper.setDaemon(true);
            keeper.start();
        }

        private void keepOpen() {
            while (!closing.get()) {
                for (OrgContext ctx : subscribed) {
                    NotificationSubscription current = open.get(ctx);
                    if (current != null && current.isOpen()) {
                        continue;
                    }
                    if (current != null) {
                        current.close();
                    }
                    try {
                        open.put(ctx, voxanne.subscribeToNotifications(ctx, event -> check(ctx, event)));
                    } catch (DataAccessFailureException killedWhileOpening) {
                        // the killer took the connection: the next round opens it again
                    } catch (RuntimeException e) {
                        run.violations.add("subscribeToNotifications threw " + e);
                    }
                }
                try {
                    Thread.sleep(100);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private void check(OrgContext ctx, NotificationEvent event) {
            delivered.incrementAndGet();
            if (!event.organizationId().equals(ctx.organizationId()) || !event.userId().equals(ctx.userId())) {
                run.violations.add("the subscription of user " + ctx.userId() + " in org " + ctx.organizationId()
                        + " received an event of user " + event.userId() + " in org " + event.organizationId());
            }
        }

        @Override
        public void close() throws InterruptedException {
            if (closing.getAndSet(true)) {
                return;
            }
            keeper.join();
            open.values().forEach(NotificationSubscription::close);
        }
    }

    /** Terminates every backend of the login role (not the admin's) a few times while the workers run. */
    private static void killBackends(DataSource admin, String loginRole, Random random, AtomicBoolean stop,
                                     AtomicInteger rounds, AtomicInteger killed, Run run) {
        try {
            Thread.sleep(150);
            while (!stop.get() && rounds.get() < MAX_KILL_ROUNDS) {
                try (Connection c = admin.getConnection();
                     PreparedStatement ps = c.prepareStatement("select count(*) filter (where pg_terminate_backend(pid))"
                             + " from pg_stat_activity where usename = ? and pid <> pg_backend_pid()")) {
                    ps.setString(1, loginRole);
                    try (var rs = ps.executeQuery()) {
                        rs.next();
                        killed.addAndGet(rs.getInt(1));
                    }
                    rounds.incrementAndGet();
                } catch (SQLException e) {
                    run.violations.add("the killer failed: " + e);
                    return;
                }
                Thread.sleep(500 + random.nextInt(1000));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The shared state of one run: the models, the ids each clinic ever had, and what went wrong. */
    static final class Run {
        final long seed;
        final List<IsolationModel> models = new ArrayList<>();
        final Map<UUID, List<UUID>> contactIds = new ConcurrentHashMap<>();
        final Map<UUID, List<UUID>> appointmentIds = new ConcurrentHashMap<>();
        final Map<UUID, List<UUID>> notificationIds = new ConcurrentHashMap<>();
        final Map<UUID, List<String>> phones = new ConcurrentHashMap<>();
        final Map<UUID, List<String>> eventIds = new ConcurrentHashMap<>();
        /** The last list cursors each clinic was handed, for cross-tenant calls and cursors of the wrong list. */
        final Map<UUID, List<String>> contactCursors = new ConcurrentHashMap<>();
        /** The order of the list each contact cursor came from, so that another clinic's call can use it in that order. */
        final Map<String, ContactSort> contactCursorSorts = new ConcurrentHashMap<>();
        final Map<UUID, List<String>> appointmentCursors = new ConcurrentHashMap<>();
        final Map<UUID, String> organizationNames = new ConcurrentHashMap<>();
        final ConcurrentLinkedQueue<String> violations = new ConcurrentLinkedQueue<>();
        final AtomicLong done = new AtomicLong();
        final AtomicLong lost = new AtomicLong();
        /** How often each call ended each way ({@code contacts.get -> NotFoundException}), for coverage. */
        final Map<String, AtomicLong> outcomes = new ConcurrentHashMap<>();
        final AtomicInteger phoneCounter = new AtomicInteger();
        final AtomicInteger slotCounter = new AtomicInteger();
        final AtomicInteger nameCounter = new AtomicInteger();
        final String prefix;

        Run(long seed, Tenants tenants, String prefix) {
            this.seed = seed;
            this.prefix = prefix + UUID.randomUUID().toString().substring(0, 8);
            for (int i = 0; i < ORGANIZATIONS; i++) {
                String name = "Clinic " + this.prefix + " " + i;
                com.voxanne.testkit.Organization org = tenants.organization(name);
                organizationNames.put(org.id(), name);
                User first = org.user("u1-" + i);
                User second = org.user("u2-" + i);
                models.add(new IsolationModel(org.id(), List.of(first.id(), second.id())));
                contactIds.put(org.id(), Collections.synchronizedList(new ArrayList<>()));
                appointmentIds.put(org.id(), Collections.synchronizedList(new ArrayList<>()));
                notificationIds.put(org.id(), Collections.synchronizedList(new ArrayList<>()));
                phones.put(org.id(), Collections.synchronizedList(new ArrayList<>()));
                eventIds.put(org.id(), Collections.synchronizedList(new ArrayList<>()));
                contactCursors.put(org.id(), Collections.synchronizedList(new ArrayList<>()));
                appointmentCursors.put(org.id(), Collections.synchronizedList(new ArrayList<>()));
            }
        }

        int uncertainKeys() {
            return models.stream().mapToInt(m -> m.uncertainPhones.size() + m.uncertainStarts.size()
                    + m.uncertainTitles.size() + m.uncertainEvents.size()).sum();
        }

        /**
         * Makes {@code quota} random repository calls on the organizations {@code thread} owns; refusals of
         * invalid input go through {@code strict}, whose pool is {@code counter}.
         */
        void drive(Voxanne voxanne, Voxanne strict, StatementCounter counter, int thread, int quota) {
            Random random = new Random(seed * 31 + thread);
            List<IsolationModel> mine = new ArrayList<>();
            for (int i = thread; i < models.size(); i += THREADS) {
                mine.add(models.get(i));
            }
            Worker w = new Worker(voxanne, strict, counter, random);
            while (w.calls < quota) {
                IsolationModel m = mine.get(random.nextInt(mine.size()));
                try {
                    w.step(m, random.nextInt(Worker.WEIGHTS));
                } catch (RuntimeException | AssertionError e) {
                    violations.add("test step failed on org " + m.organizationId + ": " + e);
                    w.calls++;
                }
            }
        }

        /** Records a violation unless a returned row belongs to the caller's organization (and user). */
        void owned(String op, IsolationModel m, UUID organizationId, UUID userId, UUID actingUser) {
            if (!m.organizationId.equals(organizationId)) {
                violations.add(op + " for org " + m.organizationId + " returned a row of org " + organizationId);
            }
            if (userId != null && !userId.equals(actingUser)) {
                violations.add(op + " for user " + actingUser + " returned a notification of user " + userId);
            }
        }

        String phone() {
            int n = phoneCounter.incrementAndGet();
            return String.format("+1212%03d%04d", 301 + n / 10_000, n % 10_000);
        }

        OffsetDateTime slot() {
            return FIRST_SLOT.plusHours(2L * slotCounter.incrementAndGet());
        }

        <T> T any(List<T> list, Random random) {
            synchronized (list) {
                return list.isEmpty() ? null : list.get(random.nextInt(list.size()));
            }
        }

        /** The outcome of one call: a value, a documented (or the test's own) exception, or a lost connection. */
        static final class Outcome<T> {
            T value;
            Throwable thrown;
            boolean lost;
            /**
             * A lost connection's {@link DataAccessFailureException#outcomeUnknown()}: only then may the call
             * have written; otherwise the model takes it as not having happened, and the final comparison
             * with the database checks that it did not.
             */
            boolean unknown;
        }

        static boolean connectionLost(Throwable t) {
            for (Throwable c = t; c != null; c = c.getCause()) {
                if (c instanceof DataAccessFailureException d && d.sqlState() != null
                        && (d.sqlState().startsWith("08") || d.sqlState().startsWith("57P"))) {
                    return true;   // the unit lost its connection in an earlier call
                }
                if (c instanceof SQLException sql && sql.getSQLState() != null
                        && (sql.getSQLState().startsWith("08") || sql.getSQLState().startsWith("57P"))) {
                    return true;
                }
                if (c instanceof IOException) {
                    return true;
                }
                for (Throwable s : c.getSuppressed()) {
                    if (s instanceof SQLException sql && sql.getSQLState() != null && sql.getSQLState().startsWith("08")) {
                        return true;
                    }
                }
            }
            return false;
        }

        /** One repository call, checked against the caller's expectation in the worker. */
        final class Worker {
            static final int WEIGHTS = 60;
            final Voxanne voxanne;
            /** Over the same pool, counting the statements each thread runs: for the refusals that must send no SQL. */
            final Voxanne strict;
            final StatementCounter counter;
            final Random random;
            final Map<UUID, List<String>> retryable = new ConcurrentHashMap<>();
            /** Repository calls made (a unit of work counts once); a step with nothing to pick makes none. */
            int calls;

            Worker(Voxanne voxanne, Voxanne strict, StatementCounter counter, Random random) {
                this.voxanne = voxanne;
                this.strict = strict;
                this.counter = counter;
                this.random = random;
            }

            /** Keeps the last cursors of a clinic's list, for the other clinics' cross-tenant calls. */
            void rememberCursor(Map<UUID, List<String>> cursors, IsolationModel m, String cursor) {
                List<String> list = cursors.get(m.organizationId);
                synchronized (list) {
                    list.add(cursor);
                    if (list.size() > 20) {
                        list.remove(0);
                    }
                }
            }

            <T> Outcome<T> call(String op, Callable<T> c) {
                return call(op, c, t -> false);
            }

            /** {@code expectedFailure}: a {@link DataAccessFailureException} the caller expects and checks itself. */
            <T> Outcome<T> call(String op, Callable<T> c, java.util.function.Predicate<Throwable> expectedFailure) {
                Outcome<T> o = new Outcome<>();
                calls++;
                done.incrementAndGet();
                try {
                    o.value = c.call();
                } catch (Throwable t) {
                    o.thrown = t;
                    if (t instanceof DataAccessFailureException && connectionLost(t)) {
                        o.lost = true;
                        o.unknown = ((DataAccessFailureException) t).outcomeUnknown();
                        lost.incrementAndGet();
                    } else if (t instanceof VoxanneDataException && !DOCUMENTED.contains(t.getClass())) {
                        violations.add(op + " threw an undocumented type " + t.getClass().getName());
                    } else if (!(t instanceof VoxanneDataException) && !(t instanceof Boom)) {
                        violations.add(op + " threw " + t + (connectionLost(t) ? " (on a lost connection)" : ""));
                    } else if (t instanceof DataAccessFailureException && !expectedFailure.test(t)) {
                        violations.add(op + " failed without a lost connection: " + t);
                    }
                }
                String how = o.lost ? (o.unknown ? "lost connection, outcome unknown" : "lost connection") : o.thrown == null ? "ok" : o.thrown.getClass().getSimpleName();
                outcomes.computeIfAbsent(op + " -> " + how, k -> new AtomicLong()).incrementAndGet();
                return o;
            }

            /**
             * A call whose input is refused: it must throw {@code expected} (or lose its connection) without
             * running a statement, which the counting pool of {@link #strict} tells.
             */
            void invalid(String op, java.util.function.Function<Voxanne, Object> c, Class<? extends Throwable> expected) {
                long before = counter.executes();
                Outcome<Object> o = call(op, () -> c.apply(strict));
                refused(op, o, expected);
                if (!o.lost && counter.executes() != before) {
                    violations.add(op + " ran " + (counter.executes() - before) + " statement(s) before refusing its input");
                }
            }

            /** Whether the call returned normally; a documented refusal is a violation here. */
            boolean ok(String op, Outcome<?> o) {
                if (o.lost) {
                    return false;
                }
                if (o.thrown != null) {
                    violations.add(op + " should have succeeded but threw " + o.thrown);
                    return false;
                }
                return true;
            }

            /** The call must have thrown exactly {@code expected} (or lost its connection, which cannot write either). */
            void refused(String op, Outcome<?> o, Class<? extends Throwable> expected) {
                if (o.lost) {
                    return;
                }
                if (o.thrown == null) {
                    violations.add(op + " should have thrown " + expected.getSimpleName() + " but returned " + o.value);
                } else if (o.thrown.getClass() != expected) {
                    violations.add(op + " should have thrown " + expected.getSimpleName() + " but threw " + o.thrown);
                }
            }

            IsolationModel other(IsolationModel m) {
                IsolationModel o;
                do {
                    o = models.get(random.nextInt(models.size()));
                } while (o == m);
                return o;
            }

            <K> K anyKey(Map<K, ?> map) {
                if (map.isEmpty()) {
                    return null;
                }
                List<K> keys = new ArrayList<>(map.keySet());
                return keys.get(random.nextInt(keys.size()));
            }

            String anyCertainPhone(IsolationModel m) {
                return anyKey(m.contacts);
            }

            Instant anyAppointment(IsolationModel m) {
                return anyKey(m.appointments);
            }

            /** A soft-deleted appointment if there is one, else any. */
            Instant anyDeletedAppointment(IsolationModel m) {
                List<Instant> deleted = new ArrayList<>();
                m.appointments.forEach((start, a) -> {
                    if (a.deleted) {
                        deleted.add(start);
                    }
                });
                return deleted.isEmpty() ? anyAppointment(m) : deleted.get(random.nextInt(deleted.size()));
            }

            String anyNotification(IsolationModel m) {
                return anyKey(m.notifications);
            }

            /** An id this clinic's contacts once had that certainly exists no more (deleted, or rolled back), or null. */
            UUID goneContactId(IsolationModel m) {
                UUID id = any(contactIds.get(m.organizationId), random);
                return id == null || m.phoneOf(id) != null || m.uncertainContactIds.contains(id) ? null : id;
            }

            /** An id this clinic's appointments once had that certainly exists no more, or null. */
            UUID goneAppointmentId(IsolationModel m) {
                UUID id = any(appointmentIds.get(m.organizationId), random);
                return id == null || m.startOf(id) != null || m.uncertainAppointmentIds.contains(id) ? null : id;
            }

            /** A new slot whose hour the model knows to be free (one reached by a moved appointment is skipped). */
            OffsetDateTime freeSlot(IsolationModel m) {
                OffsetDateTime start;
                do {
                    start = slot();
                } while (m.slot(start.toInstant(), 60, null) != IsolationModel.Slot.FREE);
                return start;
            }

            /** {@code target} plus half an hour, if that stays in its two-hour cell and is no key yet; else null. */
            Instant halfAnHourInto(IsolationModel m, Instant target) {
                Instant s = target.plusSeconds(1800);
                boolean sameCell = Duration.between(FIRST_SLOT.toInstant(), s).toMinutes() % 120 != 0;
                return sameCell && m.freeKey(s) ? s : null;
            }

            void remember(IsolationModel m, Contact c) {
                contactIds.get(m.organizationId).add(c.id());
                phones.get(m.organizationId).add(c.phone());
                m.contacts.put(c.phone(), new ContactRow(c.id(), c.name(), c.notes()));
            }

            void checkContact(String op, IsolationModel m, Contact c) {
                owned(op, m, c.organizationId(), null, null);
                ContactRow row = m.contacts.get(c.phone());
                if (row == null) {
                    if (!m.uncertainPhones.contains(c.phone())) {
                        violations.add(op + " returned contact " + c.id() + " the model does not have");
                    }
                } else if (!row.id.equals(c.id()) || !row.name.equals(c.name()) || !java.util.Objects.equals(row.notes, c.notes())
                        || !row.leadStatus.equals(c.leadStatus().getLiteral())
                        || !java.util.Objects.equals(row.lastContactAt, c.lastContactAt() == null ? null : c.lastContactAt().toInstant())) {
                    violations.add(op + " returned contact " + c.id() + " unlike the model (lead status " + c.leadStatus()
                            + " / " + row.leadStatus + ", last contact " + c.lastContactAt() + " / " + row.lastContactAt + ")");
                }
            }

            void checkAppointment(String op, IsolationModel m, Appointment a) {
                owned(op, m, a.organizationId(), null, null);
                AppointmentRow row = m.appointments.get(a.scheduledAt().toInstant());
                if (row == null) {
                    if (!m.uncertainStarts.contains(a.scheduledAt().toInstant())) {
                        violations.add(op + " returned appointment " + a.id() + " the model does not have");
                    }
                } else if (!row.id.equals(a.id()) || !row.contactId.equals(a.contactId()) || row.minutes != a.duration().toMinutes()
                        || !row.status.equals(a.status().getLiteral()) || row.deleted != a.deleted()
                        || row.confirmationSent != a.confirmationSent()) {
                    violations.add(op + " returned appointment " + a.id() + " unlike the model: " + a.status() + "/"
                            + a.duration() + "/deleted " + a.deleted() + "/sent " + a.confirmationSent() + ", model "
                            + row.status + "/" + row.minutes + "/" + row.deleted + "/" + row.confirmationSent);
                }
            }

            void checkNotification(String op, IsolationModel m, Notification n, UUID user) {
                owned(op, m, n.organizationId(), n.userId(), user);
                NotificationRow row = m.notifications.get(n.title());
                if (row == null) {
                    if (!m.uncertainTitles.contains(n.title())) {
                        violations.add(op + " returned notification " + n.id() + " the model does not have");
                    }
                    return;
                }
                Instant readAt = n.readAt() == null ? null : n.readAt().toInstant();
                if (row.readAt == NotificationRow.READ_AT_NOT_RETURNED && readAt != null) {
                    row.readAt = readAt;  // marked read by markAllRead, which does not return the time
                }
                if (!row.id.equals(n.id()) || !row.status.equals(n.status().getLiteral()) || !java.util.Objects.equals(row.readAt, readAt)) {
                    violations.add(op + " returned notification " + n.id() + " unlike the model: " + n.status() + "/read "
                            + readAt + ", model " + row.status + "/read " + row.readAt);
                }
            }

            void step(IsolationModel m, int pick) {
                UUID user = m.users.get(random.nextInt(2));
                OrgContext ctx = OrgContext.of(m.organizationId, user);
                Contacts contacts = voxanne.contacts(ctx);
                Appointments appointments = voxanne.appointments(ctx);
                Notifications notifications = voxanne.notifications(ctx);
                switch (pick) {
                    case 0, 1, 2 -> createContact(m, contacts);
                    case 3 -> {
                        boolean blankName = random.nextBoolean();
                        String phone = phone();
                        invalid("contacts.create invalid", v -> v.contacts(ctx).create(
                                NewContact.named(blankName ? " " : "Valid").phone(blankName ? phone : "12")),
                                InvalidInputException.class);
                    }
                    case 4 -> {
                        String taken = anyCertainPhone(m);
                        if (taken != null) {
                            refused("contacts.create duplicate", call("contacts.create duplicate",
                                    () -> contacts.create(NewContact.named("Twin").phone(taken))), DuplicateException.class);
                        }
                    }
                    case 5, 6 -> updateContact(m, contacts);
                    case 7 -> {
                        String phone = anyCertainPhone(m);
                        if (phone != null) {
                            UUID id = m.contacts.get(phone).id;
                            invalid("contacts.update invalid", v -> v.contacts(ctx).update(id,
                                    ContactUpdate.empty().name("Never").email("not an e-mail")), InvalidInputException.class);
                        }
                    }
                    case 8 -> {
                        String phone = anyCertainPhone(m);
                        if (phone != null) {
                            UUID id = m.contacts.get(phone).id;
                            Outcome<Object> o = call("contacts.delete", () -> {
                                contacts.delete(id);
                                return null;
                            });
                            if (ok("contacts.delete", o)) {
                                m.deleteContact(phone);
                            } else if (o.lost && o.unknown) {
                                m.contactUncertain(phone);
                            }
                        }
                    }
                    case 9, 10 -> getContact(m, contacts);
                    case 11 -> listContacts(m, ctx, contacts);
                    case 12 -> {
                        String phone = anyCertainPhone(m);
                        if (phone != null) {
                            ContactRow row = m.contacts.get(phone);
                            Outcome<Page<Contact>> o = call("contacts.search",
                                    () -> contacts.list(ContactQuery.all().search(row.name).limit(100)));
                            if (ok("contacts.search", o)) {
                                o.value.items().forEach(c -> checkContact("contacts.search", m, c));
                                if (o.value.items().stream().noneMatch(c -> c.id().equals(row.id))) {
                                    violations.add("contacts.search did not find contact " + row.id);
                                }
                            }
                        }
                    }
                    case 13 -> findByPhone(m, ctx, contacts);
                    case 14 -> importContacts(m, ctx, contacts);
                    case 15 -> touch(m, ctx, contacts);
                    case 16 -> recordContact(m, ctx, contacts);
                    case 17 -> {
                        Outcome<Map<LeadStatusType, Long>> o = call("contacts.countsByLeadStatus", contacts::countsByLeadStatus);
                        if (ok("contacts.countsByLeadStatus", o)) {
                            checkCounts(m, o.value);
                        }
                    }
                    case 18, 19, 20 -> book(m, ctx, appointments);
                    case 21 -> bookOverlapping(m, ctx, appointments);
                    case 22, 23, 24 -> changeStatus(m, appointments);
                    case 25 -> listAppointments(m, ctx, appointments);
                    case 26 -> getAppointment(m, ctx, appointments);
                    case 27, 28 -> reschedule(m, ctx, appointments);
                    case 29 -> softDelete(m, ctx, appointments);
                    case 30 -> restore(m, ctx, appointments);
                    case 31 -> markConfirmationSent(m, ctx, appointments);
                    case 32 -> upcoming(m, ctx, appointments);
                    case 33, 34 -> createNotification(m, notifications);
                    case 35 -> {
                        boolean foreignUser = random.nextBoolean();
                        UUID target = foreignUser ? other(m).users.get(0) : user;
                        if (foreignUser) {
                            refused("notifications.create refused", call("notifications.create refused", () -> notifications.create(
                                    target, NewNotification.of(NotificationType.HOT_LEAD, "Cross", "message"))),
                                    AccessDeniedException.class);
                        } else {
                            invalid("notifications.create invalid", v -> v.notifications(ctx).create(target,
                                    NewNotification.of(NotificationType.HOT_LEAD, " ", "message")), InvalidInputException.class);
                        }
                    }
                    case 36, 37 -> markRead(m, user, notifications);
                    case 38 -> {
                        Outcome<Integer> o = call("notifications.unreadCount", notifications::unreadCount);
                        long expected = m.notifications.values().stream()
                                .filter(n -> n.userId.equals(user) && n.status.equals("unread")).count();
                        if (ok("notifications.unreadCount", o) && !m.uncertainUsers.contains(user) && o.value != expected) {
                            violations.add("notifications.unreadCount " + o.value + ", model " + expected);
                        }
                    }
                    case 39 -> listNotifications(m, ctx, user, notifications);
                    case 40 -> getNotification(m, ctx, user, notifications);
                    case 41 -> markAllRead(m, user, notifications);
                    case 42 -> archive(m, ctx, user, notifications);
                    case 43, 51 -> {
                        switch (random.nextInt(6)) {
                            case 0, 1 -> auditTrail(m);
                            case 2 -> organizations(m);
                            case 3 -> expire();
                            default -> organization(m, ctx);
                        }
                    }
                    case 44, 45, 46 -> webhook(m);
                    case 47, 48, 49, 50 -> unit(m, ctx);
                    default -> crossTenant(m, ctx, contacts, appointments, notifications);
                }
            }

            // ---------------------------------------------------------------- contacts

            void createContact(IsolationModel m, Contacts contacts) {
                String phone = phone();
                String name = "Name" + nameCounter.incrementAndGet();
                String notes = random.nextBoolean() ? null : "note " + random.nextInt(1000);
                // half of them with a caller-chosen id, retried once after an unknown outcome
                UUID id = random.nextBoolean() ? UUID.randomUUID() : null;
                NewContact created = NewContact.named(name).phone(phone).notes(notes).id(id);
                Outcome<Contact> o = call("contacts.create", () -> contacts.create(created));
                if (ok("contacts.create", o)) {
                    checkCreated("contacts.create", m, o.value, name, notes);
                } else if (o.lost && o.unknown && id != null) {
                    Outcome<Contact> retried = call("contacts.create retried", () -> contacts.create(created));
                    if (ok("contacts.create retried", retried)) {
                        if (!retried.value.id().equals(id)) {
                            violations.add("a retried create returned another id than the one chosen");
                        }
                        checkCreated("contacts.create retried", m, retried.value, name, notes);
                    } else if (retried.lost) {
                        m.contactUncertain(phone);
                    }
                } else if (o.lost && o.unknown) {
                    m.contactUncertain(phone);
                }
            }

            void updateContact(IsolationModel m, Contacts contacts) {
                String phone = anyCertainPhone(m);
                if (phone == null) {
                    return;
                }
                ContactRow row = m.contacts.get(phone);
                String name = "Renamed" + nameCounter.incrementAndGet();
                String notes = random.nextBoolean() ? null : "changed " + random.nextInt(1000);
                LeadStatusType status = random.nextBoolean() ? null
                        : LeadStatusType.values()[random.nextInt(LeadStatusType.values().length)];
                ContactUpdate update = ContactUpdate.empty().name(name).notes(notes);
                Outcome<Contact> o = call("contacts.update", () -> contacts.update(row.id,
                        status == null ? update : update.leadStatus(status)));
                if (ok("contacts.update", o)) {
                    row.name = name;
                    row.notes = notes;
                    if (status != null) {
                        row.leadStatus = status.getLiteral();
                    }
                    checkContact("contacts.update", m, o.value);
                } else if (o.lost && o.unknown) {
                    m.contactUncertain(phone);
                }
            }

            void getContact(IsolationModel m, Contacts contacts) {
                boolean deleted = random.nextInt(4) == 0;
                List<UUID> ever = contactIds.get(m.organizationId);
                UUID id = deleted ? any(ever, random) : Optional.ofNullable(anyCertainPhone(m))
                        .map(p -> m.contacts.get(p).id).orElse(null);
                if (id == null) {
                    return;
                }
                String phone = m.phoneOf(id);
                boolean uncertain = phone == null && m.uncertainContactIds.contains(id);
                Outcome<Contact> o = call("contacts.get", () -> contacts.get(id));
                if (phone != null) {
                    if (ok("contacts.get", o)) {
                        checkContact("contacts.get", m, o.value);
                    }
                } else if (!uncertain) {
                    refused("contacts.get deleted", o, NotFoundException.class);
                } else if (o.value != null) {
                    checkContact("contacts.get", m, o.value);
                }
            }

            /** Every page of the clinic's contacts in one of the orders, the cursor followed to the end. */
            void listContacts(IsolationModel m, OrgContext ctx, Contacts contacts) {
                if (random.nextInt(5) == 0) {
                    String cursor = any(appointmentCursors.get(m.organizationId), random);
                    String badCursor = cursor != null && random.nextBoolean() ? cursor : "not-a-cursor";
                    boolean longSearch = random.nextInt(3) == 0;
                    invalid("contacts.list invalid", v -> v.contacts(ctx).list(longSearch
                            ? ContactQuery.all().search("x".repeat(201)) : ContactQuery.all().after(badCursor)),
                            InvalidInputException.class);
                    return;
                }
                ContactSort sort = ContactSort.values()[random.nextInt(ContactSort.values().length)];
                ContactQuery query = ContactQuery.all().sortBy(sort).limit(10 + random.nextInt(60));
                Map<UUID, Contact> seen = new java.util.HashMap<>();
                String cursor = null;
                do {
                    String after = cursor;
                    Outcome<Page<Contact>> o = call("contacts.list", () -> contacts.list(query.after(after)));
                    if (!ok("contacts.list", o)) {
                        return;
                    }
                    if (o.value.items().size() > query.limit() || (o.value.hasNext() && o.value.items().isEmpty())) {
                        violations.add("contacts.list returned a page of " + o.value.items().size() + " for limit " + query.limit());
                    }
                    for (Contact c : o.value.items()) {
                        checkContact("contacts.list", m, c);
                        if (seen.put(c.id(), c) != null) {
                            violations.add("contacts.list (" + sort + ") returned contact " + c.id() + " on two pages");
                        }
                    }
                    cursor = o.value.nextCursor().orElse(null);
                    if (cursor != null) {
                        contactCursorSorts.put(cursor, sort);
                        rememberCursor(contactCursors, m, cursor);
                    }
                } while (cursor != null);
                for (ContactRow row : m.contacts.values()) {
                    if (!seen.containsKey(row.id)) {
                        violations.add("contacts.list (" + sort + ") for org " + m.organizationId + " missed contact " + row.id);
                    }
                }
            }

            void findByPhone(IsolationModel m, OrgContext ctx, Contacts contacts) {
                int kind = random.nextInt(5);
                if (kind == 0) {
                    invalid("contacts.findByPhone invalid", v -> v.contacts(ctx).findByPhone(random.nextBoolean() ? " " : "12"),
                            InvalidInputException.class);
                    return;
                }
                boolean foreign = kind == 1 || kind == 2;
                String phone = foreign ? any(phones.get(other(m).organizationId), random) : anyCertainPhone(m);
                if (phone == null || (foreign && (m.contacts.containsKey(phone) || m.uncertainPhones.contains(phone)))) {
                    return;
                }
                Outcome<Optional<Contact>> o = call("contacts.findByPhone", () -> contacts.findByPhone(phone));
                if (ok("contacts.findByPhone", o)) {
                    if (foreign && o.value.isPresent()) {
                        violations.add("contacts.findByPhone for org " + m.organizationId + " found contact "
                                + o.value.get().id() + " of org " + o.value.get().organizationId());
                    } else if (!foreign) {
                        if (o.value.isEmpty()) {
                            violations.add("contacts.findByPhone missed contact " + m.contacts.get(phone).id);
                        } else {
                            checkContact("contacts.findByPhone", m, o.value.get());
                        }
                    }
                }
            }

            void importContacts(IsolationModel m, OrgContext ctx, Contacts contacts) {
                boolean invalid = random.nextInt(3) == 0;
                List<NewContact> batch = new ArrayList<>();
                List<String> batchPhones = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    String phone = phone();
                    batchPhones.add(phone);
                    batch.add(NewContact.named("Imported" + nameCounter.incrementAndGet()).phone(invalid && i == 1 ? "1" : phone));
                }
                if (invalid) {
                    invalid("contacts.importAll", v -> v.contacts(ctx).importAll(batch), BulkImportException.class);
                    return;
                }
                Outcome<List<Contact>> o = call("contacts.importAll", () -> contacts.importAll(batch));
                if (ok("contacts.importAll", o)) {
                    for (int i = 0; i < o.value.size(); i++) {
                        checkCreated("contacts.importAll", m, o.value.get(i), batch.get(i).name(), null);
                    }
                } else if (o.lost && o.unknown) {
                    batchPhones.forEach(m::contactUncertain);
                }
            }

            void touch(IsolationModel m, OrgContext ctx, Contacts contacts) {
                int kind = random.nextInt(6);
                if (kind == 0) {
                    invalid("contacts.touch invalid", v -> v.contacts(ctx).touch(null), InvalidInputException.class);
                    return;
                }
                if (kind == 1) {
                    UUID gone = goneContactId(m);
                    if (gone != null) {
                        refused("contacts.touch deleted", call("contacts.touch deleted", () -> contacts.touch(gone)),
                                NotFoundException.class);
                    }
                    return;
                }
                String phone = anyCertainPhone(m);
                if (phone == null) {
                    return;
                }
                ContactRow row = m.contacts.get(phone);
                Outcome<Contact> o = call("contacts.touch", () -> contacts.touch(row.id));
                if (ok("contacts.touch", o)) {
                    if (o.value.lastContactAt() == null) {
                        violations.add("contacts.touch returned contact " + row.id + " without a last contact time");
                        return;
                    }
                    row.lastContactAt = o.value.lastContactAt().toInstant();
                    checkContact("contacts.touch", m, o.value);
                } else if (o.lost && o.unknown) {
                    m.contactUncertain(phone);
                }
            }

            void recordContact(IsolationModel m, OrgContext ctx, Contacts contacts) {
                int kind = random.nextInt(6);
                String phone = anyCertainPhone(m);
                if (kind == 0) {
                    UUID id = phone == null ? UUID.randomUUID() : m.contacts.get(phone).id;
                    OffsetDateTime future = random.nextBoolean() ? null : OffsetDateTime.now(ZoneOffset.UTC).plusHours(1);
                    invalid("contacts.recordContact invalid", v -> v.contacts(ctx).recordContact(id, future),
                            InvalidInputException.class);
                    return;
                }
                if (kind == 1) {
                    UUID gone = goneContactId(m);
                    if (gone != null) {
                        refused("contacts.recordContact deleted", call("contacts.recordContact deleted",
                                () -> contacts.recordContact(gone, OffsetDateTime.now(ZoneOffset.UTC))), NotFoundException.class);
                    }
                    return;
                }
                if (phone == null) {
                    return;
                }
                ContactRow row = m.contacts.get(phone);
                // mostly in the past, in any order (webhooks arrive late); now and then a minute ahead (clock skew)
                OffsetDateTime when = (kind == 2 ? OffsetDateTime.now(ZoneOffset.UTC).plusMinutes(1)
                        : OffsetDateTime.now(ZoneOffset.UTC).minusMinutes(random.nextInt(60 * 24 * 30)))
                        .truncatedTo(java.time.temporal.ChronoUnit.MICROS);
                Outcome<Contact> o = call("contacts.recordContact", () -> contacts.recordContact(row.id, when));
                if (ok("contacts.recordContact", o)) {
                    Instant expected = row.lastContactAt == null || when.toInstant().isAfter(row.lastContactAt)
                            ? when.toInstant() : row.lastContactAt;
                    row.lastContactAt = expected;
                    if (row.leadStatus.equals("new")) {
                        row.leadStatus = "contacted";
                    }
                    checkContact("contacts.recordContact", m, o.value);
                } else if (o.lost && o.unknown) {
                    m.contactUncertain(phone);
                }
            }

            /** Exact per status where the model is certain; an uncertain contact may be counted under any status. */
            void checkCounts(IsolationModel m, Map<LeadStatusType, Long> counts) {
                if (!counts.keySet().equals(java.util.EnumSet.allOf(LeadStatusType.class))) {
                    violations.add("contacts.countsByLeadStatus did not give every status: " + counts.keySet());
                    return;
                }
                for (LeadStatusType status : LeadStatusType.values()) {
                    long certain = m.contacts.values().stream().filter(c -> c.leadStatus.equals(status.getLiteral())).count();
                    long counted = counts.get(status);
                    if (counted < certain || counted > certain + m.uncertainPhones.size()) {
                        violations.add("contacts.countsByLeadStatus for org " + m.organizationId + ": " + status + " "
                                + counted + ", model " + certain + " (+" + m.uncertainPhones.size() + " uncertain)");
                    }
                }
            }

            void checkCreated(String op, IsolationModel m, Contact c, String name, String notes) {
                owned(op, m, c.organizationId(), null, null);
                if (!c.name().equals(name) || !java.util.Objects.equals(c.notes(), notes)
                        || c.leadStatus() != LeadStatusType.NEW || c.lastContactAt() != null) {
                    violations.add(op + " returned contact " + c.id() + " unlike what was created");
                }
                remember(m, c);
            }

            // ---------------------------------------------------------------- appointments

            void book(IsolationModel m, OrgContext ctx, Appointments appointments) {
                String phone = anyCertainPhone(m);
                if (phone == null) {
                    return;
                }
                UUID contactId = m.contacts.get(phone).id;
                OffsetDateTime start = slot();
                if (random.nextInt(8) == 0) {
                    Duration wrong = List.of(Duration.ZERO, Duration.ofMinutes(1441), Duration.ofSeconds(90)).get(random.nextInt(3));
                    invalid("appointments.book invalid", v -> v.appointments(ctx).book(contactId, ServiceType.BOTOX, start, wrong),
                            InvalidInputException.class);
                    return;
                }
                IsolationModel.Slot slot = m.slot(start.toInstant(), 60, null);
                // half of them with a caller-chosen id, retried once after an unknown outcome
                UUID id = random.nextBoolean() ? UUID.randomUUID() : null;
                Callable<Appointment> booking = id == null
                        ? () -> appointments.book(contactId, ServiceType.CONSULTATION, start, Duration.ofMinutes(60))
                        : () -> appointments.book(contactId, ServiceType.CONSULTATION, start, Duration.ofMinutes(60), id);
                Outcome<Appointment> o = call("appointments.book", booking);
                if (o.lost && o.unknown && id != null) {
                    // either books, or returns the booking the first attempt made
                    o = call("appointments.book retried", booking);
                    if (o.lost) {
                        m.appointmentUncertain(start.toInstant());
                        return;
                    }
                }
                if (id != null && o.value != null && !o.value.id().equals(id)) {
                    violations.add("a booking with a chosen id returned another id");
                }
                booked("appointments.book", m, o, contactId, start, 60, slot);
            }

            /** A booking half an hour into another appointment: refused exactly when that one holds its slot. */
            void bookOverlapping(IsolationModel m, OrgContext ctx, Appointments appointments) {
                String phone = anyCertainPhone(m);
                Instant target = random.nextInt(3) == 0 ? anyDeletedAppointment(m) : anyAppointment(m);
                Instant start = target == null ? null : halfAnHourInto(m, target);
                if (phone == null || start == null) {
                    return;
                }
                UUID contactId = m.contacts.get(phone).id;
                IsolationModel.Slot slot = m.slot(start, 60, null);
                OffsetDateTime at = start.atOffset(ZoneOffset.UTC);
                Outcome<Appointment> o = call("appointments.book overlapping", () -> appointments.book(contactId,
                        ServiceType.BOTOX, at, Duration.ofMinutes(60)));
                booked("appointments.book overlapping", m, o, contactId, at, 60, slot);
            }

            /** The outcome of a booking the model expected to find {@code slot}. */
            void booked(String op, IsolationModel m, Outcome<Appointment> o, UUID contactId, OffsetDateTime start, int minutes,
                        IsolationModel.Slot slot) {
                if (slot == IsolationModel.Slot.TAKEN) {
                    refused(op + " into a taken slot", o, DoubleBookingException.class);
                } else if (slot == IsolationModel.Slot.UNKNOWN && o.thrown instanceof DoubleBookingException) {
                    return;  // an appointment of unknown outcome may hold the slot
                } else if (ok(op, o)) {
                    checkBooked(op, m, o.value, contactId, start, minutes);
                } else if (o.lost && o.unknown) {
                    m.appointmentUncertain(start.toInstant());
                }
            }

            void checkBooked(String op, IsolationModel m, Appointment a, UUID contactId, OffsetDateTime start, int minutes) {
                owned(op, m, a.organizationId(), null, null);
                if (!a.contactId().equals(contactId) || !a.scheduledAt().toInstant().equals(start.toInstant())
                        || a.status() != AppointmentStatus.PENDING || a.deleted() || a.confirmationSent()
                        || a.duration().toMinutes() != minutes) {
                    violations.add(op + " returned appointment " + a.id() + " unlike what was booked");
                }
                m.appointments.put(start.toInstant(), new AppointmentRow(a.id(), contactId, minutes, "pending"));
                appointmentIds.get(m.organizationId).add(a.id());
            }

            void changeStatus(IsolationModel m, Appointments appointments) {
                Instant key = anyAppointment(m);
                if (key == null) {
                    return;
                }
                AppointmentRow row = m.appointments.get(key);
                AppointmentStatus to = AppointmentStatus.values()[random.nextInt(AppointmentStatus.values().length)];
                Outcome<Appointment> o = call("appointments.changeStatus", () -> appointments.changeStatus(row.id, to));
                if (row.deleted) {
                    refused("appointments.changeStatus deleted", o, NotFoundException.class);
                } else if (allowed(row.status, to.getLiteral())) {
                    if (ok("appointments.changeStatus", o)) {
                        row.status = to.getLiteral();
                        checkAppointment("appointments.changeStatus", m, o.value);
                    } else if (o.lost && o.unknown) {
                        m.appointmentUncertain(key);
                    }
                } else {
                    refused("appointments.changeStatus " + row.status + "->" + to.getLiteral(), o,
                            InvalidTransitionException.class);
                }
            }

            /** Every page of the clinic's appointments (deleted too, or only pending and confirmed, at times). */
            void listAppointments(IsolationModel m, OrgContext ctx, Appointments appointments) {
                if (random.nextInt(5) == 0) {
                    String foreignKind = any(contactCursors.get(m.organizationId), random);
                    OffsetDateTime at = slot();
                    AppointmentQuery wrong = switch (random.nextInt(4)) {
                        case 0 -> AppointmentQuery.all().from(at).until(at);
                        case 1 -> AppointmentQuery.all().limit(random.nextBoolean() ? 0 : AppointmentQuery.MAX_LIMIT + 1);
                        case 2 -> AppointmentQuery.all().statuses(AppointmentStatus.PENDING, null);
                        default -> AppointmentQuery.all().after(foreignKind != null ? foreignKind : "not-a-cursor");
                    };
                    invalid("appointments.list invalid", v -> v.appointments(ctx).list(wrong), InvalidInputException.class);
                    return;
                }
                boolean deleted = random.nextBoolean();
                boolean active = random.nextInt(3) == 0;
                AppointmentQuery base = AppointmentQuery.all().includeDeleted(deleted).limit(10 + random.nextInt(60));
                AppointmentQuery query = active ? base.statuses(AppointmentStatus.CONFIRMED, AppointmentStatus.PENDING) : base;
                java.util.function.Predicate<AppointmentRow> selected = a -> (deleted || !a.deleted)
                        && (!active || a.status.equals("pending") || a.status.equals("confirmed"));
                Set<UUID> seen = new java.util.HashSet<>();
                Appointment previous = null;
                String cursor = null;
                do {
                    String after = cursor;
                    Outcome<Page<Appointment>> o = call("appointments.list", () -> appointments.list(query.after(after)));
                    if (!ok("appointments.list", o)) {
                        return;
                    }
                    if (o.value.items().size() > query.limit()) {
                        violations.add("appointments.list returned " + o.value.items().size() + " for limit " + query.limit());
                    }
                    for (Appointment a : o.value.items()) {
                        checkAppointment("appointments.list", m, a);
                        AppointmentRow row = m.appointments.get(a.scheduledAt().toInstant());
                        if (row != null && !selected.test(row)) {
                            violations.add("appointments.list returned appointment " + a.id() + " its query excludes");
                        }
                        if (!seen.add(a.id())) {
                            violations.add("appointments.list returned appointment " + a.id() + " on two pages");
                        }
                        if (previous != null && !previous.scheduledAt().isBefore(a.scheduledAt())) {
                            violations.add("appointments.list is not by start: " + previous.id() + " before " + a.id());
                        }
                        previous = a;
                    }
                    cursor = o.value.nextCursor().orElse(null);
                    if (cursor != null) {
                        rememberCursor(appointmentCursors, m, cursor);
                    }
                } while (cursor != null);
                for (AppointmentRow row : m.appointments.values()) {
                    if (selected.test(row) && !seen.contains(row.id)) {
                        violations.add("appointments.list for org " + m.organizationId + " missed appointment " + row.id);
                    }
                }
            }

            void getAppointment(IsolationModel m, OrgContext ctx, Appointments appointments) {
                boolean including = random.nextBoolean();
                String op = including ? "appointments.getIncludingDeleted" : "appointments.get";
                int kind = random.nextInt(6);
                if (kind == 0) {
                    invalid(op + " invalid", v -> including ? v.appointments(ctx).getIncludingDeleted(null)
                            : v.appointments(ctx).get(null), InvalidInputException.class);
                    return;
                }
                if (kind == 1) {
                    UUID gone = goneAppointmentId(m);
                    if (gone != null) {
                        refused(op + " gone", call(op + " gone", () -> including ? appointments.getIncludingDeleted(gone)
                                : appointments.get(gone)), NotFoundException.class);
                    }
                    return;
                }
                Instant key = random.nextBoolean() ? anyDeletedAppointment(m) : anyAppointment(m);
                if (key == null) {
                    return;
                }
                AppointmentRow row = m.appointments.get(key);
                Outcome<Appointment> o = call(op, () -> including ? appointments.getIncludingDeleted(row.id) : appointments.get(row.id));
                if (row.deleted && !including) {
                    refused("appointments.get deleted", o, NotFoundException.class);
                } else if (ok(op, o)) {
                    checkAppointment(op, m, o.value);
                }
            }

            /** To a new slot or half an hour into another appointment, by the constraint's and the status's rules. */
            void reschedule(IsolationModel m, OrgContext ctx, Appointments appointments) {
                Instant key = anyAppointment(m);
                if (key == null) {
                    return;
                }
                AppointmentRow row = m.appointments.get(key);
                int kind = random.nextInt(5);
                if (kind == 0) {
                    Duration wrong = random.nextBoolean() ? Duration.ofSeconds(90) : Duration.ZERO;
                    OffsetDateTime start = slot();
                    invalid("appointments.reschedule invalid", v -> v.appointments(ctx).reschedule(row.id, start, wrong),
                            InvalidInputException.class);
                    return;
                }
                Instant to;
                if (kind == 1) {
                    Instant target = anyAppointment(m);
                    to = halfAnHourInto(m, target);
                    if (to == null) {
                        return;
                    }
                } else {
                    to = slot().toInstant();
                }
                int minutes = random.nextBoolean() ? 30 : 60;
                String op = kind == 1 ? "appointments.reschedule overlapping" : "appointments.reschedule";
                Outcome<Appointment> o = call(op, () -> appointments.reschedule(row.id, to.atOffset(ZoneOffset.UTC),
                        Duration.ofMinutes(minutes)));
                if (row.deleted) {
                    refused(op + " deleted", o, NotFoundException.class);
                    return;
                }
                if (!row.status.equals("pending") && !row.status.equals("confirmed")) {
                    refused(op + " " + row.status, o, ConflictException.class);
                    return;
                }
                IsolationModel.Slot slot = m.slot(to, minutes, row.id);
                if (slot == IsolationModel.Slot.TAKEN) {
                    refused(op + " into a taken slot", o, DoubleBookingException.class);
                } else if (slot == IsolationModel.Slot.UNKNOWN && o.thrown instanceof DoubleBookingException) {
                    return;
                } else if (ok(op, o)) {
                    m.appointments.remove(key);
                    row.minutes = minutes;
                    m.appointments.put(to, row);
                    checkAppointment(op, m, o.value);
                } else if (o.lost && o.unknown) {
                    m.appointmentUncertain(key);
                    m.uncertainStarts.add(to);
                }
            }

            void softDelete(IsolationModel m, OrgContext ctx, Appointments appointments) {
                if (random.nextInt(6) == 0) {
                    invalid("appointments.softDelete invalid", v -> v.appointments(ctx).softDelete(null), InvalidInputException.class);
                    return;
                }
                Instant key = random.nextInt(4) == 0 ? anyDeletedAppointment(m) : anyAppointment(m);
                if (key == null) {
                    return;
                }
                AppointmentRow row = m.appointments.get(key);
                Outcome<Appointment> o = call("appointments.softDelete", () -> appointments.softDelete(row.id));
                if (row.deleted) {
                    refused("appointments.softDelete deleted", o, NotFoundException.class);
                } else if (ok("appointments.softDelete", o)) {
                    row.deleted = true;
                    checkAppointment("appointments.softDelete", m, o.value);
                } else if (o.lost && o.unknown) {
                    m.appointmentUncertain(key);
                }
            }

            /** Restoring into a slot taken meanwhile is refused; a restore of one not deleted changes nothing. */
            void restore(IsolationModel m, OrgContext ctx, Appointments appointments) {
                int kind = random.nextInt(8);
                if (kind == 0) {
                    invalid("appointments.restore invalid", v -> v.appointments(ctx).restore(null), InvalidInputException.class);
                    return;
                }
                if (kind == 1) {
                    UUID gone = goneAppointmentId(m);
                    if (gone != null) {
                        refused("appointments.restore gone", call("appointments.restore gone", () -> appointments.restore(gone)),
                                NotFoundException.class);
                    }
                    return;
                }
                Instant key = kind == 2 ? anyAppointment(m) : anyDeletedAppointment(m);
                if (key == null) {
                    return;
                }
                AppointmentRow row = m.appointments.get(key);
                String op = row.deleted ? "appointments.restore" : "appointments.restore not deleted";
                Outcome<Appointment> o = call(op, () -> appointments.restore(row.id));
                IsolationModel.Slot slot = row.deleted && isActive(row.status)
                        ? m.slot(key, row.minutes, row.id) : IsolationModel.Slot.FREE;
                if (slot == IsolationModel.Slot.TAKEN) {
                    refused("appointments.restore into a taken slot", o, DoubleBookingException.class);
                } else if (slot == IsolationModel.Slot.UNKNOWN && o.thrown instanceof DoubleBookingException) {
                    return;
                } else if (ok(op, o)) {
                    row.deleted = false;
                    checkAppointment(op, m, o.value);
                } else if (o.lost && o.unknown) {
                    m.appointmentUncertain(key);
                }
            }

            void markConfirmationSent(IsolationModel m, OrgContext ctx, Appointments appointments) {
                if (random.nextInt(6) == 0) {
                    invalid("appointments.markConfirmationSent invalid", v -> v.appointments(ctx).markConfirmationSent(null),
                            InvalidInputException.class);
                    return;
                }
                Instant key = anyAppointment(m);
                if (key == null) {
                    return;
                }
                AppointmentRow row = m.appointments.get(key);
                Outcome<Appointment> o = call("appointments.markConfirmationSent", () -> appointments.markConfirmationSent(row.id));
                if (row.deleted) {
                    refused("appointments.markConfirmationSent deleted", o, NotFoundException.class);
                } else if (ok("appointments.markConfirmationSent", o)) {
                    row.confirmationSent = true;
                    checkAppointment("appointments.markConfirmationSent", m, o.value);
                } else if (o.lost && o.unknown) {
                    m.appointmentUncertain(key);
                }
            }

            /** The next pending or confirmed appointments (all of the test's lie ahead), soonest first. */
            void upcoming(IsolationModel m, OrgContext ctx, Appointments appointments) {
                if (random.nextInt(5) == 0) {
                    int wrong = random.nextBoolean() ? 0 : AppointmentQuery.MAX_LIMIT + 1;
                    invalid("appointments.upcoming invalid", v -> v.appointments(ctx).upcoming(wrong), InvalidInputException.class);
                    return;
                }
                int limit = 1 + random.nextInt(40);
                Outcome<List<Appointment>> o = call("appointments.upcoming", () -> appointments.upcoming(limit));
                if (!ok("appointments.upcoming", o)) {
                    return;
                }
                List<Appointment> got = o.value;
                if (got.size() > limit) {
                    violations.add("appointments.upcoming returned " + got.size() + " for limit " + limit);
                }
                Set<UUID> ids = new java.util.HashSet<>();
                for (int i = 0; i < got.size(); i++) {
                    Appointment a = got.get(i);
                    checkAppointment("appointments.upcoming", m, a);
                    ids.add(a.id());
                    if (a.deleted() || (a.status() != AppointmentStatus.PENDING && a.status() != AppointmentStatus.CONFIRMED)) {
                        violations.add("appointments.upcoming returned appointment " + a.id() + " that is " + a.status()
                                + (a.deleted() ? ", deleted" : ""));
                    }
                    if (i > 0 && !got.get(i - 1).scheduledAt().isBefore(a.scheduledAt())) {
                        violations.add("appointments.upcoming is not soonest first at " + a.id());
                    }
                }
                // Every certain upcoming one before the last returned (or every one, on a short page) is there.
                Instant last = got.isEmpty() ? null : got.get(got.size() - 1).scheduledAt().toInstant();
                m.appointments.forEach((start, a) -> {
                    boolean upcoming = !a.deleted && (a.status.equals("pending") || a.status.equals("confirmed"));
                    if (upcoming && !ids.contains(a.id) && (got.size() < limit || start.isBefore(last))) {
                        violations.add("appointments.upcoming for org " + m.organizationId + " missed appointment " + a.id);
                    }
                });
            }

            // ---------------------------------------------------------------- notifications

            void createNotification(IsolationModel m, Notifications notifications) {
                UUID target = m.users.get(random.nextInt(2));
                String title = "T" + nameCounter.incrementAndGet();
                // half of them with a caller-chosen id, retried once after an unknown outcome
                UUID id = random.nextBoolean() ? UUID.randomUUID() : null;
                NewNotification n = NewNotification.of(NotificationType.SYSTEM_ALERT, title, "message").id(id);
                Outcome<UUID> o = call("notifications.create", () -> notifications.create(target, n));
                if (o.lost && o.unknown && id != null) {
                    // either creates, or returns the id of the one the first attempt made
                    o = call("notifications.create retried", () -> notifications.create(target, n));
                    if (o.lost) {
                        m.notificationUncertain(title, target);
                        return;
                    }
                }
                if (id != null && o.value != null && !o.value.equals(id)) {
                    violations.add("a notification with a chosen id returned another id");
                }
                if (ok("notifications.create", o)) {
                    m.notifications.put(title, new NotificationRow(o.value, target, "unread"));
                    notificationIds.get(m.organizationId).add(o.value);
                } else if (o.lost && o.unknown) {
                    m.notificationUncertain(title, target);
                }
            }

            void markRead(IsolationModel m, UUID user, Notifications notifications) {
                String title = anyNotification(m);
                if (title == null) {
                    return;
                }
                NotificationRow row = m.notifications.get(title);
                Outcome<Notification> o = call("notifications.markRead", () -> notifications.markRead(row.id));
                if (!row.userId.equals(user)) {
                    refused("notifications.markRead of another user", o, NotFoundException.class);
                } else if (ok("notifications.markRead", o)) {
                    if (row.status.equals("unread")) {
                        // the first read: its time is the one every later read keeps
                        row.status = "read";
                        row.readAt = o.value.readAt() == null ? null : o.value.readAt().toInstant();
                    }
                    checkNotification("notifications.markRead", m, o.value, user);
                } else if (o.lost && o.unknown) {
                    m.notificationUncertain(title, user);
                }
            }

            /** Every page of the acting user's notifications (at times of one status), the cursor followed to the end. */
            void listNotifications(IsolationModel m, OrgContext ctx, UUID user, Notifications notifications) {
                if (random.nextInt(5) == 0) {
                    NotificationQuery wrong = random.nextBoolean()
                            ? NotificationQuery.all().limit(random.nextBoolean() ? 0 : 101)
                            : NotificationQuery.all().after(Optional.ofNullable(any(contactCursors.get(m.organizationId), random))
                                    .orElse("not-a-cursor"));
                    invalid("notifications.list invalid", v -> v.notifications(ctx).list(wrong), InvalidInputException.class);
                    return;
                }
                NotificationStatus status = random.nextBoolean() ? null
                        : NotificationStatus.values()[random.nextInt(NotificationStatus.values().length)];
                NotificationQuery query = NotificationQuery.all().status(status).limit(10 + random.nextInt(60));
                Set<UUID> seen = new java.util.HashSet<>();
                String cursor = null;
                do {
                    String after = cursor;
                    Outcome<Page<Notification>> o = call("notifications.list", () -> notifications.list(query.after(after)));
                    if (!ok("notifications.list", o)) {
                        return;
                    }
                    for (Notification n : o.value.items()) {
                        checkNotification("notifications.list", m, n, user);
                        if (status != null && n.status() != status) {
                            violations.add("notifications.list of " + status + " returned one " + n.status());
                        }
                        if (!seen.add(n.id())) {
                            violations.add("notifications.list returned notification " + n.id() + " on two pages");
                        }
                    }
                    cursor = o.value.nextCursor().orElse(null);
                } while (cursor != null);
                m.notifications.forEach((title, n) -> {
                    if (n.userId.equals(user) && (status == null || n.status.equals(status.getLiteral())) && !seen.contains(n.id)) {
                        violations.add("notifications.list for user " + user + " missed notification " + n.id);
                    }
                });
            }

            void getNotification(IsolationModel m, OrgContext ctx, UUID user, Notifications notifications) {
                if (random.nextInt(6) == 0) {
                    invalid("notifications.get invalid", v -> v.notifications(ctx).get(null), InvalidInputException.class);
                    return;
                }
                String title = anyNotification(m);
                if (title == null) {
                    return;
                }
                NotificationRow row = m.notifications.get(title);
                Outcome<Notification> o = call("notifications.get", () -> notifications.get(row.id));
                if (!row.userId.equals(user)) {
                    refused("notifications.get of another user", o, NotFoundException.class);
                } else if (ok("notifications.get", o)) {
                    checkNotification("notifications.get", m, o.value, user);
                }
            }

            /** All of the acting user's unread become read, and only those: its count is the model's. */
            void markAllRead(IsolationModel m, UUID user, Notifications notifications) {
                Outcome<Integer> o = call("notifications.markAllRead", notifications::markAllRead);
                if (ok("notifications.markAllRead", o)) {
                    allRead(m, user, o.value, "notifications.markAllRead");
                } else if (o.lost && o.unknown) {
                    m.unreadOfUserUncertain(user);
                }
            }

            void allRead(IsolationModel m, UUID user, int changed, String op) {
                long expected = m.notifications.values().stream()
                        .filter(n -> n.userId.equals(user) && n.status.equals("unread")).count();
                if (!m.uncertainUsers.contains(user) && changed != expected) {
                    violations.add(op + " changed " + changed + ", model " + expected);
                }
                m.notifications.values().forEach(n -> {
                    if (n.userId.equals(user) && n.status.equals("unread")) {
                        n.status = "read";
                        n.readAt = NotificationRow.READ_AT_NOT_RETURNED;
                    }
                });
                // none of the user's notifications, of unknown outcome or not, is unread now
                m.uncertainUsers.remove(user);
            }

            void archive(IsolationModel m, OrgContext ctx, UUID user, Notifications notifications) {
                if (random.nextInt(6) == 0) {
                    invalid("notifications.archive invalid", v -> v.notifications(ctx).archive(null), InvalidInputException.class);
                    return;
                }
                String title = anyNotification(m);
                if (title == null) {
                    return;
                }
                NotificationRow row = m.notifications.get(title);
                Outcome<Notification> o = call("notifications.archive", () -> notifications.archive(row.id));
                if (!row.userId.equals(user)) {
                    refused("notifications.archive of another user", o, NotFoundException.class);
                } else if (ok("notifications.archive", o)) {
                    row.status = "archived";
                    checkNotification("notifications.archive", m, o.value, user);
                } else if (o.lost && o.unknown) {
                    m.notificationUncertain(title, user);
                }
            }

            // ---------------------------------------------------------------- the organization, contexts

            /** The organization a context belongs to; a missing context is refused at every entry point. */
            void organization(IsolationModel m, OrgContext ctx) {
                if (random.nextInt(3) == 0) {
                    int entry = random.nextInt(6);
                    invalid("null context", v -> switch (entry) {
                        case 0 -> v.organization(null);
                        case 1 -> v.contacts(null);
                        case 2 -> v.appointments(null);
                        case 3 -> v.notifications(null);
                        case 4 -> v.inOrg(null, tx -> "never runs");
                        default -> {
                            v.runInOrg(null, tx -> { });
                            yield null;
                        }
                    }, TenantContextException.class);
                    return;
                }
                Outcome<Organization> o = call("organization", () -> voxanne.organization(ctx));
                if (ok("organization", o)) {
                    checkOrganization("organization", m, o.value);
                }
            }

            /**
             * A clinic's audit trail and its suspicious activity (the service scope, for the one clinic): every
             * event and pattern is of this clinic, its user one of the clinic's or none (backend work).
             */
            void auditTrail(IsolationModel m) {
                AuditTrail audit = voxanne.service().audit();
                switch (random.nextInt(4)) {
                    case 0 -> invalid("audit.events no organization", v -> v.service().audit().events(AuditQuery.organization(null)),
                            TenantContextException.class);
                    case 1 -> {
                        Outcome<List<SuspiciousActivity>> o = call("audit.suspiciousActivity",
                                () -> audit.suspiciousActivity(m.organizationId, Duration.ofHours(1), 1));
                        if (ok("audit.suspiciousActivity", o)) {
                            for (SuspiciousActivity s : o.value) {
                                owned("audit.suspiciousActivity", m, s.organizationId(), null, null);
                                actedByTheClinic("audit.suspiciousActivity", m, s.authenticatedUser());
                            }
                        }
                    }
                    default -> {
                        Outcome<Page<AuditEvent>> o = call("audit.events",
                                () -> audit.events(AuditQuery.organization(m.organizationId)));
                        if (ok("audit.events", o)) {
                            for (AuditEvent e : o.value.items()) {
                                owned("audit.events", m, e.organizationId(), null, null);
                                actedByTheClinic("audit.events", m, e.authenticatedUser());
                            }
                        }
                    }
                }
            }

            /**
             * The organizations of the service scope: a clinic of the run read by id, an unknown id, an invalid
             * name, and the lifecycle of a clinic made for the step (created, suspended, activated), which no
             * model holds: the final comparison shows the run's clinics untouched by it.
             */
            void organizations(IsolationModel m) {
                Organizations organizations = voxanne.service().organizations();
                switch (random.nextInt(4)) {
                    case 0 -> {
                        Outcome<Organization> o = call("organizations.get", () -> organizations.get(m.organizationId));
                        if (ok("organizations.get", o)) {
                            checkOrganization("organizations.get", m, o.value);
                        }
                    }
                    case 1 -> refused("organizations.get unknown", call("organizations.get unknown",
                            () -> organizations.get(UUID.randomUUID())), NotFoundException.class);
                    case 2 -> invalid("organizations.create invalid", v -> v.service().organizations().create(" ", "UTC"),
                            InvalidInputException.class);
                    default -> {
                        String name = "Clinic " + prefix + " step " + nameCounter.incrementAndGet();
                        Outcome<Organization> made = call("organizations.create", () -> organizations.create(name, "America/New_York"));
                        if (!ok("organizations.create", made)) {
                            return;
                        }
                        UUID id = made.value.id();
                        Outcome<Organization> suspended = call("organizations.suspend", () -> organizations.suspend(id));
                        if (ok("organizations.suspend", suspended) && suspended.value.status() != OrganizationStatus.SUSPENDED) {
                            violations.add("organizations.suspend left " + id + " " + suspended.value.status());
                        }
                        Outcome<Organization> active = call("organizations.activate", () -> organizations.activate(id));
                        if (ok("organizations.activate", active) && active.value.status() != OrganizationStatus.ACTIVE) {
                            violations.add("organizations.activate left " + id + " " + active.value.status());
                        }
                    }
                }
            }

            /** Expiry across organizations: no notification of the run carries an expiry, so none may change. */
            void expire() {
                Outcome<Integer> o = call("notifications.expire", () -> voxanne.service().notifications().expire());
                if (ok("notifications.expire", o) && o.value != 0) {
                    violations.add("notifications.expire archived " + o.value + " notification(s) that never expire");
                }
            }

            void actedByTheClinic(String op, IsolationModel m, UUID user) {
                if (user != null && !m.users.contains(user)) {
                    violations.add(op + " for org " + m.organizationId + " names user " + user + " of another clinic");
                }
            }

            void checkOrganization(String op, IsolationModel m, Organization org) {
                if (!org.id().equals(m.organizationId) || !org.name().equals(organizationNames.get(m.organizationId))
                        || org.status() != OrganizationStatus.ACTIVE) {
                    violations.add(op + " for org " + m.organizationId + " returned organization " + org.id() + " ("
                            + org.status() + ")");
                }
            }

            // ---------------------------------------------------------------- webhooks

            void webhook(IsolationModel m) {
                WebhookEvents webhooks = voxanne.service().webhooks();
                int kind = random.nextInt(7);
                List<String> retry = retryable.computeIfAbsent(m.organizationId, k -> new ArrayList<>());
                if (kind == 1 && !m.events.isEmpty()) {
                    List<String> processed = new ArrayList<>(m.events);
                    String eventId = processed.get(random.nextInt(processed.size()));
                    AtomicBoolean ran = new AtomicBoolean();
                    Outcome<WebhookOutcome> o = call("webhooks.processOnce duplicate",
                            () -> webhooks.processOnce(m.organizationId, eventId, "call.ended", tx -> ran.set(true)));
                    if (ok("webhooks.processOnce duplicate", o) && (o.value != WebhookOutcome.DUPLICATE || ran.get())) {
                        violations.add("a duplicate webhook event ran again: " + o.value);
                    }
                    return;
                }
                if (kind == 4) {
                    String fresh = "evt-" + prefix + "-" + nameCounter.incrementAndGet();
                    switch (random.nextInt(4)) {
                        case 0 -> invalid("webhooks.processOnce invalid", v -> v.service().webhooks().processOnce(
                                m.organizationId, random.nextBoolean() ? " " : "e".repeat(256), "call.ended", tx -> { }),
                                InvalidInputException.class);
                        case 1 -> invalid("webhooks.processOnce no organization", v -> v.service().webhooks().processOnce(
                                null, fresh, "call.ended", tx -> { }), TenantContextException.class);
                        case 2 -> refused("webhooks.processOnce unknown organization", call("webhooks.processOnce unknown organization",
                                () -> webhooks.processOnce(UUID.randomUUID(), fresh, "call.ended", tx -> { })), NotFoundException.class);
                        default -> invalid("webhooks.cleanup invalid", v -> v.service().webhooks().cleanup(Duration.ofHours(-1)),
                                InvalidInputException.class);
                    }
                    return;
                }
                if (kind == 5) {
                    // Every event of the run is minutes old: forgetting those over a day old forgets none.
                    Outcome<Integer> o = call("webhooks.cleanup", () -> webhooks.cleanup(Duration.ofDays(1)));
                    if (ok("webhooks.cleanup", o) && o.value != 0) {
                        violations.add("webhooks.cleanup of events over a day old forgot " + o.value);
                    }
                    return;
                }
                String eventId;
                if (kind == 3) {
                    eventId = any(eventIds.get(other(m).organizationId), random);
                    if (eventId == null || m.events.contains(eventId) || m.uncertainEvents.contains(eventId)
                            || retry.contains(eventId)) {
                        return;
                    }
                } else if (!retry.isEmpty() && random.nextBoolean()) {
                    eventId = retry.remove(retry.size() - 1);
                } else {
                    eventId = "evt-" + prefix + "-" + nameCounter.incrementAndGet();
                }
                boolean fail = kind == 2;
                // the service scope's notifications: create for a user of the organization, nothing that needs one
                boolean notify = kind == 6;
                UUID recipient = m.users.get(random.nextInt(2));
                String title = "W" + nameCounter.incrementAndGet();
                String phone = phone();
                String name = "Caller" + nameCounter.incrementAndGet();
                Contact[] created = new Contact[1];
                UUID[] notified = new UUID[1];
                Outcome<WebhookOutcome> o = call("webhooks.processOnce", () -> webhooks.processOnce(m.organizationId,
                        eventId, "call.ended", tx -> {
                            if (!tx.organizationId().equals(m.organizationId) || tx.userId().isPresent()) {
                                violations.add("a webhook handler of org " + m.organizationId + " ran bound to "
                                        + tx.organizationId() + " as " + tx.userId());
                            }
                            created[0] = tx.contacts().create(NewContact.named(name).phone(phone));
                            if (notify) {
                                checkOrganization("webhook handler tx.organization", m, tx.organization());
                                notified[0] = tx.notifications().create(recipient,
                                        NewNotification.of(NotificationType.MISSED_CALL, title, "m"));
                                try {
                                    tx.notifications().unreadCount();
                                    violations.add("unreadCount in a service scope did not refuse");
                                } catch (TenantContextException expected) {
                                    outcomes.computeIfAbsent("webhook handler notifications.unreadCount -> TenantContextException",
                                            k -> new AtomicLong()).incrementAndGet();
                                }
                            }
                            if (fail) {
                                throw new Boom();
                            }
                        }));
                if (fail) {
                    refused("webhooks.processOnce failing handler", o, Boom.class);
                    if (created[0] != null) {
                        contactIds.get(m.organizationId).add(created[0].id());
                    }
                    if (!o.lost || !o.unknown) {
                        retry.add(eventId);
                    } else {
                        m.eventUncertain(eventId);
                        m.contactUncertain(phone);
                    }
                } else if (ok("webhooks.processOnce", o)) {
                    if (o.value != WebhookOutcome.PROCESSED || created[0] == null) {
                        violations.add("a new webhook event was not processed: " + o.value);
                        return;
                    }
                    m.events.add(eventId);
                    eventIds.get(m.organizationId).add(eventId);
                    checkCreated("webhook handler", m, created[0], name, null);
                    if (notify) {
                        m.notifications.put(title, new NotificationRow(notified[0], recipient, "unread"));
                        notificationIds.get(m.organizationId).add(notified[0]);
                    }
                } else if (o.lost && o.unknown) {
                    m.eventUncertain(eventId);
                    m.contactUncertain(phone);
                    if (notify) {
                        m.notificationUncertain(title, recipient);
                    }
                }
            }

            // ---------------------------------------------------------------- units of work

            /**
             * Units of several calls: ones that commit, ones that fail midway and must leave nothing, one that
             * catches a database failure and goes on (the unit is aborted and says so), and one that takes a
             * failure back with a savepoint and commits.
             */
            void unit(IsolationModel m, OrgContext ctx) {
                int kind = random.nextInt(7);
                switch (kind) {
                    case 3 -> abortedUnit(m, ctx);
                    case 4 -> savepointUnit(m, ctx);
                    case 5 -> manyCallsThenBoom(m, ctx);
                    case 6 -> changesUnit(m, ctx);
                    default -> bookingUnit(m, ctx, kind);
                }
            }

            void bookingUnit(IsolationModel m, OrgContext ctx, int kind) {
                String phone = phone();
                String name = "Unit" + nameCounter.incrementAndGet();
                OffsetDateTime start = freeSlot(m);
                String title = "U" + nameCounter.incrementAndGet();
                UUID target = m.users.get(random.nextInt(2));
                String taken = anyCertainPhone(m);
                if (kind == 2 && taken == null) {
                    kind = 1;
                }
                int k = kind;
                Object[] made = new Object[3];
                Outcome<Contact> o = call("inOrg unit " + k, () -> voxanne.inOrg(ctx, tx -> {
                    Contact c = tx.contacts().create(NewContact.named(name).phone(phone));
                    made[0] = c;
                    made[1] = tx.appointments().book(c.id(), ServiceType.FILLER, start, Duration.ofMinutes(60));
                    made[2] = tx.notifications().create(target, NewNotification.of(NotificationType.APPOINTMENT_BOOKED, title, "m"));
                    tx.contacts().update(c.id(), ContactUpdate.empty().notes("in unit"));
                    if (k == 1) {
                        throw new Boom();
                    }
                    if (k == 2) {
                        tx.contacts().create(NewContact.named("Clash").phone(taken));
                    }
                    return c;
                }));
                if (k == 0) {
                    if (ok("inOrg unit", o)) {
                        Contact c = (Contact) made[0];
                        owned("inOrg unit", m, c.organizationId(), null, null);
                        contactIds.get(m.organizationId).add(c.id());
                        phones.get(m.organizationId).add(phone);
                        m.contacts.put(phone, new ContactRow(c.id(), name, "in unit"));
                        checkBooked("inOrg unit", m, (Appointment) made[1], c.id(), start, 60);
                        m.notifications.put(title, new NotificationRow((UUID) made[2], target, "unread"));
                        notificationIds.get(m.organizationId).add((UUID) made[2]);
                    } else if (o.lost && o.unknown) {
                        m.contactUncertain(phone);
                        m.appointmentUncertain(start.toInstant());
                        m.notificationUncertain(title, target);
                    }
                } else {
                    refused("inOrg unit failing midway " + k, o, k == 1 ? Boom.class : DuplicateException.class);
                    rolledBack(m, made);
                }
            }

            /** The ids existed inside a rolled-back unit; no clinic, this one included, may find them. */
            void rolledBack(IsolationModel m, Object[] made) {
                if (made[0] instanceof Contact c) {
                    contactIds.get(m.organizationId).add(c.id());
                }
                if (made[1] instanceof Appointment a) {
                    appointmentIds.get(m.organizationId).add(a.id());
                }
                if (made[2] instanceof UUID n) {
                    notificationIds.get(m.organizationId).add(n);
                }
            }

            /**
             * Catches a duplicate phone inside the unit and goes on: the transaction is aborted, so the next
             * call (or the commit) fails with 25P02 naming the caught failure, and nothing of the unit stays.
             */
            void abortedUnit(IsolationModel m, OrgContext ctx) {
                String taken = anyCertainPhone(m);
                if (taken == null) {
                    return;
                }
                String phone = phone();
                boolean callAgain = random.nextBoolean();
                OffsetDateTime free = freeSlot(m);
                Object[] made = new Object[3];
                DuplicateException[] caught = new DuplicateException[1];
                Outcome<Object> o = call("inOrg unit aborted", () -> voxanne.inOrg(ctx, tx -> {
                    Contact c = tx.contacts().create(NewContact.named("Aborted" + nameCounter.incrementAndGet()).phone(phone));
                    made[0] = c;
                    made[1] = tx.appointments().book(c.id(), ServiceType.OTHER, free, Duration.ofMinutes(30));
                    try {
                        tx.contacts().create(NewContact.named("Clash").phone(taken));
                    } catch (DuplicateException e) {
                        caught[0] = e;
                    }
                    if (callAgain) {
                        tx.contacts().touch(c.id());
                    }
                    return c;
                }), t -> t instanceof DataAccessFailureException d && "25P02".equals(d.sqlState()));
                refused("inOrg unit aborted", o, DataAccessFailureException.class);
                if (!o.lost && o.thrown instanceof DataAccessFailureException d && caught[0] != null && d.getCause() != caught[0]) {
                    violations.add("an aborted unit did not name the failure it caught: " + d.getCause());
                }
                if (!o.lost && caught[0] == null) {
                    violations.add("the clash inside an aborted unit was not a DuplicateException");
                }
                rolledBack(m, made);
            }

            /**
             * A unit that takes failures back and commits: another clinic's contact is "not found" (no database
             * failure), a duplicate inside {@code tx.dsl().transaction} is rolled back to its savepoint.
             */
            void savepointUnit(IsolationModel m, OrgContext ctx) {
                String taken = anyCertainPhone(m);
                UUID picked = any(contactIds.get(other(m).organizationId), random);
                // an id this clinic took over once the other had freed it (createWithForeignId) is its own now
                UUID foreign = picked == null || contactIds.get(m.organizationId).contains(picked) ? null : picked;
                String phone = phone();
                String name = "Saved" + nameCounter.incrementAndGet();
                Contact[] made = new Contact[1];
                Outcome<Contact> o = call("inOrg unit savepoint", () -> voxanne.inOrg(ctx, tx -> {
                    made[0] = tx.contacts().create(NewContact.named(name).phone(phone));
                    if (foreign != null) {
                        try {
                            Contact leaked = tx.contacts().get(foreign);
                            violations.add("a unit of org " + m.organizationId + " read contact " + leaked.id()
                                    + " of org " + leaked.organizationId());
                        } catch (NotFoundException expected) {
                            // goes on: nothing failed in the database
                        }
                    }
                    if (taken != null) {
                        try {
                            tx.dsl().transactionResult(c -> tx.contacts().create(NewContact.named("Clash").phone(taken)));
                            violations.add("a duplicate phone inside a savepoint was accepted");
                        } catch (DuplicateException expected) {
                            // rolled back to the savepoint; the unit goes on
                        }
                    }
                    return tx.contacts().update(made[0].id(), ContactUpdate.empty().notes("after the savepoint"));
                }));
                if (ok("inOrg unit savepoint", o)) {
                    checkCreated("inOrg unit savepoint", m, made[0], name, null);
                    m.contacts.get(phone).notes = "after the savepoint";
                    checkContact("inOrg unit savepoint", m, o.value);
                } else if (o.lost && o.unknown) {
                    m.contactUncertain(phone);
                }
            }

            /** The unit's writes of every kind, then the caller's failure: none of them may stay. */
            void manyCallsThenBoom(IsolationModel m, OrgContext ctx) {
                String phone = anyCertainPhone(m);
                Instant movable = movableAppointment(m);
                Instant other = anyAppointment(m);
                String title = anyNotification(m);
                UUID user = ctx.userId();
                OffsetDateTime fresh = freeSlot(m);
                Outcome<Object> o = call("inOrg unit many calls then Boom", () -> voxanne.inOrg(ctx, tx -> {
                    checkOrganization("tx.organization", m, tx.organization());
                    if (movable != null) {
                        UUID id = m.appointments.get(movable).id;
                        tx.appointments().reschedule(id, fresh, Duration.ofMinutes(30));
                        tx.appointments().markConfirmationSent(id);
                        tx.appointments().softDelete(id);
                        tx.appointments().restore(id);
                        tx.appointments().upcoming(5);
                    }
                    if (other != null && !m.appointments.get(other).deleted) {
                        tx.appointments().get(m.appointments.get(other).id);
                        tx.appointments().softDelete(m.appointments.get(other).id);
                    }
                    if (phone != null) {
                        UUID id = m.contacts.get(phone).id;
                        tx.contacts().touch(id);
                        tx.contacts().recordContact(id, OffsetDateTime.now(ZoneOffset.UTC).minusDays(1));
                        tx.contacts().update(id, ContactUpdate.empty().name("Never committed").leadStatus(LeadStatusType.LOST));
                        tx.contacts().countsByLeadStatus();
                    }
                    tx.notifications().markAllRead();
                    if (title != null && m.notifications.get(title).userId.equals(user)) {
                        tx.notifications().archive(m.notifications.get(title).id);
                    }
                    tx.notifications().list(NotificationQuery.all());
                    throw new Boom();
                }));
                refused("inOrg unit many calls then Boom", o, Boom.class);
            }

            /** A pending or confirmed, not deleted appointment, or null. */
            Instant movableAppointment(IsolationModel m) {
                List<Instant> movable = new ArrayList<>();
                m.appointments.forEach((start, a) -> {
                    if (!a.deleted && (a.status.equals("pending") || a.status.equals("confirmed"))) {
                        movable.add(start);
                    }
                });
                return movable.isEmpty() ? null : movable.get(random.nextInt(movable.size()));
            }

            /** A unit that commits changes of several kinds: all of them stay, together. */
            void changesUnit(IsolationModel m, OrgContext ctx) {
                Instant key = movableAppointment(m);
                String phone = anyCertainPhone(m);
                if (key == null || phone == null) {
                    return;
                }
                AppointmentRow row = m.appointments.get(key);
                ContactRow contact = m.contacts.get(phone);
                OffsetDateTime to = freeSlot(m);
                UUID user = ctx.userId();
                Object[] made = new Object[3];
                Outcome<Appointment> o = call("inOrg unit changes", () -> voxanne.inOrg(ctx, tx -> {
                    tx.appointments().reschedule(row.id, to, Duration.ofMinutes(30));
                    made[0] = tx.contacts().touch(contact.id);
                    made[1] = tx.notifications().markAllRead();
                    return tx.appointments().markConfirmationSent(row.id);
                }));
                if (ok("inOrg unit changes", o)) {
                    m.appointments.remove(key);
                    row.minutes = 30;
                    row.confirmationSent = true;
                    m.appointments.put(to.toInstant(), row);
                    checkAppointment("inOrg unit changes", m, o.value);
                    contact.lastContactAt = ((Contact) made[0]).lastContactAt().toInstant();
                    checkContact("inOrg unit changes", m, (Contact) made[0]);
                    allRead(m, user, (Integer) made[1], "inOrg unit changes: markAllRead");
                } else if (o.lost && o.unknown) {
                    m.appointmentUncertain(key);
                    m.uncertainStarts.add(to.toInstant());
                    m.contactUncertain(phone);
                    m.unreadOfUserUncertain(user);
                }
            }

            // ---------------------------------------------------------------- across clinics

            /**
             * Calls on another clinic's ids: every one is "not found" or refused, and none writes (the other
             * clinic's rows are compared with its model at the end).
             */
            void crossTenant(IsolationModel m, OrgContext ctx, Contacts contacts, Appointments appointments,
                             Notifications notifications) {
                IsolationModel y = other(m);
                UUID contactId = any(contactIds.get(y.organizationId), random);
                UUID appointmentId = any(appointmentIds.get(y.organizationId), random);
                UUID notificationId = any(notificationIds.get(y.organizationId), random);
                int kind = random.nextInt(22);
                UUID needed = kind <= 7 ? contactId : kind <= 16 ? appointmentId : kind <= 20 ? notificationId : y.organizationId;
                if (needed == null || contactIds.get(m.organizationId).contains(needed)
                        || appointmentIds.get(m.organizationId).contains(needed)
                        || notificationIds.get(m.organizationId).contains(needed)) {
                    return;  // none yet, or an id this clinic took over once it was free
                }
                switch (kind) {
                    case 0 -> cross("contacts.get", () -> contacts.get(contactId), NotFoundException.class);
                    case 1 -> cross("contacts.update", () -> contacts.update(contactId,
                            ContactUpdate.empty().name("Hijacked").notes("hijacked")), NotFoundException.class);
                    case 2 -> cross("contacts.delete", () -> {
                        contacts.delete(contactId);
                        return null;
                    }, NotFoundException.class);
                    case 3 -> cross("appointments.book", () -> appointments.book(
                            contactId, ServiceType.OTHER, slot(), Duration.ofMinutes(30)), NotFoundException.class);
                    case 4 -> cross("contacts.touch", () -> contacts.touch(contactId), NotFoundException.class);
                    case 5 -> cross("contacts.recordContact", () -> contacts.recordContact(contactId,
                            OffsetDateTime.now(ZoneOffset.UTC)), NotFoundException.class);
                    case 6 -> createWithForeignId(m, contacts, contactId);
                    case 7 -> cross("inOrg contacts.touch", () -> voxanne.inOrg(ctx, tx -> tx.contacts().touch(contactId)),
                            NotFoundException.class);
                    case 8 -> cross("appointments.changeStatus", () -> appointments.changeStatus(appointmentId,
                            AppointmentStatus.CANCELLED), NotFoundException.class);
                    case 9 -> cross("appointments.get", () -> appointments.get(appointmentId), NotFoundException.class);
                    case 10 -> cross("appointments.getIncludingDeleted", () -> appointments.getIncludingDeleted(appointmentId),
                            NotFoundException.class);
                    case 11 -> cross("appointments.reschedule", () -> appointments.reschedule(appointmentId, slot(),
                            Duration.ofMinutes(30)), NotFoundException.class);
                    case 12 -> cross("appointments.softDelete", () -> appointments.softDelete(appointmentId), NotFoundException.class);
                    case 13 -> cross("appointments.restore", () -> appointments.restore(appointmentId), NotFoundException.class);
                    case 14 -> cross("appointments.markConfirmationSent", () -> appointments.markConfirmationSent(appointmentId),
                            NotFoundException.class);
                    case 15 -> cross("inOrg appointments.softDelete", () -> voxanne.inOrg(ctx,
                            tx -> tx.appointments().softDelete(appointmentId)), NotFoundException.class);
                    case 16 -> bookWithForeignId(m, appointments, appointmentId);
                    case 17 -> cross("notifications.markRead", () -> notifications.markRead(notificationId), NotFoundException.class);
                    case 18 -> cross("notifications.get", () -> notifications.get(notificationId), NotFoundException.class);
                    case 19 -> cross("notifications.archive", () -> notifications.archive(notificationId), NotFoundException.class);
                    case 20 -> notifyWithForeignId(m, ctx.userId(), notifications, notificationId);
                    default -> foreignCursor(m, y, contacts, appointments);
                }
            }

            /*
             * A caller-chosen id that is another clinic's row is refused as a colliding random id would be
             * (DuplicateException, nothing told). The other clinic may have deleted the row meanwhile (or it
             * was rolled back), and then the id is free: the create succeeds, in this clinic. Either way the
             * other clinic's row is untouched, which its model checks at the end.
             */

            void createWithForeignId(IsolationModel m, Contacts contacts, UUID id) {
                if (contactIds.get(m.organizationId).contains(id)) {
                    return;  // taken over earlier: a create with it now returns this clinic's contact
                }
                String phone = phone();
                String name = "Copy" + nameCounter.incrementAndGet();
                Outcome<Contact> o = call("cross contacts.create with its id",
                        () -> contacts.create(NewContact.named(name).phone(phone).id(id)));
                if (o.thrown instanceof DuplicateException || o.lost && !o.unknown) {
                    return;
                }
                if (ok("cross contacts.create with its id", o)) {
                    checkCreated("cross contacts.create with its id (the id was free)", m, o.value, name, null);
                } else if (o.lost) {
                    m.contactUncertain(phone);
                }
            }

            void bookWithForeignId(IsolationModel m, Appointments appointments, UUID id) {
                String phone = anyCertainPhone(m);
                if (phone == null || appointmentIds.get(m.organizationId).contains(id)) {
                    return;
                }
                UUID mine = m.contacts.get(phone).id;
                OffsetDateTime start = slot();
                IsolationModel.Slot slot = m.slot(start.toInstant(), 30, null);
                Outcome<Appointment> o = call("cross appointments.book with its id", () -> appointments.book(mine,
                        ServiceType.OTHER, start, Duration.ofMinutes(30), id));
                if (!(o.thrown instanceof DuplicateException)) {
                    booked("cross appointments.book with its id (the id was free)", m, o, mine, start, 30, slot);
                }
            }

            void notifyWithForeignId(IsolationModel m, UUID user, Notifications notifications, UUID id) {
                if (notificationIds.get(m.organizationId).contains(id)) {
                    return;
                }
                String title = "X" + nameCounter.incrementAndGet();
                Outcome<UUID> o = call("cross notifications.create with its id", () -> notifications.create(user,
                        NewNotification.of(NotificationType.SYSTEM_ALERT, title, "m").id(id)));
                if (o.thrown instanceof DuplicateException || o.lost && !o.unknown) {
                    return;
                }
                if (ok("cross notifications.create with its id", o)) {
                    m.notifications.put(title, new NotificationRow(o.value, user, "unread"));
                    notificationIds.get(m.organizationId).add(o.value);
                } else if (o.lost) {
                    m.notificationUncertain(title, user);
                }
            }

            void cross(String op, Callable<?> c, Class<? extends Throwable> expected) {
                refused("cross " + op, call("cross " + op, c), expected);
            }

            /** Another clinic's list cursor is a position only: the page holds this clinic's rows. */
            void foreignCursor(IsolationModel m, IsolationModel y, Contacts contacts, Appointments appointments) {
                if (random.nextBoolean()) {
                    String cursor = any(contactCursors.get(y.organizationId), random);
                    if (cursor != null) {
                        // mostly in the order its list had, so that the call gets past the cursor's own check
                        ContactSort sort = random.nextInt(4) == 0 ? ContactSort.values()[random.nextInt(ContactSort.values().length)]
                                : contactCursorSorts.getOrDefault(cursor, ContactSort.values()[0]);
                        Outcome<Page<Contact>> o = call("cross contacts.list cursor",
                                () -> contacts.list(ContactQuery.all().sortBy(sort).limit(50).after(cursor)));
                        if (o.thrown instanceof InvalidInputException) {
                            return;  // a cursor of another order than this list's
                        }
                        if (ok("cross contacts.list cursor", o)) {
                            o.value.items().forEach(c -> checkContact("cross contacts.list cursor", m, c));
                        }
                    }
                } else {
                    String cursor = any(appointmentCursors.get(y.organizationId), random);
                    if (cursor != null) {
                        Outcome<Page<Appointment>> o = call("cross appointments.list cursor",
                                () -> appointments.list(AppointmentQuery.all().includeDeleted(true).limit(50).after(cursor)));
                        if (ok("cross appointments.list cursor", o)) {
                            o.value.items().forEach(a -> checkAppointment("cross appointments.list cursor", m, a));
                        }
                    }
                }
            }
        }

        static boolean isActive(String status) {
            return !status.equals("cancelled") && !status.equals("no_show");
        }

        static boolean allowed(String from, String to) {
            return switch (from) {
                case "pending" -> to.equals("confirmed") || to.equals("cancelled");
                case "confirmed" -> to.equals("in_progress") || to.equals("cancelled") || to.equals("no_show");
                case "in_progress" -> to.equals("completed");
                default -> false;
            };
        }
    }

    /**
     * A pool that counts, per thread, the statements its connections execute: a call refused for its input
     * must be refused before any of them.
     */
    static final class StatementCounter extends WrappingDataSource {
        private final ThreadLocal<long[]> executes = ThreadLocal.withInitial(() -> new long[1]);

        StatementCounter(DataSource target) {
            super(target);
        }

        /** The statements this thread has executed through this pool. */
        long executes() {
            return executes.get()[0];
        }

        @Override
        protected Connection connection(Connection real) {
            return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class},
                    (proxy, method, args) -> {
                        Object result = invoke(real, method, args);
                        return result instanceof Statement statement ? statement(statement) : result;
                    });
        }

        private Statement statement(Statement real) {
            Class<?> type = real instanceof CallableStatement ? CallableStatement.class
                    : real instanceof PreparedStatement ? PreparedStatement.class : Statement.class;
            return (Statement) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {type},
                    (proxy, method, args) -> {
                        if (method.getName().startsWith("execute")) {
                            executes.get()[0]++;
                        }
                        return invoke(real, method, args);
                    });
        }
    }
}
