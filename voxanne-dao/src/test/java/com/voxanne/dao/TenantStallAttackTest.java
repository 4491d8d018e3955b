package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.voxanne.schema.session.ApiRole;
import com.voxanne.schema.session.RoleTimeouts;
import com.voxanne.testkit.Admin;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import com.voxanne.testkit.postgres.TestDatabase;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code authenticated} may {@code LOCK TABLE public.contacts IN ACCESS EXCLUSIVE MODE}
 * (it has DELETE on it), and without limits every other clinic's request would queue behind that lock,
 * each holding a pooled connection, until the pool runs dry. Every unit of work runs with its role's
 * {@code lock_timeout} and {@code statement_timeout}, set transaction-locally by its binding (as
 * parameters: the binding's text never varies), so such a request fails fast instead, in both unit modes,
 * whatever the connection's session says, and leaves its pooled connection clean.
 */
@VoxannePostgres
class TenantStallAttackTest {

    /** Far below the default lock timeout of authenticated (3 s), and far above the configured 300 ms. */
    private static final Duration FAST = Duration.ofMillis(2500);
    private static final Duration GENEROUS = Duration.ofSeconds(20);

    private User ann;
    private User bob;
    private OrgContext annInA;

    @BeforeEach
    void clinics(Tenants tenants) {
        String run = UUID.randomUUID().toString();
        ann = tenants.organization("Stalled A " + run).user("ann");
        bob = tenants.organization("Stalling B " + run).user("bob");
        annInA = OrgContext.of(ann.organization().id(), ann.id());
    }

    @Test
    void anotherClinicsTableLockMakesAUnitFailFastInBothModesAndLeavesItsConnectionClean(TestDatabase db,
            DataSource login, @Admin DataSource admin) throws Exception {
        try (HikariDataSource pool = ConnectionHygieneTest.poolOfOne(db)) {
            Voxanne voxanne = Voxanne.builder(pool).lockTimeout(ApiRole.AUTHENTICATED, Duration.ofMillis(300)).build();
            Contact existing = voxanne.contacts(annInA).create(NewContact.named("Existing"));
            liftTimeoutsOnTheSession(pool);

            try (Connection attacker = lockContactsAs(bob, login, admin)) {
                assertFailsFast("a per-call read", "55P03", () -> voxanne.contacts(annInA).list(ContactQuery.all()));
                assertFailsFast("a per-call count", "55P03", () -> voxanne.contacts(annInA).countsByLeadStatus());
                assertFailsFast("a per-call write", "55P03",
                        () -> voxanne.contacts(annInA).create(NewContact.named("Blocked")));
                assertFailsFast("a transaction that writes and reads", "55P03", () -> voxanne.inOrg(annInA, tx -> {
                    tx.contacts().create(NewContact.named("Blocked too"));
                    return tx.contacts().list(ContactQuery.all());
                }));
                ConnectionHygieneTest.assertNothingLeftOn(pool, db);
                assertSessionTimeoutsLifted(pool);
                attacker.commit();
            }

            // the control: the lock gone, the same calls succeed
            assertThat(voxanne.contacts(annInA).list(ContactQuery.all()).items()).containsExactly(existing);
            Contact created = voxanne.contacts(annInA).create(NewContact.named("Created"));
            List<Contact> seen = voxanne.inOrg(annInA, tx -> {
                tx.contacts().create(NewContact.named("Created too"));
                return tx.contacts().list(ContactQuery.all()).items();
            });
            assertThat(seen).extracting(Contact::name).containsExactlyInAnyOrder("Existing", "Created", "Created too");
            assertThat(created.organizationId()).isEqualTo(annInA.organizationId());
            ConnectionHygieneTest.assertNothingLeftOn(pool, db);
        }
    }

    /**
     * The attack is real: with neither timeout (zero is no limit) the same read waits for as long as the
     * other clinic holds its lock, and completes only when it lets go.
     */
    @Test
    void withoutTimeoutsTheSameReadWaitsForAsLongAsTheOtherClinicHoldsItsLock(TestDatabase db, DataSource login,
                                                                             @Admin DataSource admin) throws Exception {
        try (HikariDataSource pool = ConnectionHygieneTest.poolOfOne(db)) {
            Voxanne unlimited = Voxanne.builder(pool).lockTimeout(ApiRole.AUTHENTICATED, Duration.ZERO)
                    .statementTimeout(ApiRole.AUTHENTICATED, Duration.ZERO).build();
            Contact existing = unlimited.contacts(annInA).create(NewContact.named("Existing"));
            CompletableFuture<List<Contact>> read;
            try (Connection attacker = lockContactsAs(bob, login, admin)) {
                read = CompletableFuture.supplyAsync(() -> unlimited.contacts(annInA).list(ContactQuery.all()).items());
                Thread.sleep(FAST.toMillis());
                assertThat(read).as("still waiting for the other clinic's lock").isNotDone();
                attacker.commit();
            }
            assertThat(read.get(GENEROUS.toSeconds(), TimeUnit.SECONDS)).containsExactly(existing);
        }
    }

    /** With nothing configured, authenticated waits for a lock 3 s at most, and a session-level 0 changes nothing. */
    @Test
    void theDefaultLockTimeoutEndsTheWaitAfterThreeSeconds(TestDatabase db, DataSource login, @Admin DataSource admin)
            throws Exception {
        try (HikariDataSource pool = ConnectionHygieneTest.poolOfOne(db)) {
            Voxanne voxanne = Voxanne.create(pool);
            liftTimeoutsOnTheSession(pool);
            try (Connection attacker = lockContactsAs(bob, login, admin)) {
                long start = System.nanoTime();
                Throwable thrown = assertTimeoutPreemptively(GENEROUS,
                        () -> catchThrowable(() -> voxanne.contacts(annInA).list(ContactQuery.all())));
                Duration took = Duration.ofNanos(System.nanoTime() - start);
                assertFailure(thrown, "55P03");
                assertThat(took).as("the default lock timeout of authenticated").isBetween(Duration.ofMillis(2900), GENEROUS);
                attacker.rollback();
            }
            ConnectionHygieneTest.assertNothingLeftOn(pool, db);
        }
    }

    /**
     * {@code statement_timeout} cancels a slow statement of a unit in both modes (a test trigger sleeps on
     * one contact's insert), the session saying no limit; nothing of the cancelled unit is committed, and a
     * statement within the limit runs.
     */
    @Test
    void theStatementTimeoutCancelsASlowStatementInBothModes(TestDatabase db, @Admin DataSource admin) throws Exception {
        execute(admin, """
                create or replace function public.test_sleep_on_insert() returns trigger language plpgsql as $$
                begin
                  if new.name = 'Sleeper' then
                    perform pg_catalog.pg_sleep(30);
                  end if;
                  return new;
                end $$""",
                "create or replace trigger test_sleep_on_insert before insert on public.contacts"
                        + " for each row execute function public.test_sleep_on_insert()");
        try (HikariDataSource pool = ConnectionHygieneTest.poolOfOne(db)) {
            Voxanne voxanne = Voxanne.builder(pool).statementTimeout(ApiRole.AUTHENTICATED, Duration.ofMillis(300)).build();
            Contact early = voxanne.contacts(annInA).create(NewContact.named("Early"));   // the JVM warmed up too
            liftTimeoutsOnTheSession(pool);

            assertFailsFast("a per-call write", "57014", () -> voxanne.contacts(annInA).create(NewContact.named("Sleeper")));
            assertFailsFast("a transaction's second statement", "57014", () -> voxanne.inOrg(annInA, tx -> {
                tx.contacts().create(NewContact.named("Before the sleeper"));
                return tx.contacts().create(NewContact.named("Sleeper"));
            }));
            ConnectionHygieneTest.assertNothingLeftOn(pool, db);
            assertSessionTimeoutsLifted(pool);

            Contact awake = voxanne.contacts(annInA).create(NewContact.named("Awake"));
            assertThat(voxanne.contacts(annInA).list(ContactQuery.all()).items()).as("nothing of the cancelled units")
                    .containsExactlyInAnyOrder(early, awake);
        } finally {
            execute(admin, "drop trigger test_sleep_on_insert on public.contacts");
        }
    }

    /**
     * The timeouts as the server applies them inside the DAO's units, recorded by a test trigger: the
     * defaults with nothing configured, the builder's values when configured, per role, in both modes, a
     * session-level {@code statement_timeout = 0} / {@code lock_timeout = 0} left on the connection
     * notwithstanding.
     */
    @Test
    void everyUnitRunsWithItsRolesTimeoutsWhateverTheSessionSays(TestDatabase db, @Admin DataSource admin) throws Exception {
        DatabaseKind.assumeOneServer(admin, "its recording trigger writes a table of the coordinator, which a trigger on a"
                + " worker's shard cannot reach; DistributedBindingFormTest and CitusDaoIsolationTest check the timeouts"
                + " the distributed binding sets");
        execute(admin,
                "create table if not exists public.test_unit_timeouts (name text, role text, statement_timeout int, lock_timeout int)",
                """
                create or replace function public.test_record_unit_timeouts() returns trigger language plpgsql
                  security definer as $$
                begin
                  insert into public.test_unit_timeouts values (new.name, pg_catalog.current_setting('role'),
                    (select setting::int from pg_catalog.pg_settings where name = 'statement_timeout'),
                    (select setting::int from pg_catalog.pg_settings where name = 'lock_timeout'));
                  return null;
                end $$""",
                "create or replace trigger test_record_unit_timeouts after insert on public.contacts"
                        + " for each row execute function public.test_record_unit_timeouts()",
                "create or replace trigger test_record_unit_timeouts after insert on public.organizations"
                        + " for each row execute function public.test_record_unit_timeouts()");
        String run = UUID.randomUUID().toString();
        try (HikariDataSource pool = ConnectionHygieneTest.poolOfOne(db)) {
            liftTimeoutsOnTheSession(pool);
            Voxanne defaults = Voxanne.create(pool);
            defaults.contacts(annInA).create(NewContact.named("default per-call " + run));
            defaults.runInOrg(annInA, tx -> tx.contacts().create(NewContact.named("default in transaction " + run)));
            defaults.service().organizations().create("default service " + run, "America/New_York");

            Voxanne configured = Voxanne.builder(pool)
                    .statementTimeout(ApiRole.AUTHENTICATED, Duration.ofMillis(1500))
                    .lockTimeout(ApiRole.AUTHENTICATED, Duration.ofMillis(250))
                    .statementTimeout(ApiRole.SERVICE_ROLE, Duration.ofSeconds(20))
                    .lockTimeout(ApiRole.SERVICE_ROLE, Duration.ofSeconds(2))
                    .build();
            configured.contacts(annInA).create(NewContact.named("configured per-call " + run));
            configured.runInOrg(annInA, tx -> tx.contacts().create(NewContact.named("configured in transaction " + run)));
            configured.service().organizations().create("configured service " + run, "America/New_York");
            assertSessionTimeoutsLifted(pool);
        } finally {
            execute(admin, "drop trigger test_record_unit_timeouts on public.contacts",
                    "drop trigger test_record_unit_timeouts on public.organizations");
        }
        assertThat(recorded(admin, run)).containsExactlyInAnyOrder(
                "default per-call: authenticated 8000 3000",
                "default in transaction: authenticated 8000 3000",
                "default service: service_role 0 10000",
                "configured per-call: authenticated 1500 250",
                "configured in transaction: authenticated 1500 250",
                "configured service: service_role 20000 2000");
    }

    /**
     * A timeout that is not a whole number of milliseconds, negative or beyond PostgreSQL's range is
     * refused: rounded down, half a millisecond would silently mean "no limit". Anon runs no unit of the DAO.
     */
    @Test
    void theBuilderRefusesTimeoutsThatWouldNotMeanWhatTheySay(DataSource login) {
        Voxanne.Builder builder = Voxanne.builder(login);
        for (Duration garbage : List.of(Duration.ofMillis(-1), Duration.ofNanos(1), Duration.ofNanos(500_000),
                Duration.ofNanos(1_500_000), Duration.ofMillis(RoleTimeouts.MAX_MILLIS + 1), Duration.ofDays(-3))) {
            assertThatThrownBy(() -> builder.statementTimeout(ApiRole.AUTHENTICATED, garbage)).as("%s", garbage)
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> builder.lockTimeout(ApiRole.SERVICE_ROLE, garbage)).as("%s", garbage)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> builder.lockTimeout(ApiRole.ANON, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> builder.statementTimeout(null, Duration.ofSeconds(1))).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> builder.statementTimeout(ApiRole.AUTHENTICATED, null)).isInstanceOf(NullPointerException.class);
        builder.statementTimeout(ApiRole.AUTHENTICATED, Duration.ZERO)
                .lockTimeout(ApiRole.AUTHENTICATED, Duration.ofMillis(1))
                .lockTimeout(ApiRole.SERVICE_ROLE, Duration.ofMillis(RoleTimeouts.MAX_MILLIS));
        assertThat(builder.build()).isNotNull();
    }

    // ---- helpers

    /**
     * Clinic B's user, on a connection of the login role as anyone with the pool's credentials may open
     * one: a transaction bound to B that takes ACCESS EXCLUSIVE on contacts and stays open. Checked as
     * admin: the lock is granted, so every wait that follows is behind it.
     */
    private static Connection lockContactsAs(User user, DataSource login, DataSource admin) throws SQLException {
        Connection attacker = login.getConnection();
        attacker.setAutoCommit(false);
        try (Statement s = attacker.createStatement()) {
            s.execute("select set_config('role', 'authenticated', true), set_config('request.jwt.claims', '"
                    + user.claims().toJson() + "', true)");
            s.execute("lock table public.contacts in access exclusive mode");
        }
        try (Connection c = admin.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "select count(*) from pg_catalog.pg_locks where relation = 'public.contacts'::regclass"
                        + " and mode = 'AccessExclusiveLock' and granted")) {
            rs.next();
            assertThat(rs.getInt(1)).as("the other clinic holds ACCESS EXCLUSIVE on contacts").isEqualTo(1);
        }
        return attacker;
    }

    /** {@code call} fails with a {@link DataAccessFailureException} caused by {@code sqlState}, far sooner than a stall. */
    private static void assertFailsFast(String what, String sqlState, ThrowingCallable call) {
        long start = System.nanoTime();
        Throwable thrown = assertTimeoutPreemptively(GENEROUS, () -> catchThrowable(call), what);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        assertFailure(thrown, sqlState);
        assertThat(took).as("%s took", what).isLessThan(FAST);
    }

    private static void assertFailure(Throwable thrown, String sqlState) {
        assertThat(thrown).isInstanceOf(DataAccessFailureException.class);
        SQLException sql = null;
        for (Throwable t = thrown; t != null && sql == null; t = t.getCause()) {
            if (t instanceof SQLException e) {
                sql = e;
            }
        }
        assertThat(sql == null ? "no SQLException behind it" : sql.getSQLState()).isEqualTo(sqlState);
    }

    /** What an earlier borrower may leave on the pool's one connection: no statement or lock limit at all. */
    private static void liftTimeoutsOnTheSession(HikariDataSource pool) throws SQLException {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
            s.execute("set statement_timeout = 0");
            s.execute("set lock_timeout = 0");
        }
    }

    /** The session's own timeouts are still the lifted ones: the units' were transaction-local. */
    private static void assertSessionTimeoutsLifted(HikariDataSource pool) throws SQLException {
        try (Connection c = pool.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(
                "select current_setting('statement_timeout'), current_setting('lock_timeout')")) {
            rs.next();
            assertThat(rs.getString(1) + " " + rs.getString(2)).isEqualTo("0 0");
        }
    }

    private static void execute(DataSource admin, String... statements) throws SQLException {
        try (Connection c = admin.getConnection(); Statement s = c.createStatement()) {
            for (String sql : statements) {
                s.execute(sql);
            }
        }
    }

    /** What the recording trigger saw, per row written: "what: role statement_timeout lock_timeout". */
    private static List<String> recorded(DataSource admin, String run) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = admin.getConnection(); PreparedStatement ps = c.prepareStatement(
                "select name, role, statement_timeout, lock_timeout from public.test_unit_timeouts where name like ?")) {
            ps.setString(1, "% " + run);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(rs.getString(1).replace(" " + run, "") + ": " + rs.getString(2) + " " + rs.getInt(3)
                            + " " + rs.getInt(4));
                }
            }
        }
        return rows;
    }
}
