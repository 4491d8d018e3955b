package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.dao.IsolationModel.AppointmentRow;
import com.voxanne.dao.IsolationModel.ContactRow;
import com.voxanne.dao.IsolationModel.NotificationRow;
import com.voxanne.schema.jooq.enums.AppointmentStatus;
import com.voxanne.schema.jooq.enums.NotificationType;
import com.voxanne.testkit.Admin;
import com.voxanne.testkit.Organization;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import com.voxanne.testkit.postgres.TestDatabase;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
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
    /** Enough kills to hit units at every stage, few enough that reconnecting does not dominate the run. */
    private static final int MAX_KILL_ROUNDS = 15;

    /** Every exception type the DAO documents; anything else escaping a call is a defect. */
    private static final Set<Class<? extends VoxanneDataException>> DOCUMENTED = Set.of(
            InvalidInputException.class, NotFoundException.class, DuplicateException.class, ConflictException.class,
            DoubleBookingException.class, InvalidTransitionException.class, AccessDeniedException.class,
            TenantContextException.class, DataAccessFailureException.class, BulkImportException.class);

    private static final OffsetDateTime FIRST_SLOT = OffsetDateTime.of(2031, 1, 6, 0, 0, 0, 0, ZoneOffset.UTC);

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
        try (HikariDataSource pool = ConnectionHygieneTest.loginPool(db, POOL_SIZE, true)) {
            Voxanne voxanne = Voxanne.create(pool);
            String loginRole = db.server().loginRole();
            Thread killer = new Thread(() -> killBackends(admin, loginRole, new Random(seed ^ 0x5DEECE66DL), stop,
                    kills, killed, run), "backend-killer");
            killer.start();
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                int thread = t;
                int quota = operations / THREADS + (t < operations % THREADS ? 1 : 0);
                Thread w = new Thread(() -> run.drive(voxanne, thread, quota), "worker-" + t);
                workers.add(w);
                w.start();
            }
            for (Thread w : workers) {
                w.join();
            }
            stop.set(true);
            killer.join();
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

        List<String> problems = new ArrayList<>(run.violations);
        for (IsolationModel model : run.models) {
            problems.addAll(model.differencesFrom(admin));
        }
        assertThat(problems).as("calls that did not behave as documented, then database rows against the model"
                + " (seed %d)", seed).isEmpty();
        assertThat(run.done.get()).isEqualTo(operations);
        System.out.println("RandomizedIsolationTest: outcomes " + new java.util.TreeMap<>(run.outcomes));
        if (operations >= 10_000) {
            // A run that never reached these outcomes would prove nothing about them.
            assertThat(run.outcomes.keySet()).as("outcomes reached (seed %d)", seed).contains(
                    "contacts.create -> ok", "contacts.update -> ok", "contacts.delete -> ok", "contacts.get -> ok",
                    "contacts.get -> NotFoundException", "contacts.list -> ok", "contacts.search -> ok",
                    "contacts.findByPhone -> ok", "contacts.importAll -> ok", "contacts.importAll -> BulkImportException",
                    "contacts.create invalid -> InvalidInputException", "contacts.create duplicate -> DuplicateException",
                    "contacts.update invalid -> InvalidInputException", "appointments.book -> ok",
                    "appointments.book overlapping -> DoubleBookingException",
                    "appointments.book overlapping -> InvalidInputException", "appointments.changeStatus -> ok",
                    "appointments.changeStatus -> InvalidTransitionException", "appointments.list -> ok",
                    "notifications.create -> ok", "notifications.create refused -> AccessDeniedException",
                    "notifications.create refused -> InvalidInputException", "notifications.markRead -> ok",
                    "notifications.markRead -> NotFoundException", "notifications.list -> ok",
                    "notifications.unreadCount -> ok", "webhooks.processOnce -> ok", "webhooks.processOnce -> Boom",
                    "webhooks.processOnce duplicate -> ok", "inOrg unit 0 -> ok", "inOrg unit 1 -> Boom",
                    "inOrg unit 2 -> DuplicateException", "cross contacts.get -> NotFoundException",
                    "cross contacts.update -> NotFoundException", "cross contacts.delete -> NotFoundException",
                    "cross appointments.book -> NotFoundException", "cross appointments.changeStatus -> NotFoundException",
                    "cross appointments.get -> NotFoundException", "cross notifications.markRead -> NotFoundException");
            assertThat(run.lost.get()).as("calls that lost their connection to the killer").isPositive();
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
            run.drive(voxanne, 0, 300);
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
                Organization org = tenants.organization("Clinic " + this.prefix + " " + i);
                User first = org.user("u1-" + i);
                User second = org.user("u2-" + i);
                models.add(new IsolationModel(org.id(), List.of(first.id(), second.id())));
                contactIds.put(org.id(), Collections.synchronizedList(new ArrayList<>()));
                appointmentIds.put(org.id(), Collections.synchronizedList(new ArrayList<>()));
                notificationIds.put(org.id(), Collections.synchronizedList(new ArrayList<>()));
                phones.put(org.id(), Collections.synchronizedList(new ArrayList<>()));
                eventIds.put(org.id(), Collections.synchronizedList(new ArrayList<>()));
            }
        }

        int uncertainKeys() {
            return models.stream().mapToInt(m -> m.uncertainPhones.size() + m.uncertainStarts.size()
                    + m.uncertainTitles.size() + m.uncertainEvents.size()).sum();
        }

        /** Makes {@code quota} random repository calls on the organizations {@code thread} owns. */
        void drive(Voxanne voxanne, int thread, int quota) {
            Random random = new Random(seed * 31 + thread);
            List<IsolationModel> mine = new ArrayList<>();
            for (int i = thread; i < models.size(); i += THREADS) {
                mine.add(models.get(i));
            }
            Worker w = new Worker(voxanne, random);
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
            static final int WEIGHTS = 36;
            final Voxanne voxanne;
            final Random random;
            final Map<UUID, List<String>> retryable = new ConcurrentHashMap<>();
            /** Repository calls made (a unit of work counts once); a step with nothing to pick makes none. */
            int calls;

            Worker(Voxanne voxanne, Random random) {
                this.voxanne = voxanne;
                this.random = random;
            }

            <T> Outcome<T> call(String op, Callable<T> c) {
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
                    } else if (t instanceof DataAccessFailureException) {
                        violations.add(op + " failed without a lost connection: " + t);
                    }
                }
                String how = o.lost ? (o.unknown ? "lost connection, outcome unknown" : "lost connection") : o.thrown == null ? "ok" : o.thrown.getClass().getSimpleName();
                outcomes.computeIfAbsent(op + " -> " + how, k -> new AtomicLong()).incrementAndGet();
                return o;
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

            /** The call must have thrown {@code expected} (or lost its connection, which cannot write either). */
            void refused(String op, Outcome<?> o, Class<? extends Throwable> expected) {
                if (o.lost) {
                    return;
                }
                if (o.thrown == null) {
                    violations.add(op + " should have thrown " + expected.getSimpleName() + " but returned " + o.value);
                } else if (!expected.isInstance(o.thrown)) {
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

            String anyCertainPhone(IsolationModel m) {
                if (m.contacts.isEmpty()) {
                    return null;
                }
                List<String> keys = new ArrayList<>(m.contacts.keySet());
                return keys.get(random.nextInt(keys.size()));
            }

            Instant anyAppointment(IsolationModel m) {
                if (m.appointments.isEmpty()) {
                    return null;
                }
                List<Instant> keys = new ArrayList<>(m.appointments.keySet());
                return keys.get(random.nextInt(keys.size()));
            }

            String anyNotification(IsolationModel m) {
                if (m.notifications.isEmpty()) {
                    return null;
                }
                List<String> keys = new ArrayList<>(m.notifications.keySet());
                return keys.get(random.nextInt(keys.size()));
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
                } else if (!row.id.equals(c.id()) || !row.name.equals(c.name()) || !java.util.Objects.equals(row.notes, c.notes())) {
                    violations.add(op + " returned contact " + c.id() + " unlike the model");
                }
            }

            void step(IsolationModel m, int pick) {
                UUID user = m.users.get(random.nextInt(2));
                OrgContext ctx = OrgContext.of(m.organizationId, user);
                Contacts contacts = voxanne.contacts(ctx);
                Appointments appointments = voxanne.appointments(ctx);
                Notifications notifications = voxanne.notifications(ctx);
                switch (pick) {
                    case 0, 1, 2 -> {
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
                    case 3 -> {
                        boolean blankName = random.nextBoolean();
                        String phone = phone();
                        refused("contacts.create invalid", call("contacts.create invalid", () -> contacts.create(
                                NewContact.named(blankName ? " " : "Valid").phone(blankName ? phone : "12"))),
                                InvalidInputException.class);
                    }
                    case 4 -> {
                        String taken = anyCertainPhone(m);
                        if (taken != null) {
                            refused("contacts.create duplicate", call("contacts.create duplicate",
                                    () -> contacts.create(NewContact.named("Twin").phone(taken))), DuplicateException.class);
                        }
                    }
                    case 5, 6 -> {
                        String phone = anyCertainPhone(m);
                        if (phone != null) {
                            ContactRow row = m.contacts.get(phone);
                            String name = "Renamed" + nameCounter.incrementAndGet();
                            String notes = random.nextBoolean() ? null : "changed " + random.nextInt(1000);
                            Outcome<Contact> o = call("contacts.update", () -> contacts.update(row.id,
                                    ContactUpdate.empty().name(name).notes(notes)));
                            if (ok("contacts.update", o)) {
                                row.name = name;
                                row.notes = notes;
                                checkContact("contacts.update", m, o.value);
                            } else if (o.lost && o.unknown) {
                                m.contactUncertain(phone);
                            }
                        }
                    }
                    case 7 -> {
                        String phone = anyCertainPhone(m);
                        if (phone != null) {
                            UUID id = m.contacts.get(phone).id;
                            refused("contacts.update invalid", call("contacts.update invalid", () -> contacts.update(id,
                                    ContactUpdate.empty().name("Never").email("not an e-mail"))), InvalidInputException.class);
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
                    case 9, 10 -> {
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
                    case 11 -> {
                        Outcome<Page<Contact>> o = call("contacts.list", () -> contacts.list(ContactQuery.all().limit(100)));
                        if (ok("contacts.list", o)) {
                            o.value.items().forEach(c -> checkContact("contacts.list", m, c));
                            if (m.contacts.size() + m.uncertainPhones.size() <= 100
                                    && o.value.items().size() < m.contacts.size()) {
                                violations.add("contacts.list for org " + m.organizationId + " missed contacts");
                            }
                        }
                    }
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
                    case 13 -> {
                        boolean foreign = random.nextBoolean();
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
                    case 14 -> {
                        boolean invalid = random.nextInt(3) == 0;
                        List<NewContact> batch = new ArrayList<>();
                        List<String> batchPhones = new ArrayList<>();
                        for (int i = 0; i < 3; i++) {
                            String phone = phone();
                            batchPhones.add(phone);
                            batch.add(NewContact.named("Imported" + nameCounter.incrementAndGet()).phone(invalid && i == 1 ? "1" : phone));
                        }
                        Outcome<List<Contact>> o = call("contacts.importAll", () -> contacts.importAll(batch));
                        if (invalid) {
                            refused("contacts.importAll invalid", o, BulkImportException.class);
                        } else if (ok("contacts.importAll", o)) {
                            for (int i = 0; i < o.value.size(); i++) {
                                checkCreated("contacts.importAll", m, o.value.get(i), batch.get(i).name(), null);
                            }
                        } else if (o.lost && o.unknown) {
                            batchPhones.forEach(m::contactUncertain);
                        }
                    }
                    case 15, 16, 17 -> {
                        String phone = anyCertainPhone(m);
                        if (phone != null) {
                            UUID contactId = m.contacts.get(phone).id;
                            OffsetDateTime start = slot();
                            Outcome<Appointment> o = call("appointments.book", () -> appointments.book(contactId,
                                    ServiceType.CONSULTATION, start, Duration.ofMinutes(60)));
                            if (ok("appointments.book", o)) {
                                checkBooked("appointments.book", m, o.value, contactId, start);
                            } else if (o.lost && o.unknown) {
                                m.appointmentUncertain(start.toInstant());
                            }
                        }
                    }
                    case 18 -> {
                        String phone = anyCertainPhone(m);
                        Instant taken = anyAppointment(m);
                        if (phone != null && taken != null && isActive(m.appointments.get(taken).status)) {
                            UUID contactId = m.contacts.get(phone).id;
                            boolean invalid = random.nextInt(3) == 0;
                            Outcome<Appointment> o = call("appointments.book overlapping", () -> appointments.book(contactId,
                                    ServiceType.BOTOX, taken.plusSeconds(1800).atOffset(ZoneOffset.UTC),
                                    Duration.ofMinutes(invalid ? 0 : 60)));
                            refused("appointments.book overlapping", o,
                                    invalid ? InvalidInputException.class : DoubleBookingException.class);
                        }
                    }
                    case 19, 20, 21 -> {
                        Instant key = anyAppointment(m);
                        if (key != null) {
                            AppointmentRow row = m.appointments.get(key);
                            AppointmentStatus to = AppointmentStatus.values()[random.nextInt(AppointmentStatus.values().length)];
                            Outcome<Appointment> o = call("appointments.changeStatus", () -> appointments.changeStatus(row.id, to));
                            if (allowed(row.status, to.getLiteral())) {
                                if (ok("appointments.changeStatus", o)) {
                                    owned("appointments.changeStatus", m, o.value.organizationId(), null, null);
                                    row.status = to.getLiteral();
                                    if (!o.value.status().getLiteral().equals(row.status)) {
                                        violations.add("appointments.changeStatus returned another status");
                                    }
                                } else if (o.lost && o.unknown) {
                                    m.appointmentUncertain(key);
                                }
                            } else {
                                refused("appointments.changeStatus " + row.status + "->" + to.getLiteral(), o,
                                        InvalidTransitionException.class);
                            }
                        }
                    }
                    case 22 -> {
                        Outcome<Page<Appointment>> o = call("appointments.list",
                                () -> appointments.list(AppointmentQuery.all().limit(200)));
                        if (ok("appointments.list", o)) {
                            for (Appointment a : o.value.items()) {
                                owned("appointments.list", m, a.organizationId(), null, null);
                                AppointmentRow row = m.appointments.get(a.scheduledAt().toInstant());
                                if (row == null ? !m.uncertainStarts.contains(a.scheduledAt().toInstant())
                                        : !row.id.equals(a.id()) || !row.status.equals(a.status().getLiteral())) {
                                    violations.add("appointments.list returned appointment " + a.id() + " unlike the model");
                                }
                            }
                        }
                    }
                    case 23, 24 -> {
                        UUID target = m.users.get(random.nextInt(2));
                        String title = "T" + nameCounter.incrementAndGet();
                        Outcome<UUID> o = call("notifications.create", () -> notifications.create(target,
                                NewNotification.of(NotificationType.SYSTEM_ALERT, title, "message")));
                        if (ok("notifications.create", o)) {
                            m.notifications.put(title, new NotificationRow(o.value, target, "unread"));
                            notificationIds.get(m.organizationId).add(o.value);
                        } else if (o.lost && o.unknown) {
                            m.notificationUncertain(title, target);
                        }
                    }
                    case 25 -> {
                        boolean foreignUser = random.nextBoolean();
                        UUID target = foreignUser ? other(m).users.get(0) : user;
                        Outcome<UUID> o = call("notifications.create refused", () -> notifications.create(target,
                                NewNotification.of(NotificationType.HOT_LEAD, foreignUser ? "Cross" : " ", "message")));
                        refused("notifications.create refused", o,
                                foreignUser ? AccessDeniedException.class : InvalidInputException.class);
                    }
                    case 26, 27 -> {
                        String title = anyNotification(m);
                        if (title != null) {
                            NotificationRow row = m.notifications.get(title);
                            Outcome<Notification> o = call("notifications.markRead", () -> notifications.markRead(row.id));
                            if (!row.userId.equals(user)) {
                                refused("notifications.markRead of another user", o, NotFoundException.class);
                            } else if (ok("notifications.markRead", o)) {
                                owned("notifications.markRead", m, o.value.organizationId(), o.value.userId(), user);
                                row.status = "read";
                            } else if (o.lost && o.unknown) {
                                m.notificationUncertain(title, user);
                            }
                        }
                    }
                    case 28 -> {
                        if (random.nextBoolean()) {
                            Outcome<Integer> o = call("notifications.unreadCount", notifications::unreadCount);
                            long expected = m.notifications.values().stream()
                                    .filter(n -> n.userId.equals(user) && n.status.equals("unread")).count();
                            if (ok("notifications.unreadCount", o) && !m.uncertainUsers.contains(user) && o.value != expected) {
                                violations.add("notifications.unreadCount " + o.value + ", model " + expected);
                            }
                        } else {
                            Outcome<Page<Notification>> o = call("notifications.list",
                                    () -> notifications.list(NotificationQuery.all().limit(100)));
                            if (ok("notifications.list", o)) {
                                for (Notification n : o.value.items()) {
                                    owned("notifications.list", m, n.organizationId(), n.userId(), user);
                                    NotificationRow row = m.notifications.get(n.title());
                                    if (row == null ? !m.uncertainTitles.contains(n.title())
                                            : !row.id.equals(n.id()) || !row.status.equals(n.status().getLiteral())) {
                                        violations.add("notifications.list returned notification " + n.id() + " unlike the model");
                                    }
                                }
                            }
                        }
                    }
                    case 29, 30 -> webhook(m);
                    case 31, 32 -> unit(m, ctx);
                    default -> crossTenant(m, contacts, appointments, notifications);
                }
            }

            void checkCreated(String op, IsolationModel m, Contact c, String name, String notes) {
                owned(op, m, c.organizationId(), null, null);
                if (!c.name().equals(name) || !java.util.Objects.equals(c.notes(), notes)) {
                    violations.add(op + " returned contact " + c.id() + " unlike what was created");
                }
                remember(m, c);
            }

            void checkBooked(String op, IsolationModel m, Appointment a, UUID contactId, OffsetDateTime start) {
                owned(op, m, a.organizationId(), null, null);
                if (!a.contactId().equals(contactId) || !a.scheduledAt().toInstant().equals(start.toInstant())
                        || a.status() != AppointmentStatus.PENDING) {
                    violations.add(op + " returned appointment " + a.id() + " unlike what was booked");
                }
                m.appointments.put(start.toInstant(), new AppointmentRow(a.id(), contactId, 60, "pending"));
                appointmentIds.get(m.organizationId).add(a.id());
            }

            void webhook(IsolationModel m) {
                WebhookEvents webhooks = voxanne.service().webhooks();
                int kind = random.nextInt(4);
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
                String phone = phone();
                String name = "Caller" + nameCounter.incrementAndGet();
                Contact[] created = new Contact[1];
                Outcome<WebhookOutcome> o = call("webhooks.processOnce", () -> webhooks.processOnce(m.organizationId,
                        eventId, "call.ended", tx -> {
                            if (!tx.organizationId().equals(m.organizationId)) {
                                violations.add("a webhook handler of org " + m.organizationId + " ran bound to " + tx.organizationId());
                            }
                            created[0] = tx.contacts().create(NewContact.named(name).phone(phone));
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
                } else if (o.lost && o.unknown) {
                    m.eventUncertain(eventId);
                    m.contactUncertain(phone);
                }
            }

            /** Units of several calls: one that commits, and ones that fail midway and must leave nothing. */
            void unit(IsolationModel m, OrgContext ctx) {
                int kind = random.nextInt(3);
                String phone = phone();
                String name = "Unit" + nameCounter.incrementAndGet();
                OffsetDateTime start = slot();
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
                        checkBooked("inOrg unit", m, (Appointment) made[1], c.id(), start);
                        m.notifications.put(title, new NotificationRow((UUID) made[2], target, "unread"));
                        notificationIds.get(m.organizationId).add((UUID) made[2]);
                    } else if (o.lost && o.unknown) {
                        m.contactUncertain(phone);
                        m.appointmentUncertain(start.toInstant());
                        m.notificationUncertain(title, target);
                    }
                } else {
                    refused("inOrg unit failing midway " + k, o, k == 1 ? Boom.class : DuplicateException.class);
                    if (made[0] != null) {
                        // The ids existed inside the rolled-back unit; another clinic must not find them either.
                        contactIds.get(m.organizationId).add(((Contact) made[0]).id());
                    }
                }
            }

            /** Calls on another clinic's ids: every one is "not found" or refused, and none writes. */
            void crossTenant(IsolationModel m, Contacts contacts, Appointments appointments, Notifications notifications) {
                IsolationModel y = other(m);
                UUID contactId = any(contactIds.get(y.organizationId), random);
                UUID appointmentId = any(appointmentIds.get(y.organizationId), random);
                UUID notificationId = any(notificationIds.get(y.organizationId), random);
                switch (random.nextInt(7)) {
                    case 0 -> {
                        if (contactId != null) {
                            refused("cross contacts.get", call("cross contacts.get", () -> contacts.get(contactId)), NotFoundException.class);
                        }
                    }
                    case 1 -> {
                        if (contactId != null) {
                            refused("cross contacts.update", call("cross contacts.update", () -> contacts.update(contactId,
                                    ContactUpdate.empty().name("Hijacked").notes("hijacked"))), NotFoundException.class);
                        }
                    }
                    case 2 -> {
                        if (contactId != null) {
                            refused("cross contacts.delete", call("cross contacts.delete", () -> {
                                contacts.delete(contactId);
                                return null;
                            }), NotFoundException.class);
                        }
                    }
                    case 3 -> {
                        if (contactId != null) {
                            refused("cross appointments.book", call("cross appointments.book", () -> appointments.book(
                                    contactId, ServiceType.OTHER, slot(), Duration.ofMinutes(30))), NotFoundException.class);
                        }
                    }
                    case 4 -> {
                        if (appointmentId != null) {
                            refused("cross appointments.changeStatus", call("cross appointments.changeStatus",
                                    () -> appointments.changeStatus(appointmentId, AppointmentStatus.CANCELLED)), NotFoundException.class);
                        }
                    }
                    case 5 -> {
                        if (notificationId != null) {
                            refused("cross notifications.markRead", call("cross notifications.markRead",
                                    () -> notifications.markRead(notificationId)), NotFoundException.class);
                        }
                    }
                    default -> {
                        if (appointmentId != null) {
                            refused("cross appointments.get", call("cross appointments.get",
                                    () -> appointments.get(appointmentId)), NotFoundException.class);
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

}
