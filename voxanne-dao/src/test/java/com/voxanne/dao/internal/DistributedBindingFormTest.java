package com.voxanne.dao.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.dao.BulkImportException;
import com.voxanne.dao.Contact;
import com.voxanne.dao.ContactQuery;
import com.voxanne.dao.NewContact;
import com.voxanne.dao.NotFoundException;
import com.voxanne.dao.VoxanneObserver;
import com.voxanne.schema.session.RequestBinding.Placement;
import com.voxanne.schema.session.RoleTimeouts;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The DAO's units with the distributed form of the binding, on one server (where {@code SET LOCAL}
 * binds as {@code set_config} does): the statement that carries it skips its {@code SET LOCAL} results
 * in both modes, past PgJDBC's server-prepare threshold, binds on its own before a savepoint, and
 * isolates the clinics exactly as the single-server form. What the Citus backend runs
 * ({@code CitusDaoIsolationTest}), checked on every backend.
 */
@VoxannePostgres
class DistributedBindingFormTest {

    private ServiceScopeImpl distributed;
    private User ann;
    private User bob;

    @BeforeEach
    void setUp(DataSource login, Tenants tenants) {
        distributed = new ServiceScopeImpl(login, "US", RoleTimeouts.defaults(), VoxanneObserver.NONE, Placement.DISTRIBUTED);
        ann = tenants.organization("Clinic A " + UUID.randomUUID()).user("ann");
        bob = tenants.organization("Clinic B " + UUID.randomUUID()).user("bob");
    }

    private <T> T asAnn(Transactions.Mode mode, java.util.function.Function<com.voxanne.dao.TenantTransaction, T> work) {
        return distributed.perCall(ann.organization().id(), ann.id(), mode, work);
    }

    @Test
    void singleStatementUnitsSeeTheirOwnRowsOnlyPastTheServerPrepareThreshold() {
        Contact own = asAnn(Transactions.Mode.SINGLE_STATEMENT, tx -> tx.contacts().create(NewContact.named("Ann's")));
        Contact bobs = distributed.perCall(bob.organization().id(), bob.id(), Transactions.Mode.SINGLE_STATEMENT,
                tx -> tx.contacts().create(NewContact.named("Bob's")));
        for (int i = 0; i < 8; i++) {
            List<Contact> seen = asAnn(Transactions.Mode.SINGLE_STATEMENT, tx -> tx.contacts().list(ContactQuery.all()).items());
            assertThat(seen).extracting(Contact::id).containsExactly(own.id());
            assertThat(asAnn(Transactions.Mode.SINGLE_STATEMENT, tx -> tx.contacts().get(own.id())).name()).isEqualTo("Ann's");
            assertThatThrownBy(() -> asAnn(Transactions.Mode.SINGLE_STATEMENT, tx -> tx.contacts().get(bobs.id())))
                    .isInstanceOf(NotFoundException.class);
        }
    }

    @Test
    void aTransactionUnitBindsOnceAndABindingOnItsOwnPrecedesItsSavepoint() {
        List<String> names = distributed.inOrg(ann.organization().id(), ann.id(), tx -> {
            tx.contacts().create(NewContact.named("First").phone("+12125550100"));
            assertThatThrownBy(() -> tx.contacts().importAll(List.of(NewContact.named("Clash").phone("+12125550100"))))
                    .isInstanceOf(BulkImportException.class);
            return tx.contacts().list(ContactQuery.all()).items().stream().map(Contact::name).toList();
        });
        assertThat(names).containsExactly("First");
        // importAll's savepoint is its unit's first server call: the binding runs on its own before it
        List<Contact> imported = asAnn(Transactions.Mode.TRANSACTION,
                tx -> tx.contacts().importAll(List.of(NewContact.named("One"), NewContact.named("Two"))));
        assertThat(imported).extracting(Contact::organizationId).containsOnly(ann.organization().id());
        List<Contact> seenByBob = distributed.perCall(bob.organization().id(), bob.id(), Transactions.Mode.SINGLE_STATEMENT,
                tx -> tx.contacts().list(ContactQuery.all()).items());
        assertThat(seenByBob).isEmpty();
    }
}
