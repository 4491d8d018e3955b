package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.postgres.TestDatabase;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;

/** Nothing of a unit of work stays on a pooled connection: not the role, not the claims. */
@VoxannePostgres
class ConnectionHygieneTest {

    @Test
    void aPoolOfOneConnectionComesBackCleanAfterEveryKindOfUnit(TestDatabase db, DataSource login, Tenants tenants)
            throws Exception {
        User ann = tenants.organization("Clinic A").user("ann");
        User bob = tenants.organization("Clinic B").user("bob");
        try (HikariDataSource pool = poolOfOne(db)) {
            Voxanne voxanne = Voxanne.create(pool);
            OrgContext annInA = OrgContext.of(ann.organization().id(), ann.id());
            OrgContext bobInB = OrgContext.of(bob.organization().id(), bob.id());

            Contact a = voxanne.contacts(annInA).create(NewContact.named("Ann").phone("+12125550150"));
            assertThatThrownBy(() -> voxanne.runInOrg(annInA, tx -> {
                tx.contacts().create(NewContact.named("Doomed").phone("+12125550151"));
                throw new IllegalStateException("boom");
            })).hasMessage("boom");
            assertThatThrownBy(() -> voxanne.contacts(bobInB).get(a.id())).isInstanceOf(NotFoundException.class);
            voxanne.service().webhooks().processOnce(annInA.organizationId(), "evt-hygiene", "call.ended", tx -> { });

            assertNothingLeftOn(pool, db);
        }
    }

    /**
     * The same with one-round-trip units: single-statement calls (begin, binding, statement and commit in
     * one string), one that fails, the service scope and a multi-statement transaction, all on the one
     * physical connection of the pool.
     */
    @Test
    void aPoolOfOneConnectionComesBackCleanAfterSingleStatementUnits(TestDatabase db, Tenants tenants) throws Exception {
        User ann = tenants.organization("Clinic C").user("ann");
        User bob = tenants.organization("Clinic D").user("bob");
        try (HikariDataSource pool = poolOfOne(db)) {
            Voxanne voxanne = Voxanne.create(pool);
            OrgContext annInC = OrgContext.of(ann.organization().id(), ann.id());
            OrgContext bobInD = OrgContext.of(bob.organization().id(), bob.id());
            Contact a = voxanne.contacts(annInC).create(NewContact.named("Ann").phone("+12125550160"));

            assertThat(voxanne.contacts(annInC).list(ContactQuery.all()).items()).containsExactly(a);
            assertThatThrownBy(() -> voxanne.contacts(annInC).create(NewContact.named("Twin").phone("+12125550160")))
                    .isInstanceOf(DuplicateException.class);
            assertThatThrownBy(() -> voxanne.contacts(bobInD).get(a.id())).isInstanceOf(NotFoundException.class);
            assertThat(voxanne.contacts(bobInD).countsByLeadStatus().values()).containsOnly(0L);
            assertThat(voxanne.service().organizations().get(annInC.organizationId()).id())
                    .isEqualTo(annInC.organizationId());
            assertThatThrownBy(() -> voxanne.contacts(annInC).importAll(List.of(
                    NewContact.named("New").phone("+12125550161"), NewContact.named("Clash").phone("+12125550160"))))
                    .isInstanceOf(BulkImportException.class);
            long seen = voxanne.inOrg(annInC, tx -> tx.contacts().countsByLeadStatus().values().stream()
                    .mapToLong(Long::longValue).sum() + tx.notifications().unreadCount());
            assertThat(seen).as("a multi-statement unit").isEqualTo(1L);

            assertNothingLeftOn(pool, db);
        }
    }

    /**
     * Single-statement units are server-prepared from PgJDBC's fifth execution of the same SQL on a
     * connection, and then PgJDBC puts a Sync between the binding and a statement whose rows have no
     * bounded size. Inside the unit's explicit transaction the binding survives it: 30 alternating calls
     * of two organizations on the one connection of the pool each see their own rows only, and the
     * statements really were server-prepared.
     */
    @Test
    void repeatedSingleStatementUnitsStayBoundOnceServerPrepared(TestDatabase db, Tenants tenants) throws Exception {
        User ann = tenants.organization("Clinic E").user("ann");
        User bob = tenants.organization("Clinic F").user("bob");
        try (HikariDataSource pool = poolOfOne(db)) {
            Voxanne voxanne = Voxanne.create(pool);
            OrgContext annInE = OrgContext.of(ann.organization().id(), ann.id());
            OrgContext bobInF = OrgContext.of(bob.organization().id(), bob.id());
            Contact a1 = voxanne.contacts(annInE).create(NewContact.named("Ann One").phone("+12125550170"));
            Contact a2 = voxanne.contacts(annInE).create(NewContact.named("Ann Two").phone("+12125550171"));
            Contact b1 = voxanne.contacts(bobInF).create(NewContact.named("Bob One").phone("+12125550170"));
            for (int i = 0; i < 30; i++) {
                assertThat(voxanne.contacts(annInE).list(ContactQuery.all()).items()).as("call %d for E", i)
                        .containsExactlyInAnyOrder(a1, a2);
                assertThat(voxanne.contacts(bobInF).list(ContactQuery.all()).items()).as("call %d for F", i)
                        .containsExactly(b1);
                assertThat(voxanne.contacts(bobInF).countsByLeadStatus().values().stream().mapToLong(Long::longValue).sum())
                        .as("call %d count for F", i).isEqualTo(1L);
            }
            try (Connection c = pool.getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("select count(*) from pg_prepared_statements where not from_sql"
                         + " and statement like '%\"contacts\"%'")) {
                rs.next();
                assertThat(rs.getLong(1)).as("server-prepared contact statements on the connection").isPositive();
            }
        }
    }

    /**
     * Single-statement units run with auto-commit on whatever the pool lends; a pool that lends
     * connections with auto-commit off gets them back so, after a read, a failed write, a service call
     * and a transaction.
     */
    @Test
    void aPoolLendingAutoCommitOffGetsItsConnectionBackAsLent(TestDatabase db, Tenants tenants) throws Exception {
        User ann = tenants.organization("Clinic G").user("ann");
        try (HikariDataSource pool = poolOfOne(db, false)) {
            Voxanne voxanne = Voxanne.create(pool);
            OrgContext annInG = OrgContext.of(ann.organization().id(), ann.id());
            Contact a = voxanne.contacts(annInG).create(NewContact.named("Ann").phone("+12125550180"));
            assertThat(voxanne.contacts(annInG).get(a.id())).isEqualTo(a);
            assertThatThrownBy(() -> voxanne.contacts(annInG).create(NewContact.named("Twin").phone("+12125550180")))
                    .isInstanceOf(DuplicateException.class);
            assertThat(voxanne.notifications(annInG).unreadCount()).isZero();
            assertThat(voxanne.service().organizations().get(annInG.organizationId()).id()).isEqualTo(annInG.organizationId());
            List<Contact> listed = voxanne.inOrg(annInG, tx -> tx.contacts().list(ContactQuery.all()).items());
            assertThat(listed).containsExactly(a);

            assertNothingLeftOn(pool, db, false);
        }
    }

    static void assertNothingLeftOn(HikariDataSource pool, TestDatabase db) throws SQLException {
        assertNothingLeftOn(pool, db, true);
    }

    /**
     * The raw check on the pool's one connection: auto-commit as the pool lent it, no transaction open
     * (checked first: with auto-commit off the check's own query opens one), and the login role with no
     * claims and no role setting.
     */
    private static void assertNothingLeftOn(HikariDataSource pool, TestDatabase db, boolean autoCommit)
            throws SQLException {
        try (Connection c = pool.getConnection()) {
            assertClean(c, db.server().loginRole(), autoCommit);
            if (!autoCommit) {
                c.rollback();
            }
        }
    }

    /**
     * One borrowed connection carries nothing of the units that used it: auto-commit as the pool lent it, no
     * transaction open (checked first: with auto-commit off the check's own query opens one), the login
     * role with no claims and no role setting, and statement and lock timeouts at the session's own values
     * (a unit sets them transaction-locally only).
     */
    static void assertClean(Connection c, String loginRole, boolean autoCommit) throws SQLException {
        assertThat(c.getAutoCommit()).as("auto-commit as the pool lent it").isEqualTo(autoCommit);
        assertThat(c.unwrap(BaseConnection.class).getTransactionState()).as("no transaction open")
                .isEqualTo(TransactionState.IDLE);
        try (Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select current_user, session_user,"
                     + " coalesce(current_setting('request.jwt.claims', true), ''), current_setting('role'),"
                     + " (select string_agg(name || '=' || setting || ' not ' || reset_val, ', ') from pg_settings"
                     + "  where name in ('statement_timeout', 'lock_timeout') and setting is distinct from reset_val)")) {
            rs.next();
            assertThat(rs.getString(1)).as("current_user").isEqualTo(loginRole);
            assertThat(rs.getString(2)).as("session_user").isEqualTo(loginRole);
            assertThat(rs.getString(3)).as("claims left behind").isEmpty();
            assertThat(rs.getString(4)).as("role setting").isEqualTo("none");
            assertThat(rs.getString(5)).as("timeouts left behind").isNull();
        }
    }

    /** A Hikari pool of one connection as the login role: every unit of the test shares it. */
    static HikariDataSource poolOfOne(TestDatabase db) {
        return poolOfOne(db, true);
    }

    private static HikariDataSource poolOfOne(TestDatabase db, boolean autoCommit) {
        return loginPool(db, 1, autoCommit);
    }

    /** A Hikari pool of {@code size} connections as the login role, lending them with {@code autoCommit}. */
    static HikariDataSource loginPool(TestDatabase db, int size, boolean autoCommit) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(db.jdbcUrl());
        config.setUsername(db.server().loginRole());
        config.setPassword(loginPassword());
        config.setMaximumPoolSize(size);
        config.setAutoCommit(autoCommit);
        return new HikariDataSource(config);
    }

    private static String loginPassword() {
        return com.voxanne.testkit.postgres.TestPostgresConfig.fromEnvironment().loginPassword();
    }
}
