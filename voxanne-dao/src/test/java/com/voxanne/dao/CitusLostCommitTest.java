package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.voxanne.testkit.Admin;
import com.voxanne.testkit.VoxannePostgres;
import com.voxanne.testkit.postgres.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.function.Executable;

/**
 * A connection lost while a unit's commit is on its way, on a distributed database: the commit reaches the
 * clinic's worker, where a deferred constraint trigger sleeps while it commits, and then either the
 * coordinator's connection to that worker or the caller's connection to the coordinator is cut. Either way
 * the caller cannot know whether the unit committed: the DAO says so, and a retry of the create with the
 * same id leaves exactly one row (on one server: {@code FailuresAndRetriesTest}). Runs with
 * VOXANNE_TEST_BACKEND=citus only.
 */
@EnabledIf(value = "com.voxanne.dao.CitusDaoIsolationTest#onCitus",
        disabledReason = "needs the Citus backend (VOXANNE_TEST_BACKEND=citus)")
@VoxannePostgres
class CitusLostCommitTest extends TwoClinicsTest {

    /** The contact whose commit sleeps: the trigger fires for this name only, so a retry does not sleep. */
    private static final String SLEEPS = "Sleeps at commit";
    private static final int SLEEP_SECONDS = 5;

    private final ExecutorService caller = Executors.newSingleThreadExecutor();
    private DataSource admin;
    private TestDatabase db;

    /** Places the class's database on the cluster, as an operator would after migrating. */
    @BeforeAll
    static void distribute(@Admin DataSource admin, TestDatabase db) throws Exception {
        CitusDaoIsolationTest.distribute(admin, db);
    }

    @BeforeEach
    void sleepAtCommit(@Admin DataSource admin, TestDatabase db) throws SQLException {
        this.admin = admin;
        this.db = db;
        execute(admin, "create or replace function public.test_sleep_at_commit() returns trigger language plpgsql as $$"
                + " begin if new.name = '" + SLEEPS + "' then perform pg_catalog.pg_sleep(" + SLEEP_SECONDS + "); end if;"
                + " return null; end $$");
        execute(admin, "create constraint trigger test_sleep_at_commit after insert on public.contacts"
                + " deferrable initially deferred for each row execute function public.test_sleep_at_commit()");
    }

    @AfterEach
    void dropTrigger() throws SQLException {
        caller.shutdownNow();
        execute(admin, "drop trigger if exists test_sleep_at_commit on public.contacts");
    }

    /** The worker's backend is terminated in its commit: nothing is committed, and the caller is told it cannot know. */
    @Test
    void theWorkersConnectionLostDuringTheCommitIsAnUnknownOutcomeAndTheRetryLeavesOneRow() throws Exception {
        UUID id = UUID.randomUUID();
        NewContact contact = NewContact.named(SLEEPS).phone("+12125550171").id(id);
        Throwable thrown = whileTheWorkerSleeps(() -> voxanne.contacts(annInA).create(contact),
                "select count(*) filter (where pg_terminate_backend(pid)) from pg_stat_activity"
                        + " where datname = current_database() and wait_event = 'PgSleep' and pid <> pg_backend_pid()",
                true);
        assertUnknown(thrown);
        assertThat(rowsWithId(id)).as("the worker's transaction ended before its commit").isZero();

        Contact created = voxanne.contacts(annInA).create(contact);
        Contact again = voxanne.contacts(annInA).create(contact);
        assertThat(created.id()).isEqualTo(id);
        assertThat(again).isEqualTo(created);
        assertThat(rowsWithId(id)).isEqualTo(1);
    }

    /** The caller's backend on the coordinator is terminated while the worker commits: the worker commits anyway. */
    @Test
    void theCallersConnectionLostDuringTheCommitIsAnUnknownOutcomeAndTheRetryReturnsTheCommittedRow() throws Exception {
        UUID id = UUID.randomUUID();
        NewContact contact = NewContact.named(SLEEPS).phone("+12125550172").id(id);
        Throwable thrown = whileTheWorkerSleeps(() -> voxanne.inOrg(annInA, tx -> tx.contacts().create(contact)),
                "select count(*) filter (where pg_terminate_backend(pid)) from pg_stat_activity"
                        + " where datname = current_database() and usename = '" + db.server().loginRole() + "'"
                        + " and state = 'active' and pid <> pg_backend_pid()",
                false);
        assertUnknown(thrown);

        // the retry waits for the worker's commit on the key and then finds the row it made
        Contact created = voxanne.contacts(annInA).create(contact);
        assertThat(created.id()).isEqualTo(id);
        assertThat(rowsWithId(id)).as("the worker committed after the caller had gone").isEqualTo(1);
        assertThat(voxanne.contacts(annInA).create(contact)).isEqualTo(created);
    }

    /** Control: without the trigger, both kinds of unit commit and report nothing. */
    @Test
    void withoutTheSleepTheSameUnitsCommit() throws Exception {
        dropTrigger();
        UUID first = UUID.randomUUID();
        UUID second = UUID.randomUUID();
        voxanne.contacts(annInA).create(NewContact.named(SLEEPS).phone("+12125550173").id(first));
        voxanne.inOrg(annInA, tx -> tx.contacts().create(NewContact.named(SLEEPS).phone("+12125550174").id(second)));
        assertThat(rowsWithId(first)).isEqualTo(1);
        assertThat(rowsWithId(second)).isEqualTo(1);
    }

    /**
     * Runs {@code call} on another thread, waits until a backend of the clinic's worker sleeps in the
     * trigger, then runs {@code terminate} (a query counting the backends it terminated) on the worker
     * ({@code onWorker}) or on the coordinator, and returns what the call threw.
     */
    private Throwable whileTheWorkerSleeps(Executable call, String terminate, boolean onWorker) throws Exception {
        DataSource worker = CitusBookingTest.workerOf(admin, db, annInA.organizationId());
        Future<Throwable> outcome = caller.submit(() -> catchThrowable(call::execute));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SLEEP_SECONDS - 1);
        boolean sleeping = false;
        while (!sleeping && System.nanoTime() < deadline) {
            Thread.sleep(50);
            sleeping = count(worker, "select count(*) from pg_stat_activity where datname = current_database()"
                    + " and wait_event = 'PgSleep'") == 1;
        }
        assertThat(sleeping).as("the commit sleeping in the trigger on the clinic's worker").isTrue();
        assertThat(count(onWorker ? worker : admin, terminate)).as("backends terminated").isEqualTo(1);
        return outcome.get(SLEEP_SECONDS * 3L, TimeUnit.SECONDS);
    }

    private static void assertUnknown(Throwable thrown) {
        assertThat(thrown).isInstanceOfSatisfying(DataAccessFailureException.class,
                e -> assertThat(e.outcomeUnknown()).as("outcomeUnknown, %s", e.getMessage()).isTrue());
    }

    private long rowsWithId(UUID id) throws SQLException {
        try (Connection c = admin.getConnection();
             PreparedStatement ps = c.prepareStatement("select count(*) from public.contacts where id = ?")) {
            ps.setObject(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private static long count(DataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void execute(DataSource ds, String sql) throws SQLException {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
