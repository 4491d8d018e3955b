package com.voxanne.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.voxanne.dao.ContactQuery;
import com.voxanne.dao.NewContact;
import com.voxanne.dao.OrgContext;
import com.voxanne.dao.Voxanne;
import com.voxanne.testkit.Admin;
import com.voxanne.testkit.DatabaseScope;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * A unit of work never silently escapes a Spring transaction: it refuses to start inside one unless the
 * caller opts into an independent unit, per call or by property (docs/adr/0014-spring-transactions.md).
 */
@VoxannePostgres(scope = DatabaseScope.PER_METHOD)
class SpringTransactionGuardTest {

    private DataSource login;
    private OrgContext ann;
    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(VoxanneAutoConfiguration.class));

    @BeforeEach
    void clinic(DataSource login, Tenants tenants) {
        this.login = login;
        User user = tenants.organization("Clinic A").user("ann");
        this.ann = OrgContext.of(user.organization().id(), user.id());
    }

    @Test
    void aUnitInsideATransactionOnTheSameDataSourceIsRefusedBeforeAnySql() {
        withVoxanne(voxanne -> {
            TransactionTemplate transaction = new TransactionTemplate(new DataSourceTransactionManager(login));
            UnitInSpringTransactionException refused = assertThrows(UnitInSpringTransactionException.class,
                    () -> transaction.executeWithoutResult(status -> voxanne.contacts(ann).create(NewContact.named("Inside"))));
            assertThat(refused).hasMessageContaining("VoxanneSpringTransactions.independent");
            assertThat(voxanne.contacts(ann).list(ContactQuery.all()).items()).isEmpty();
        });
    }

    @Test
    void aTransactionOnAnotherDataSourceIsRefusedToo(@Admin DataSource other) {
        withVoxanne(voxanne -> {
            TransactionTemplate transaction = new TransactionTemplate(new DataSourceTransactionManager(other));
            assertThrows(UnitInSpringTransactionException.class,
                    () -> transaction.executeWithoutResult(status -> voxanne.contacts(ann).list(ContactQuery.all())));
        });
    }

    @Test
    void controlOutsideATransactionAndWithSupportsWithoutOneTheUnitRuns() {
        withVoxanne(voxanne -> {
            voxanne.contacts(ann).create(NewContact.named("Outside"));
            TransactionTemplate supports = new TransactionTemplate(new DataSourceTransactionManager(login));
            supports.setPropagationBehavior(TransactionDefinition.PROPAGATION_SUPPORTS);
            supports.executeWithoutResult(status -> voxanne.contacts(ann).create(NewContact.named("Supports")));
            assertThat(voxanne.contacts(ann).list(ContactQuery.all()).items()).hasSize(2);
        });
    }

    @Test
    void anIndependentUnitCommitsOnItsOwnEvenWhenTheTransactionRollsBack() {
        withVoxanne(voxanne -> {
            TransactionTemplate transaction = new TransactionTemplate(new DataSourceTransactionManager(login));
            transaction.executeWithoutResult(status -> {
                VoxanneSpringTransactions.runIndependent(() -> voxanne.contacts(ann).create(NewContact.named("Independent")));
                status.setRollbackOnly();
            });
            assertThat(voxanne.contacts(ann).list(ContactQuery.all()).items()).hasSize(1);
            // the opt-in ends with the call: the next unit in a transaction is refused again
            assertThrows(UnitInSpringTransactionException.class, () -> transaction.executeWithoutResult(
                    status -> voxanne.contacts(ann).list(ContactQuery.all())));
        });
    }

    @Test
    void thePropertyMakesEveryUnitIndependent() {
        runner.withBean(DataSource.class, () -> login).withPropertyValues("voxanne.spring-transaction=independent")
                .run(context -> {
                    Voxanne voxanne = context.getBean(Voxanne.class);
                    TransactionTemplate transaction = new TransactionTemplate(new DataSourceTransactionManager(login));
                    transaction.executeWithoutResult(status -> {
                        voxanne.contacts(ann).create(NewContact.named("Independent"));
                        status.setRollbackOnly();
                    });
                    assertThat(voxanne.contacts(ann).list(ContactQuery.all()).items()).hasSize(1);
                });
    }

    private void withVoxanne(Consumer<Voxanne> test) {
        runner.withBean(DataSource.class, () -> login).run(context -> test.accept(context.getBean(Voxanne.class)));
    }
}
