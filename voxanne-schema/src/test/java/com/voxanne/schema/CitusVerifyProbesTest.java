package com.voxanne.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.schema.VerifyReport.Check;
import com.voxanne.schema.VerifyReport.Status;
import com.voxanne.schema.session.AuthUsers;
import com.voxanne.schema.session.RequestBinding;
import com.voxanne.schema.session.RequestBinding.Placement;
import com.voxanne.schema.session.RequestClaims;
import com.voxanne.schema.session.RoleTimeouts;
import com.voxanne.testkit.postgres.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * {@code verify}'s probes on a distributed database, where they bind in the distributed form
 * (docs/adr/0018-binding-on-a-distributed-database.md), and why three of them still fail there
 * (docs/citus.md, fact 24): the probes seed rows as the verifying role and then act as a user in the
 * same transaction, which Citus refuses (fact 12); and {@code search_contact_ids} cannot be planned.
 * Runs only with VOXANNE_TEST_BACKEND=citus.
 */
@EnabledIf(value = "com.voxanne.schema.CitusSupport#onCitus", disabledReason = "needs the Citus backend (VOXANNE_TEST_BACKEND=citus)")
class CitusVerifyProbesTest {

    private static TestDatabase db;

    @BeforeAll
    static void distribute() throws Exception {
        db = SchemaTestSupport.migratedDatabase();
        CitusSupport.configureWorkers(db, CitusSupport.schema(db).distribute());
    }

    @AfterAll
    static void close() {
        db.close();
    }

    private static Check item(VerifyReport report, VerifyCheck id) {
        return report.check(id).orElseThrow(() -> new AssertionError("no check " + id + " in\n" + report));
    }

    @Test
    void theProbesOnADistributedDatabase() {
        VerifyReport report = CitusSupport.schema(db).verify();
        assertThat(item(report, VerifyCheck.ORG_ID_IMMUTABLE_PROBE).status()).isEqualTo(Status.PASS);
        assertThat(item(report, VerifyCheck.AUDIT_FUNCTIONS_PROBE).status()).isEqualTo(Status.PASS);
        assertThat(item(report, VerifyCheck.ORG_ISOLATION_PROBE).reason()).contains("SQLSTATE 25001");
        assertThat(item(report, VerifyCheck.USER_NOTIFICATIONS_PROBE).reason()).contains("SQLSTATE 25001");
        assertThat(item(report, VerifyCheck.SEARCH_ISOLATION_PROBE).reason()).contains("SQLSTATE 0A000");
    }

    @Test
    void thisDatabaseIsFoundDistributed() throws SQLException {
        try (Connection c = db.loginDataSource().getConnection()) {
            assertThat(RequestBinding.placementOf(c)).isEqualTo(Placement.DISTRIBUTED);
        }
    }

    /**
     * 25001 is fact 12, not the binding: a write as the verifying role, then a read as a user in the same
     * transaction. The control: the same binding and read in a transaction of their own see A's row only.
     */
    @Test
    void aReadAsAUserAfterAWriteAsAnotherRoleInOneTransactionIsRefused() throws SQLException {
        UUID orgA = UUID.randomUUID();
        UUID orgB = UUID.randomUUID();
        UUID userA = UUID.randomUUID();
        RequestClaims ann = RequestClaims.user(orgA, userA);
        try (Connection c = db.adminDataSource().getConnection()) {
            execute(c, "insert into public.organizations (id, name) values (?, 'A'), (?, 'B')", orgA, orgB);
            AuthUsers.create(c, userA, userA + "@verify.invalid", orgA);
            execute(c, "insert into public.contacts (org_id, name) values (?, 'of A'), (?, 'of B')", orgA, orgB);
        }
        try (Connection c = db.adminDataSource().getConnection()) {
            c.setAutoCommit(false);
            execute(c, "insert into public.contacts (org_id, name) values (?, 'seeded')", orgB);
            RequestBinding.bind(c, ann, RoleTimeouts.defaults(), Placement.DISTRIBUTED);
            assertThatThrownBy(() -> count(c, "select count(*) from public.contacts"))
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("25001");
                        assertThat(e.getMessage()).contains("modified in this transaction by a different user");
                    });
            c.rollback();
        }
        try (Connection c = db.loginDataSource().getConnection()) {
            c.setAutoCommit(false);
            RequestBinding.bind(c, ann, RoleTimeouts.defaults(), Placement.DISTRIBUTED);
            assertThat(count(c, "select count(*) from public.contacts")).isEqualTo(1);
            assertThat(count(c, "select count(*) from public.contacts where org_id = '" + orgB + "'")).isZero();
            // 0A000 is search_contact_ids itself, bound as it should be
            assertThatThrownBy(() -> count(c, "select count(*) from public.search_contact_ids('of')"))
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("0A000");
                        assertThat(e.getMessage()).contains("could not create distributed plan");
                    });
            c.rollback();
        }
    }

    private static void execute(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = SchemaTestSupport.prepare(c, sql, params)) {
            ps.execute();
        }
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
