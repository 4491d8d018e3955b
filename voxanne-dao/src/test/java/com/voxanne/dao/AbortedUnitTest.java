package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A failed database call aborts its unit's transaction: a caller that catches the typed failure inside
 * {@code inOrg} and goes on is told the unit is aborted and by what, and never gets a unit it takes for
 * committed; a savepoint around the call that may fail lets it go on.
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
}
