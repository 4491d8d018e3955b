package com.voxanne.spring.boot;

import com.voxanne.dao.Voxanne;
import java.time.Clock;
import javax.sql.DataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.context.annotation.Bean;

/**
 * The {@code voxanne} health indicator ({@link VoxanneHealthIndicator}), where Spring Boot's health
 * support is on the class path; {@code management.health.voxanne.enabled=false} turns it off.
 *
 * <p>It verifies as the {@link VoxanneMigrationDataSource migrating role} (the bean, or
 * {@code voxanne.migrate.url}): verify reads the migration history, the {@code auth} schema and creates
 * rolled-back probe rows, none of which the application's login role may do. Without a migrating role the
 * indicator reports UNKNOWN, saying so, which leaves the application's aggregate status as it is.
 */
@AutoConfiguration(after = VoxanneAutoConfiguration.class)
@ConditionalOnClass(HealthIndicator.class)
@ConditionalOnBean(Voxanne.class)
@ConditionalOnEnabledHealthIndicator("voxanne")
public final class VoxanneHealthAutoConfiguration {

    /** The indicator; its bean name makes it the {@code voxanne} component of {@code /actuator/health}. */
    @Bean
    @ConditionalOnMissingBean(name = "voxanneHealthIndicator")
    HealthIndicator voxanneHealthIndicator(VoxanneProperties properties,
            @VoxanneMigrationDataSource ObjectProvider<DataSource> migrationDataSource) {
        DataSource admin = VoxanneAutoConfiguration.migrationDataSource(properties, migrationDataSource);
        if (admin == null) {
            Health unknown = Health.unknown().withDetail("reason", "verify needs the migrating role:"
                    + " set voxanne.migrate.url or declare a @VoxanneMigrationDataSource bean").build();
            return () -> unknown;
        }
        return new VoxanneHealthIndicator(VoxanneAutoConfiguration.schema(properties, admin),
                properties.getHealth().getCacheTtl(), Clock.systemUTC());
    }
}
