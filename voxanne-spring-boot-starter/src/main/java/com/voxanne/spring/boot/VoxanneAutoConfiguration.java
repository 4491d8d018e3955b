package com.voxanne.spring.boot;

import com.voxanne.dao.Voxanne;
import com.voxanne.dao.VoxanneObserver;
import com.voxanne.schema.VoxanneSchema;
import com.voxanne.schema.session.ApiRole;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * {@link Voxanne} over the application's {@code DataSource}, and optionally the migration of its schema
 * at start-up ({@link VoxanneProperties}).
 *
 * <p>The {@code DataSource} must log in as a role like Supabase's {@code authenticator} (not superuser,
 * not BYPASSRLS, NOINHERIT, granted {@code authenticated} and {@code service_role}):
 * {@code Voxanne.builder(…).build()} checks that and refuses the context otherwise; no property lifts the
 * check. Voxanne takes its connections through {@link VoxanneSpringTransactions#guard}, so a unit of work
 * never silently escapes an active Spring transaction, and reports to the application's single
 * {@link VoxanneObserver} bean if there is one ({@link VoxanneMetricsAutoConfiguration}). Every bean backs
 * off when the application declares its own.
 */
@AutoConfiguration(after = DataSourceAutoConfiguration.class)
@ConditionalOnClass(Voxanne.class)
@ConditionalOnSingleCandidate(DataSource.class)
@EnableConfigurationProperties(VoxanneProperties.class)
public final class VoxanneAutoConfiguration {

    /** Migrates at start-up, before {@link Voxanne} is created. */
    @Bean
    @ConditionalOnMissingBean
    @ConditionalOnProperty(prefix = "voxanne.migrate", name = "enabled", havingValue = "true")
    VoxanneMigration voxanneMigration(VoxanneProperties properties,
            @VoxanneMigrationDataSource ObjectProvider<DataSource> migrationDataSource) {
        DataSource admin = migrationDataSource(properties, migrationDataSource);
        if (admin == null) {
            throw new IllegalStateException("voxanne.migrate.enabled is true but no migrating role is configured:"
                    + " set voxanne.migrate.url (with username and password) or declare a DataSource bean"
                    + " qualified @VoxanneMigrationDataSource. The application's own DataSource is never used"
                    + " to migrate: its login role must own nothing");
        }
        return new VoxanneMigration(schema(properties, admin));
    }

    /**
     * Voxanne over the application's {@code DataSource}.
     *
     * @throws IllegalStateException (from {@code Voxanne.Builder#build()}) when that data source logs in as
     *     a superuser or a BYPASSRLS role
     */
    @Bean
    @ConditionalOnMissingBean
    Voxanne voxanne(DataSource dataSource, VoxanneProperties properties, ObjectProvider<VoxanneMigration> migration,
            ObjectProvider<VoxanneObserver> observer) {
        // Asking for the migration bean makes it run first: no unit of work meets an older schema.
        migration.ifAvailable(m -> { });
        Voxanne.Builder builder = Voxanne.builder(VoxanneSpringTransactions.guard(dataSource, properties.getSpringTransaction()))
                .phoneRegion(properties.getPhoneRegion());
        timeouts(builder, ApiRole.AUTHENTICATED, properties.getAuthenticated());
        timeouts(builder, ApiRole.SERVICE_ROLE, properties.getServiceRole());
        observer.ifUnique(builder::observer);
        return builder.build();
    }

    private static void timeouts(Voxanne.Builder builder, ApiRole role, VoxanneProperties.Timeouts timeouts) {
        Duration statement = timeouts.getStatementTimeout();
        if (statement != null) {
            builder.statementTimeout(role, statement);
        }
        Duration lock = timeouts.getLockTimeout();
        if (lock != null) {
            builder.lockTimeout(role, lock);
        }
    }

    /**
     * The migrating role's connections: the {@link VoxanneMigrationDataSource} bean, else those of
     * {@code voxanne.migrate.url}; null when neither is given.
     */
    static DataSource migrationDataSource(VoxanneProperties properties, ObjectProvider<DataSource> qualified) {
        DataSource bean = qualified.getIfAvailable();
        if (bean != null) {
            return bean;
        }
        VoxanneProperties.Migrate migrate = properties.getMigrate();
        return migrate.getUrl() == null || migrate.getUrl().isBlank() ? null : fromUrl(migrate);
    }

    /** Voxanne's schema operations over {@code dataSource}, with the service's own migrations if configured. */
    static VoxanneSchema schema(VoxanneProperties properties, DataSource dataSource) {
        VoxanneProperties.Migrate migrate = properties.getMigrate();
        VoxanneSchema.Configuration configuration = VoxanneSchema.configure().dataSource(dataSource);
        List<String> locations = migrate.getServiceLocations();
        if (!locations.isEmpty()) {
            configuration.serviceMigrations(migrate.getServiceHistoryTable(), locations.toArray(String[]::new));
        }
        return configuration.load();
    }

    private static DataSource fromUrl(VoxanneProperties.Migrate migrate) {
        // Migrations and verify open a few connections of their own, one at a time: no pool needed.
        PGSimpleDataSource admin = new PGSimpleDataSource();
        admin.setURL(migrate.getUrl());
        if (migrate.getUsername() != null) {
            admin.setUser(migrate.getUsername());
        }
        if (migrate.getPassword() != null) {
            admin.setPassword(migrate.getPassword());
        }
        admin.setApplicationName("voxanne-migrate");
        return admin;
    }
}
