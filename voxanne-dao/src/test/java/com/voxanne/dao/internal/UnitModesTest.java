package com.voxanne.dao.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.dao.Contacts;
import com.voxanne.schema.session.RequestBinding.Placement;
import java.lang.reflect.Method;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every tenant repository method says how it runs as a unit of its own, at the method ({@link UnitMode}). */
class UnitModesTest {

    @Test
    void everyMethodOfEveryPerCallRepositoryDeclaresItsMode() {
        for (Class<?> repository : PerCallTransactions.IMPLEMENTATIONS.keySet()) {
            Map<Method, Transactions.Mode> modes = PerCallTransactions.declaredModes(repository);
            assertThat(modes.keySet()).as(repository.getSimpleName())
                    .containsExactlyInAnyOrder(repository.getMethods());
        }
    }

    @Test
    void theDeclarationIsTheImplementationsAnnotation() throws NoSuchMethodException {
        Map<Method, Transactions.Mode> contacts = PerCallTransactions.declaredModes(Contacts.class);
        assertThat(contacts.get(Contacts.class.getMethod("list", com.voxanne.dao.ContactQuery.class)))
                .isEqualTo(Transactions.Mode.SINGLE_STATEMENT);
        assertThat(contacts.get(Contacts.class.getMethod("importAll", java.util.List.class)))
                .isEqualTo(Transactions.Mode.TRANSACTION);
    }

    /** A method may run otherwise on a distributed database: the create with an id is two statements there. */
    @Test
    void aDistributedDatabaseTakesTheModeDeclaredForIt() throws NoSuchMethodException {
        Method create = Contacts.class.getMethod("create", com.voxanne.dao.NewContact.class);
        Method get = Contacts.class.getMethod("get", java.util.UUID.class);
        assertThat(PerCallTransactions.declaredModes(Contacts.class).get(create)).isEqualTo(Transactions.Mode.SINGLE_STATEMENT);
        assertThat(PerCallTransactions.declaredModes(Contacts.class, Placement.DISTRIBUTED).get(create))
                .isEqualTo(Transactions.Mode.TRANSACTION);
        assertThat(PerCallTransactions.declaredModes(Contacts.class, Placement.DISTRIBUTED).get(get))
                .isEqualTo(Transactions.Mode.SINGLE_STATEMENT);
    }

    /** A repository one of whose methods declares nothing. */
    interface Reminders {
        void send();

        void cancel();
    }

    static final class RemindersImpl implements Reminders {
        @Override
        @UnitMode(Transactions.Mode.SINGLE_STATEMENT)
        public void send() {
        }

        @Override
        public void cancel() {
        }
    }

    @Test
    void aMethodWithoutADeclaredModeIsRefusedWhenTheProxyIsBuilt() {
        assertThatThrownBy(() -> PerCallTransactions.declaredModes(Reminders.class, RemindersImpl.class))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("RemindersImpl.cancel declares no @UnitMode");
    }
}
