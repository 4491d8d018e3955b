package com.voxanne.security;

import static com.voxanne.security.PrivilegeAttackSupport.SUCCESS;
import static com.voxanne.security.PrivilegeAttackSupport.admin;
import static com.voxanne.security.PrivilegeAttackSupport.adminColumn;
import static com.voxanne.security.PrivilegeAttackSupport.as;
import static com.voxanne.security.PrivilegeAttackSupport.attempt;
import static com.voxanne.security.PrivilegeAttackSupport.execute;
import static com.voxanne.security.PrivilegeAttackSupport.sqlState;
import static com.voxanne.security.PrivilegeAttackSupport.value;
import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.schema.VerifyCheck;
import com.voxanne.schema.VerifyReport;
import com.voxanne.schema.VerifyReport.Check;
import com.voxanne.schema.VoxanneSchema;
import com.voxanne.schema.session.RequestBinding;
import com.voxanne.schema.session.RequestClaims;
import com.voxanne.security.PrivilegeAttackSupport.Caller;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import com.voxanne.testkit.postgres.TestDatabase;
import com.voxanne.testkit.postgres.TestPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * Time limits against a caller that holds a lock or runs a statement for ever.
 *
 * <p>Role-level settings: a session that logs in directly as an API role (not through the pool, whose
 * units set their own timeouts transaction-locally) gets {@code statement_timeout} and
 * {@code lock_timeout} from {@code pg_db_role_setting}. V14 sets them where the role has none, keeps a
 * value already there (Supabase sets its own), and U14 resets only what V14 set. Role settings are
 * cluster-wide: each test saves them first and restores them in {@code finally}.
 *
 * <p>The lock attack: authenticated holds DELETE on contacts, which lets it take an ACCESS EXCLUSIVE
 * lock on the whole table and stall every organization. A caller of another organization with the
 * lock_timeout the DAO binds fails fast with 55P03 instead of queueing behind it.
 */
@VoxannePostgres
class RoleSettingsAttackTest {

    /** The roles whose settings V14 manages, with what it sets: statement_timeout, lock_timeout. */
    private static final Map<String, List<String>> V14_SETTINGS = new LinkedHashMap<>();

    static {
        V14_SETTINGS.put("authenticated", List.of("statement_timeout=8s", "lock_timeout=3s"));
        V14_SETTINGS.put("anon", List.of("statement_timeout=3s", "lock_timeout=1s"));
    }

    /** The lock_timeout a unit of work binds transaction-locally, as the DAO does. */
    private static final Duration LOCK_TIMEOUT = Duration.ofSeconds(1);

    // ---------------------------------------------------------------------------------------------
    // role-level settings
    // ---------------------------------------------------------------------------------------------

    /** The timeout settings {@code role} logs in with in {@code db}: cluster-wide and this database's. */
    private static List<String> timeouts(TestDatabase db, String role) throws SQLException {
        return adminColumn(db.adminDataSource(), "select c from pg_db_role_setting s, unnest(s.setconfig) c"
                + " where s.setrole = ?::regrole and s.setdatabase in (0, (select oid from pg_database"
                + " where datname = current_database())) and (c like 'statement\\_timeout=%' or c like 'lock\\_timeout=%')"
                + " order by 1", role);
    }

    /** Every cluster-wide setting of each managed role, to restore afterwards. */
    private static Map<String, List<String>> saveRoleSettings(TestDatabase db) throws SQLException {
        Map<String, List<String>> saved = new LinkedHashMap<>();
        for (String role : V14_SETTINGS.keySet()) {
            saved.put(role, adminColumn(db.adminDataSource(), "select c from pg_db_role_setting s, unnest(s.setconfig) c"
                    + " where s.setrole = ?::regrole and s.setdatabase = 0", role));
        }
        return saved;
    }

    private static void restoreRoleSettings(TestDatabase db, Map<String, List<String>> saved) throws SQLException {
        for (Map.Entry<String, List<String>> role : saved.entrySet()) {
            List<String> statements = new ArrayList<>();
            statements.add("alter role " + role.getKey() + " reset all");
            for (String setting : role.getValue()) {
                int eq = setting.indexOf('=');
                statements.add("alter role " + role.getKey() + " set " + setting.substring(0, eq) + " = '"
                        + setting.substring(eq + 1).replace("'", "''") + "'");
            }
            admin(db.adminDataSource(), statements.toArray(String[]::new));
        }
    }

    private static void resetTimeouts(TestDatabase db) throws SQLException {
        for (String role : V14_SETTINGS.keySet()) {
            admin(db.adminDataSource(), "alter role " + role + " reset statement_timeout",
                    "alter role " + role + " reset lock_timeout");
        }
    }

    @Test
    void timeoutsAreSetWhereAbsentAndTheRollbackResetsThem() throws SQLException {
        try (TestDatabase db = TestPostgres.shared().createDatabase()) {
            PrivilegeAttackSupport.grantApiRoles(db);
            Map<String, List<String>> saved = saveRoleSettings(db);
            try {
                resetTimeouts(db);
                VoxanneSchema schema = PrivilegeAttackSupport.schema(db);
                schema.migrate();
                for (Map.Entry<String, List<String>> role : V14_SETTINGS.entrySet()) {
                    assertThat(timeouts(db, role.getKey())).as("%s after V14", role.getKey())
                            .containsExactlyInAnyOrderElementsOf(role.getValue());
                }
                schema.rollbackTo("13", false);
                for (String role : V14_SETTINGS.keySet()) {
                    assertThat(timeouts(db, role)).as("%s after U14", role).isEmpty();
                }
            } finally {
                restoreRoleSettings(db, saved);
            }
        }
    }

    @Test
    void aTimeoutTheRoleAlreadyHadIsKeptAndSurvivesTheRollback() throws SQLException {
        try (TestDatabase db = TestPostgres.shared().createDatabase()) {
            PrivilegeAttackSupport.grantApiRoles(db);
            Map<String, List<String>> saved = saveRoleSettings(db);
            try {
                resetTimeouts(db);
                admin(db.adminDataSource(), "alter role authenticated set statement_timeout = '42s'");
                VoxanneSchema schema = PrivilegeAttackSupport.schema(db);
                schema.migrate();
                assertThat(timeouts(db, "authenticated")).as("authenticated after V14")
                        .containsExactlyInAnyOrder("statement_timeout=42s", "lock_timeout=3s");
                schema.rollbackTo("13", false);
                assertThat(timeouts(db, "authenticated")).as("authenticated after U14")
                        .containsExactly("statement_timeout=42s");
                assertThat(timeouts(db, "anon")).as("anon after U14").isEmpty();
            } finally {
                restoreRoleSettings(db, saved);
            }
        }
    }

    /**
     * Role settings made in a database are not copied by {@code CREATE DATABASE ... TEMPLATE}; the test
     * kit's clone copies them, so a test database is the migrated template again. Where the role has a
     * cluster-wide value of its own, V14 left it alone and there is nothing in the database to copy.
     */
    @Test
    void theTestKitsCloneKeepsTheTimeouts(TestDatabase db) throws SQLException {
        for (Map.Entry<String, List<String>> role : V14_SETTINGS.entrySet()) {
            List<String> clusterWide = adminColumn(db.adminDataSource(), "select c from pg_db_role_setting s,"
                    + " unnest(s.setconfig) c where s.setrole = ?::regrole and s.setdatabase = 0", role.getKey());
            List<String> inClone = adminColumn(db.adminDataSource(), "select c from pg_db_role_setting s, unnest(s.setconfig) c"
                    + " where s.setrole = ?::regrole and s.setdatabase = (select oid from pg_database"
                    + " where datname = current_database())", role.getKey());
            for (String setting : role.getValue()) {
                String name = setting.substring(0, setting.indexOf('=') + 1);
                if (clusterWide.stream().noneMatch(c -> c.startsWith(name))) {
                    assertThat(inClone).as("%s's settings in the clone", role.getKey()).contains(setting);
                }
            }
        }
    }

    /**
     * PostgreSQL lets any role change its own defaults (ALTER ROLE itself SET, with or without IN
     * DATABASE) and no grant takes that away: a session acting as an API role can lift its role-level
     * limits for later direct logins of that role, or set them so low (statement_timeout = 1) that they
     * fail; PostgREST applies an impersonated role's settings to each of its requests. This pins that rule
     * (a PostgreSQL that closes it would make this test fail and the warning below unnecessary), shows
     * that another role's settings stay closed, that verify warns about the lifted limits, and that a unit
     * bound the way the DAO binds keeps its own limits whatever the role's settings say.
     */
    @Test
    void anApiRoleMayRewriteItsOwnRoleLimitsButNeitherAnothersNorAUnits() throws SQLException {
        try (TestDatabase db = PrivilegeAttackSupport.freshMigratedDatabase()) {
            String in = " in database \"" + db.name() + "\"";
            Map<Caller, String> own = Map.of(Caller.AUTHENTICATED, "authenticated", Caller.ANON, "anon");
            for (Map.Entry<Caller, String> role : own.entrySet()) {
                for (String change : List.of("set statement_timeout = 0", "set statement_timeout = 1",
                        "set lock_timeout = 0", "reset statement_timeout", "reset all")) {
                    for (String scope : List.of(in, "")) {
                        String sql = "alter role " + role.getValue() + scope + " " + change;
                        assertThat(attempt(db.loginDataSource(), role.getKey(), sql)).as("%s: %s", role.getKey(), sql)
                                .isEqualTo(SUCCESS);
                    }
                }
            }
            // Another role's settings were never open to them.
            assertThat(attempt(db.loginDataSource(), Caller.AUTHENTICATED, "alter role anon" + in + " reset all"))
                    .isEqualTo("42501");
            assertThat(attempt(db.loginDataSource(), Caller.ANON, "alter role authenticated" + in + " reset all"))
                    .isEqualTo("42501");

            // The attack, committed, in this database only (the database goes away with the test).
            as(db.loginDataSource(), Caller.AUTHENTICATED.claims(), true, c -> {
                execute(c, "alter role authenticated" + in + " set statement_timeout = 0");
                return execute(c, "alter role authenticated" + in + " set lock_timeout = 0");
            });
            VerifyReport report = VoxanneSchema.configure().dataSource(db.adminDataSource()).load().verify();
            Check limits = report.check(VerifyCheck.API_ROLE_TIME_LIMITS).orElseThrow();
            assertThat(limits.status()).isEqualTo(VerifyReport.Status.WARN);
            assertThat(limits.reason()).contains("authenticated statement_timeout = 0 (no limit)",
                    "authenticated lock_timeout = 0 (no limit)");

            // A unit bound as the DAO binds it runs with its own limits all the same.
            try (Connection c = db.loginDataSource().getConnection()) {
                c.setAutoCommit(false);
                RequestBinding.bind(c, Caller.AUTHENTICATED.claims());
                assertThat(value(c, "select current_setting('statement_timeout') || ' ' || current_setting('lock_timeout')"))
                        .isEqualTo("8s 3s");
                c.rollback();
            }
        }
    }

    // ---------------------------------------------------------------------------------------------
    // lock attack
    // ---------------------------------------------------------------------------------------------

    @Test
    void whoMayLockTheContactsTable(TestDatabase db) {
        String lock = "lock table public.contacts in access exclusive mode";
        assertThat(attempt(db.loginDataSource(), Caller.ANON, lock)).as("anon").isEqualTo("42501");
        assertThat(attempt(db.loginDataSource(), Caller.LOGIN_ROLE, lock)).as("the login role").isEqualTo("42501");
        // authenticated may (it holds DELETE): the attack below is open to any signed-in user.
        assertThat(attempt(db.loginDataSource(), Caller.AUTHENTICATED, lock)).as("authenticated").isEqualTo(SUCCESS);
    }

    /**
     * One organization's user locks contacts; a user of another organization, bound with the DAO's
     * lock_timeout, fails with 55P03 after about that long instead of waiting for the lock; once the lock
     * is gone, the same work proceeds.
     */
    @Test
    void anotherOrganizationFailsFastBehindATableLock(Tenants tenants, DataSource login) throws SQLException {
        User mallory = tenants.organization("Clinic M").user("mallory");
        User bob = tenants.organization("Clinic B").user("bob");
        String read = "select count(*) from public.contacts";
        String write = "insert into public.contacts (org_id, name) values ('" + bob.organization().id() + "', 'Pat')";
        try (Connection holder = login.getConnection()) {
            holder.setAutoCommit(false);
            bind(holder, mallory.claims());
            execute(holder, "lock table public.contacts in access exclusive mode");
            for (String sql : List.of(read, write)) {
                long started = System.nanoTime();
                String state = sqlState(() -> withLockTimeout(login, bob.claims(), sql));
                Duration waited = Duration.ofNanos(System.nanoTime() - started);
                assertThat(state).as("%s behind another organization's lock", sql).isEqualTo("55P03");
                assertThat(waited).as("time waited").isGreaterThanOrEqualTo(LOCK_TIMEOUT.minusMillis(50))
                        .isLessThan(LOCK_TIMEOUT.plusSeconds(3));
            }
            holder.rollback();
        }
        assertThat(sqlState(() -> withLockTimeout(login, bob.claims(), read))).as("read without the lock").isEqualTo(SUCCESS);
        assertThat(sqlState(() -> withLockTimeout(login, bob.claims(), write))).as("write without the lock").isEqualTo(SUCCESS);
    }

    private static void bind(Connection c, RequestClaims claims) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(PrivilegeAttackSupport.BIND_SQL)) {
            ps.setString(1, claims.role().roleName());
            ps.setString(2, claims.toJson());
            ps.execute();
        }
    }

    /** Runs {@code sql} as {@code claims} with the lock_timeout bound transaction-locally; rolls back. */
    private static Object withLockTimeout(DataSource login, RequestClaims claims, String sql) throws SQLException {
        return as(login, claims, false, c -> {
            value(c, "select set_config('lock_timeout', ?, true)", LOCK_TIMEOUT.toMillis() + "ms");
            return execute(c, sql);
        });
    }
}
