package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.voxanne.testkit.Admin;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import com.voxanne.testkit.postgres.TestDatabase;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A failed database call aborts its unit's transaction: a caller that catches the typed failure inside
 * {@code inOrg} and goes on is told the unit is aborted and by what, and never gets a unit it takes for
 * committed; a savepoint around the call that may fail lets it go on. A unit whose connection was lost
 * (its backend terminated) says so for every later call and at its end, and commits nothing.
 */
@VoxannePostgres
class AbortedUnitTest {

    private static final String PHONE = "+1 212 555 0142";

    private Voxanne voxanne;
    private OrgContext annInA;
    private UUID existing;

    @BeforeEach
    void setUp(DataSource login, Tenants tenants) {
        voxanne = Voxanne.create(login);
        User ann = tenants.organization("Clinic A").user("ann");
        annInA = OrgContext.of(ann.organization().id(), ann.id());
        // one database per test class: the first test creates the contact, the others find it
        existing = voxanne.contacts(annInA).findByPhone(PHONE)
                .orElseGet(() -> voxanne.contacts(annInA).create(NewContact.named("Ann").phone(PHONE))).id();
    }

    @Test
    void theCallAfterACaughtFailureSaysTheUnitIsAbortedAndNamesTheFirstFailure() {
        DuplicateException[] first = new DuplicateException[1];
        Throwable thrown = catchThrowable(() -> voxanne.inOrg(annInA, tx -> {
            try {
                tx.contacts().create(NewContact.named("Ann again").phone(PHONE));
            } catch (DuplicateException e) {
                first[0] = e;
            }
            return tx.contacts().get(existing);
        }));
        assertThat(first[0]).as("the first failure is typed").isNotNull();
        assertThat(thrown).isInstanceOfSatisfying(DataAccessFailureException.class, e -> {
            assertThat(e.sqlState()).isEqualTo("25P02");
            assertThat(e.outcomeUnknown()).isFalse();
            assertThat(e).hasMessageContaining("the unit of work is aborted")
                    .hasMessageContaining("DuplicateException").hasMessageContaining("uq_contacts_org_phone")
                    .hasMessageContaining("tx.dsl().transaction")
                    .hasMessageNotContaining("555").hasMessageNotContaining("Ann");
            assertThat(e.getCause()).as("the first failure").isSameAs(first[0]);
        });
    }

    @Test
    void aUnitThatCaughtAFailureAndReturnedIsNotTakenForCommitted() {
        UUID made = UUID.randomUUID();
        Throwable thrown = catchThrowable(() -> voxanne.inOrg(annInA, tx -> {
            tx.contacts().create(NewContact.named("Made first").id(made));
            try {
                tx.contacts().create(NewContact.named("Ann again").phone(PHONE));
            } catch (DuplicateException expected) {
                // swallowed: the unit cannot commit anyway
            }
            return "done";
        }));
        assertThat(thrown).isInstanceOfSatisfying(DataAccessFailureException.class, e -> {
            assertThat(e.sqlState()).isEqualTo("25P02");
            assertThat(e).hasMessageContaining("the unit of work is aborted").hasMessageContaining("DuplicateException");
            assertThat(e.getCause()).isInstanceOf(DuplicateException.class);
        });
        assertThat(catchThrowable(() -> voxanne.contacts(annInA).get(made)))
                .as("nothing of the aborted unit committed").isInstanceOf(NotFoundException.class);
    }

    @Test
    void aSavepointAroundTheCallThatMayFailKeepsTheUnitUsable() {
        UUID before = UUID.randomUUID();
        UUID after = UUID.randomUUID();
        String outcome = voxanne.inOrg(annInA, tx -> {
            tx.contacts().create(NewContact.named("Before").id(before));
            String tried;
            try {
                tried = tx.dsl().transactionResult(c -> tx.contacts().create(NewContact.named("Ann again").phone(PHONE)).id()
                        .toString());
            } catch (DuplicateException e) {
                tried = "duplicate";
            }
            tx.contacts().create(NewContact.named("After").id(after));
            return tried;
        });
        assertThat(outcome).isEqualTo("duplicate");
        assertThat(voxanne.contacts(annInA).get(before).id()).isEqualTo(before);
        assertThat(voxanne.contacts(annInA).get(after).id()).isEqualTo(after);
    }

    @Test
    void aFailureThatEndsTheUnitIsReportedAsItself() {
        Throwable thrown = catchThrowable(() -> voxanne.inOrg(annInA,
                tx -> tx.contacts().create(NewContact.named("Ann again").phone(PHONE))));
        assertThat(thrown).isInstanceOf(DuplicateException.class);
    }

    /**
     * Through a Hikari pool, which closes a connection whose statement lost it: the next call of the unit
     * fails on "connection is closed" (no SQLSTATE) and is told the unit lost its connection, and by which
     * call; the unit's end says the same, its outcome known (nothing committed).
     */
    @Test
    void aUnitWhoseConnectionWasLostSaysSoForEveryLaterCallAndCommitsNothing(
            TestDatabase db, @Admin DataSource admin) {
        UUID made = UUID.randomUUID();
        DataAccessFailureException[] calls = new DataAccessFailureException[2];
        try (HikariDataSource pool = ConnectionHygieneTest.loginPool(db, 2, true)) {
            Voxanne pooled = Voxanne.create(pool);
            Throwable thrown = catchThrowable(() -> pooled.inOrg(annInA, tx -> {
                tx.contacts().create(NewContact.named("Made first").id(made));
                terminate(admin, tx.dsl().fetchSingle("select pg_backend_pid()").get(0, Integer.class));
                for (int i = 0; i < 2; i++) {
                    try {
                        tx.contacts().get(existing);
                    } catch (DataAccessFailureException e) {
                        calls[i] = e;
                    }
                }
                return "done";
            }));
            assertThat(calls[0]).as("the call that lost the connection").isNotNull();
            assertThat(calls[0].sqlState()).matches("08...|57P01");
            assertThat(calls[1]).as("the call after it").isNotNull().satisfies(e -> {
                assertThat(e).hasMessageContaining("lost its connection in an earlier call")
                        .hasMessageContaining("retry the whole unit");
                assertThat(e.sqlState()).isEqualTo(calls[0].sqlState());
                assertThat(e.outcomeUnknown()).isFalse();
                assertThat(e.getCause()).isSameAs(calls[0]);
            });
            assertThat(thrown).as("the unit's end").isInstanceOfSatisfying(DataAccessFailureException.class, e -> {
                assertThat(e).hasMessageContaining("lost its connection in an earlier call");
                assertThat(e.outcomeUnknown()).as("the commit was never sent").isFalse();
                assertThat(e.getCause()).isSameAs(calls[0]);
            });
            assertThat(catchThrowable(() -> pooled.contacts(annInA).get(made)))
                    .as("nothing of the unit committed; the pool lends a working connection").isInstanceOf(NotFoundException.class);
        }
    }

    private static void terminate(DataSource admin, int pid) {
        try (Connection c = admin.getConnection();
             PreparedStatement ps = c.prepareStatement("select pg_terminate_backend(?)")) {
            ps.setInt(1, pid);
            ps.execute();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
