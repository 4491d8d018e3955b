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
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * A commit that fails on the worker (docs/citus.md, fact 32). Citus commits a unit that wrote on one
 * worker by sending that worker {@code COMMIT} after its own, and reports a failure there as {@code XX000
 * could not commit transaction for shard …}, the worker's own reply relayed as a warning before it. A
 * deferred constraint trigger on the contacts' shards refuses every commit that inserted a contact, as a
 * deferred check of a service's schema would. Runs with VOXANNE_TEST_BACKEND=citus only.
 */
@EnabledIf(value = "com.voxanne.dao.CitusDaoIsolationTest#onCitus",
        disabledReason = "needs the Citus backend (VOXANNE_TEST_BACKEND=citus)")
@VoxannePostgres
class CitusCommitFailureTest extends TwoClinicsTest {

    private DataSource admin;

    /** Places the class's database on the cluster, as an operator would after migrating. */
    @BeforeAll
    static void distribute(@Admin DataSource admin, TestDatabase db) throws Exception {
        CitusDaoIsolationTest.distribute(admin, db);
    }

    @BeforeEach
    void refuseAtCommit(@Admin DataSource admin) throws SQLException {
        this.admin = admin;
        execute("create or replace function public.test_refuse_at_commit() returns trigger language plpgsql as $$"
                + " begin raise exception 'refused at commit' using errcode = 'P0001'; end $$");
        execute("create constraint trigger test_refuse_at_commit after insert on public.contacts"
                + " deferrable initially deferred for each row execute function public.test_refuse_at_commit()");
    }

    @AfterEach
    void dropTrigger() throws SQLException {
        execute("drop trigger if exists test_refuse_at_commit on public.contacts");
    }

    /** The worker's refusal is the failure reported, with its SQLSTATE, and a known rollback. */
    @Test
    void aUnitWhoseCommitTheWorkerRefusesReportsTheWorkersErrorAsAKnownRollback() throws SQLException {
        Throwable failure = catchThrowable(() -> voxanne.inOrg(annInA, tx -> tx.contacts().create(NewContact.named("Ann"))));
        assertThat(failure).isInstanceOfSatisfying(DataAccessFailureException.class, e -> {
            assertThat(e.sqlState()).isEqualTo("P0001");
            assertThat(e.outcomeUnknown()).isFalse();
            assertThat(e.getSuppressed()).anyMatch(s -> s.getMessage().contains("XX000"));
        });
        assertThat(contactsOf(annInA)).isZero();
    }

    /**
     * A single-statement unit carries its {@code commit} in its own string; there Citus answers with the
     * worker's refusal itself: the same failure, a known rollback.
     */
    @Test
    void aSingleStatementUnitWhoseCommitTheWorkerRefusesReportsTheWorkersErrorToo() throws SQLException {
        Throwable failure = catchThrowable(() -> voxanne.contacts(annInA).create(NewContact.named("Ann")));
        assertThat(failure).isInstanceOfSatisfying(DataAccessFailureException.class, e -> {
            assertThat(e.sqlState()).isEqualTo("P0001");
            assertThat(e.outcomeUnknown()).isFalse();
        });
        assertThat(contactsOf(annInA)).isZero();
    }

    /** Control: the same units commit once the trigger is gone. */
    @Test
    void withoutTheRefusalBothUnitsCommit() throws SQLException {
        dropTrigger();
        voxanne.inOrg(annInA, tx -> tx.contacts().create(NewContact.named("Ann")));
        voxanne.contacts(annInA).create(NewContact.named("Bea"));
        assertThat(contactsOf(annInA)).isEqualTo(2);
    }

    private long contactsOf(OrgContext clinic) throws SQLException {
        try (Connection c = admin.getConnection();
             PreparedStatement ps = c.prepareStatement("select count(*) from public.contacts where org_id = ?")) {
            ps.setObject(1, clinic.organizationId());
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }

    private void execute(String sql) throws SQLException {
        try (Connection c = admin.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
