package com.voxanne.spring.boot;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code voxanne.*} properties of {@link VoxanneAutoConfiguration}.
 *
 * <p>There is no property that lets {@code Voxanne} accept a superuser or BYPASSRLS login role: an
 * application that really wants that (a local experiment, never patient data) declares its own
 * {@code Voxanne} bean with {@code Voxanne.Builder#allowPrivilegedLoginRoleUnsafeForLocalExperimentsOnly()}.
 */
@ConfigurationProperties(prefix = "voxanne")
public class VoxanneProperties {

    /** ISO 3166 region that national phone numbers are read in. */
    private String phoneRegion = "US";

    /**
     * What a tenant unit of work does when it starts inside an active Spring transaction: refuse (the
     * default) or run independently of it, in a transaction of its own.
     */
    private SpringTransactionPolicy springTransaction = SpringTransactionPolicy.REFUSE;

    private final Timeouts authenticated = new Timeouts();
    private final Timeouts serviceRole = new Timeouts();
    private final Migrate migrate = new Migrate();
    private final Health health = new Health();

    public String getPhoneRegion() {
        return phoneRegion;
    }

    public void setPhoneRegion(String phoneRegion) {
        this.phoneRegion = phoneRegion;
    }

    public SpringTransactionPolicy getSpringTransaction() {
        return springTransaction;
    }

    public void setSpringTransaction(SpringTransactionPolicy springTransaction) {
        this.springTransaction = springTransaction;
    }

    /** Time limits of the units bound to an {@code OrgContext} (role {@code authenticated}). */
    public Timeouts getAuthenticated() {
        return authenticated;
    }

    /** Time limits of the service scope's units (role {@code service_role}). */
    public Timeouts getServiceRole() {
        return serviceRole;
    }

    /** Migration at start-up. */
    public Migrate getMigrate() {
        return migrate;
    }

    /** The health indicator. */
    public Health getHealth() {
        return health;
    }

    /** The time limits of the units of one role; unset keeps the library's default. */
    public static class Timeouts {

        /**
         * statement_timeout of every unit of work of this role; 0 for no limit, else whole milliseconds.
         * Unset: the library's default (authenticated 8s, service_role none).
         */
        private Duration statementTimeout;

        /**
         * lock_timeout of every unit of work of this role; 0 for no limit, else whole milliseconds. Unset:
         * the library's default (authenticated 3s, service_role 10s).
         */
        private Duration lockTimeout;

        public Duration getStatementTimeout() {
            return statementTimeout;
        }

        public void setStatementTimeout(Duration statementTimeout) {
            this.statementTimeout = statementTimeout;
        }

        public Duration getLockTimeout() {
            return lockTimeout;
        }

        public void setLockTimeout(Duration lockTimeout) {
            this.lockTimeout = lockTimeout;
        }
    }

    /**
     * Migration at start-up with {@code VoxanneSchema}, as a role allowed to migrate (superuser on plain
     * PostgreSQL, {@code postgres} on Supabase): never the application's login role, which must own
     * nothing. Give that role as a {@code DataSource} bean qualified with {@link VoxanneMigrationDataSource},
     * or as {@code url}, {@code username} and {@code password}.
     */
    public static class Migrate {

        /** Whether to apply pending migrations at start-up (before the Voxanne bean is created). */
        private boolean enabled;

        /** JDBC URL of the migrating role's connections (unless a @VoxanneMigrationDataSource bean is given). */
        private String url;

        /** Login of the migrating role. */
        private String username;

        /** Password of the migrating role. */
        private String password;

        /**
         * Flyway history table of the service's own migrations (a plain lower-case name in schema public);
         * used with service-locations.
         */
        private String serviceHistoryTable = "flyway_schema_history";

        /** Flyway locations of the service's own migrations, applied after Voxanne's; empty: none. */
        private List<String> serviceLocations = new ArrayList<>();

        public boolean isEnabled() {
            return enabled;
        }

        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        public String getUrl() {
            return url;
        }

        public void setUrl(String url) {
            this.url = url;
        }

        public String getUsername() {
            return username;
        }

        public void setUsername(String username) {
            this.username = username;
        }

        public String getPassword() {
            return password;
        }

        public void setPassword(String password) {
            this.password = password;
        }

        public String getServiceHistoryTable() {
            return serviceHistoryTable;
        }

        public void setServiceHistoryTable(String serviceHistoryTable) {
            this.serviceHistoryTable = serviceHistoryTable;
        }

        public List<String> getServiceLocations() {
            return serviceLocations;
        }

        public void setServiceLocations(List<String> serviceLocations) {
            this.serviceLocations = serviceLocations;
        }
    }

    /** The {@code voxanne} health indicator (turned off with {@code management.health.voxanne.enabled=false}). */
    public static class Health {

        /**
         * How long a verification result is reused before the next health check verifies again; verify
         * reads the catalog and runs rolled-back probes, cheap but not free.
         */
        private Duration cacheTtl = Duration.ofMinutes(5);

        public Duration getCacheTtl() {
            return cacheTtl;
        }

        public void setCacheTtl(Duration cacheTtl) {
            this.cacheTtl = cacheTtl;
        }
    }
}
