package com.voxanne.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.dao.ContactQuery;
import com.voxanne.dao.NewContact;
import com.voxanne.dao.OrgContext;
import com.voxanne.dao.Voxanne;
import com.voxanne.dao.VoxanneObserver;
import com.voxanne.dao.metrics.VoxanneMetrics;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** The auto-configured Voxanne reports to Micrometer when the application has a registry, to its own observer if it declares one. */
@VoxannePostgres
class MetricsAutoConfigurationTest {

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withConfiguration(
            AutoConfigurations.of(VoxanneAutoConfiguration.class, VoxanneMetricsAutoConfiguration.class));

    @Test
    void withARegistryEveryCallIsTimedWithoutTenantTags(DataSource login, Tenants tenants) {
        User ann = tenants.organization("Clinic A").user("ann");
        runner.withBean(DataSource.class, () -> login).withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .run(context -> {
                    Voxanne voxanne = context.getBean(Voxanne.class);
                    OrgContext a = OrgContext.of(ann.organization().id(), ann.id());
                    voxanne.contacts(a).create(NewContact.named("Patient"));
                    voxanne.contacts(a).list(ContactQuery.all());

                    MeterRegistry registry = context.getBean(MeterRegistry.class);
                    Timer list = registry.find(VoxanneMetrics.OPERATION)
                            .tags("repository", "contacts", "operation", "list", "outcome", "ok").timer();
                    assertThat(list).isNotNull();
                    assertThat(list.count()).isEqualTo(1);
                    assertThat(registry.getMeters()).allSatisfy(meter -> assertThat(meter.getId().getTags().toString())
                            .doesNotContain(ann.organization().id().toString()).doesNotContain(ann.id().toString()));
                });
    }

    @Test
    void withoutARegistryThereAreNoMetrics(DataSource login) {
        runner.withBean(DataSource.class, () -> login)
                .run(context -> assertThat(context).hasNotFailed().doesNotHaveBean(VoxanneMetrics.class));
    }

    @Test
    void theApplicationsOwnObserverReplacesTheMeters(DataSource login, Tenants tenants) {
        User ann = tenants.organization("Clinic A").user("ann");
        AtomicInteger units = new AtomicInteger();
        VoxanneObserver own = new VoxanneObserver() {
            @Override
            public void unitEnded(UnitKind kind, long nanos, boolean committed) {
                units.incrementAndGet();
            }
        };
        runner.withBean(DataSource.class, () -> login).withBean(MeterRegistry.class, SimpleMeterRegistry::new)
                .withBean(VoxanneObserver.class, () -> own)
                .run(context -> {
                    assertThat(context).doesNotHaveBean(VoxanneMetrics.class);
                    context.getBean(Voxanne.class).contacts(OrgContext.of(ann.organization().id(), ann.id()))
                            .list(ContactQuery.all());
                    assertThat(units.get()).isEqualTo(1);
                    assertThat(context.getBean(MeterRegistry.class).find(VoxanneMetrics.OPERATION).timers()).isEmpty();
                });
    }
}
