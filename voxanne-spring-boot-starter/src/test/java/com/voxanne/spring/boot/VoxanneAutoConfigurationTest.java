package com.voxanne.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.voxanne.dao.ContactQuery;
import com.voxanne.dao.NewContact;
import com.voxanne.dao.OrgContext;
import com.voxanne.dao.Voxanne;
import com.voxanne.testkit.Admin;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** What the auto-configured {@link Voxanne} is, and when it is not created. */
@VoxannePostgres
class VoxanneAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(VoxanneAutoConfiguration.class));

    @Test
    void voxanneRunsOverTheApplicationsDataSourceAndIsolatesClinics(DataSource login, Tenants tenants) {
        User ann = tenants.organization("Clinic A").user("ann");
        User bob = tenants.organization("Clinic B").user("bob");
        runner.withBean(DataSource.class, () -> login).run(context -> {
            Voxanne voxanne = context.getBean(Voxanne.class);
            OrgContext a = OrgContext.of(ann.organization().id(), ann.id());
            OrgContext b = OrgContext.of(bob.organization().id(), bob.id());
            voxanne.contacts(a).create(NewContact.named("Ann's patient"));

            assertThat(voxanne.contacts(a).list(ContactQuery.all()).items()).hasSize(1);
            assertThat(voxanne.contacts(b).list(ContactQuery.all()).items()).isEmpty();
        });
    }

    @Test
    void aPrivilegedLoginRoleFailsTheContextWithTheLibrarysMessage(@Admin DataSource admin) {
        String libraryMessage = assertThrows(IllegalStateException.class, () -> Voxanne.create(admin)).getMessage();
        runner.withBean(DataSource.class, () -> admin).run(context -> {
            assertThat(context).hasFailed();
            assertThat(context.getStartupFailure()).rootCause()
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage(libraryMessage);
        });
    }

    @Test
    void noPropertyLiftsTheLoginRoleCheck(@Admin DataSource admin) {
        runner.withBean(DataSource.class, () -> admin)
                .withPropertyValues("voxanne.allow-privileged-login-role=true",
                        "voxanne.allow-privileged-login-role-unsafe-for-local-experiments-only=true",
                        "voxanne.unsafe.allow-privileged-login-role=true")
                .run(context -> assertThat(context).hasFailed().getFailure().rootCause()
                        .hasMessageContaining("which is a superuser"));
    }

    @Test
    void theApplicationsOwnVoxanneReplacesTheAutoConfiguredOne(@Admin DataSource admin, DataSource login) {
        Voxanne own = Voxanne.create(login);
        // The application's DataSource is privileged: only the auto-configured bean would refuse it.
        runner.withBean(DataSource.class, () -> admin).withBean(Voxanne.class, () -> own)
                .run(context -> assertThat(context).hasNotFailed().getBean(Voxanne.class).isSameAs(own));
    }

    @Test
    void timeoutPropertiesReachEveryUnit(DataSource login, Tenants tenants) {
        User ann = tenants.organization("Clinic A").user("ann");
        runner.withBean(DataSource.class, () -> login)
                .withPropertyValues("voxanne.authenticated.statement-timeout=1234ms",
                        "voxanne.authenticated.lock-timeout=567ms", "voxanne.service-role.lock-timeout=2s")
                .run(context -> {
                    Voxanne voxanne = context.getBean(Voxanne.class);
                    String userLimits = voxanne.inOrg(OrgContext.of(ann.organization().id(), ann.id()),
                            tx -> tx.dsl().resultQuery("select current_setting('statement_timeout') || ' '"
                                    + " || current_setting('lock_timeout')").fetchOne(0, String.class));
                    AtomicReference<String> serviceLock = new AtomicReference<>();
                    voxanne.service().webhooks().processOnce(ann.organization().id(), "timeouts-1", "test",
                            tx -> serviceLock.set(tx.dsl().resultQuery("select current_setting('lock_timeout')").fetchOne(0, String.class)));
                    assertEquals("1234ms 567ms", userLimits);
                    assertEquals("2s", serviceLock.get());
                });
    }

    @Test
    void withoutADataSourceThereIsNoVoxanne() {
        runner.run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(Voxanne.class));
    }
}
