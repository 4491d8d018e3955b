package com.voxanne.schema;

import com.voxanne.schema.internal.Distributor;
import com.voxanne.schema.internal.SchemaOperations;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Applies, inspects, verifies and rolls back the Voxanne migrations on one database, and places it on a
 * Citus cluster. Build it like Flyway: {@code VoxanneSchema.configure().dataSource(ds).load()}. Instances are immutable and
 * thread-safe; each operation opens and closes its own connections.
 *
 * <p>The data source must connect as a role that may create schemas, types, functions and roles (a
 * superuser on plain PostgreSQL, {@code postgres} on Supabase), and that bypasses row-level security,
 * since the SECURITY DEFINER functions run as it on tables where RLS is forced.
 *
 * <p>A service that keeps its own tables in the same database gives its Flyway migrations with
 * {@link Configuration#serviceMigrations(String, String...)}: {@link #migrate()} applies them after
 * Voxanne's, recorded in the service's own history table, and {@link #verify()} judges the service's
 * tables too. {@link #baseline()} and {@link #rollbackTo} concern Voxanne's migrations only.
 *
 * <p>A migration that creates or alters a tenant policy, Voxanne's or a service's, writes the caller as
 * {@code ${voxanne:auth_org_id}} or {@code ${voxanne:auth_user_id}}: {@link #migrate()} puts in
 * {@code (select public.auth_org_id())} on one server and {@code public.auth_org_id()} on a database
 * {@linkplain #distribute() distributed} by Citus, which refuses a subquery in a policy (ADR 0026).
 */
public final class VoxanneSchema {

    /** Classpath location of the migrations. */
    public static final String MIGRATION_LOCATION = "db/voxanne/migration";
    /** Classpath location of the rollback scripts, one per migration. */
    public static final String ROLLBACK_LOCATION = "db/voxanne/rollback";
    /** The Flyway history table of these migrations (in schema {@code public}). */
    public static final String HISTORY_TABLE = "voxanne_schema_history";

    private final SchemaOperations operations;
    private final DataSource dataSource;

    private VoxanneSchema(Configuration configuration) {
        this.dataSource = configuration.dataSource;
        this.operations = new SchemaOperations(configuration.dataSource, configuration.baselineOnMigrate,
                configuration.listener, configuration.services);
    }

    /** Starts a configuration. */
    public static Configuration configure() {
        return new Configuration();
    }

    /**
     * Applies every pending migration, each in its own transaction, and then protects the history table
     * from the API roles. Then, for each configured {@link ServiceMigrations} in turn, a Flyway run of its
     * own applies the service's pending migrations, recorded in its history table, which is protected the
     * same way; the first time, that table records a baseline at version 0 (public already holds
     * Voxanne's schema) and the service's V1 onwards follow. Running it again applies nothing.
     *
     * @throws SchemaException when a migration fails (it is rolled back; earlier ones stay applied, and a
     *     service's migrations do not run when Voxanne's fail), or the database was migrated by a newer
     *     version of this library
     */
    public MigrationResult migrate() {
        return operations.migrate();
    }

    /**
     * Every migration this library knows and every one the database has applied, with its state; then
     * those of each configured {@link ServiceMigrations}, in order. {@link MigrationStatus#historyTable()}
     * tells whose each one is.
     */
    public List<MigrationStatus> info() {
        return operations.info();
    }

    /**
     * Adopts an existing database that already has tables (for example the legacy {@code calls},
     * {@code call_logs} and {@code processed_webhook_events}) but no history table: records version 0, so
     * that {@link #migrate()} then applies every migration, each of which creates only what is absent.
     * Voxanne's history only: a service's migrations baseline themselves on their first {@link #migrate()}.
     *
     * @throws SchemaException when the database already has a history table
     */
    public void baseline() {
        operations.baseline();
    }

    /**
     * Checks the database against the verification checklist, one {@link VerifyReport.Check} per item,
     * each identified by a {@link VerifyCheck}; read-only (catalog reads, and probes that act as a user or
     * the service role in a transaction that is rolled back). Voxanne's own tables are judged by
     * Voxanne's items. Every other table in schema public is a service's, judged by items named
     * "Service …": one with an {@code org_id} column is a tenant table and must have row-level security
     * enabled and forced, policies only for {@code authenticated} and {@code service_role}, and nothing
     * granted to {@code anon}; one without is a WARN when {@code authenticated} may use it without
     * row-level security. Flyway history tables (any table shaped like one, and those of the configured
     * {@link ServiceMigrations}) hold no tenant data and need no row-level security, but FAIL when
     * {@code anon} or {@code authenticated} holds any privilege on them. With service migrations
     * configured, an item per history table says whether all of them are applied.
     */
    public VerifyReport verify() {
        return operations.verify();
    }

    /**
     * Undoes every applied migration of Voxanne's newer than {@code version}, newest first, in one
     * transaction: all of them or none. A service's migrations are not undone; where a service's objects
     * depend on what a rollback script drops (a foreign key to {@code organizations}), that script fails
     * and nothing changes: roll the service back first, with its own tooling.
     *
     * @param version the version to return to; {@code "0"} undoes everything
     * @param force also when that deletes data (a non-empty table, webhook event ids shared by two
     *     organizations)
     * @throws RollbackRefusedException when data would be lost and {@code force} is false, or when the
     *     database is {@linkplain #distribute() distributed} and {@code version} is older than 17, the oldest
     *     that runs there; nothing changed
     * @throws SchemaException when a rollback script is missing or fails; nothing changed
     */
    public RollbackResult rollbackTo(String version, boolean force) {
        return operations.rollbackTo(Objects.requireNonNull(version, "version"), force);
    }

    /**
     * Places the migrated database on its Citus cluster: run on the coordinator, after {@link #migrate()},
     * with the workers added ({@code citus_add_node}). One transaction, all of it or nothing:
     * <ul>
     *   <li>the policies on Voxanne's tables are rewritten from {@code (select auth_org_id())} to
     *       {@code auth_org_id()} (Citus refuses subqueries in policies on distributed tables; a single
     *       server keeps the subquery form, which is cheaper there);</li>
     *   <li>the tenant tables' primary keys become {@code (org_id, id)} (Citus requires the distribution
     *       column in every unique key), dropping the unique {@code (org_id, id)} keys they make redundant;</li>
     *   <li>{@code audit_logs}, {@code organizations} (by {@code id}), {@code contacts}, {@code appointments},
     *       {@code processed_webhook_events} and {@code notifications} (by {@code org_id}) are distributed in one
     *       colocation group, so that one organization's rows are on one worker; their enabled triggers are
     *       disabled while their rows move (moving a row is nobody's write) and enabled again;</li>
     *   <li>{@code auth.users} becomes a reference table (notifications' foreign key to it is dropped and
     *       restored around that), and the moved rows' local copies on the coordinator are removed;</li>
     *   <li>the database gets {@code citus.propagate_set_commands = 'local'} (a {@code SET LOCAL} reaches the
     *       workers) and {@code citus.enable_unsafe_triggers = on} (triggers on distributed tables).</li>
     * </ul>
     * Every step looks before it acts: run again, it finds everything placed and changes nothing
     * ({@link DistributionResult#changed()} false). The legacy {@code calls} and {@code call_logs} and the
     * history and report tables stay local to the coordinator; so would a service's tables, which is why one
     * with a foreign key to a table placed here is refused.
     *
     * <p>The roles of a server are not the database's: the result names, per worker, the API roles that must
     * still be allowed to log in there, which the operator does on each worker, with pg_hba.conf admitting
     * them from the coordinator only ({@link DistributionResult.Worker}). Until then tenant queries fail
     * closed.
     *
     * @throws DistributionRefusedException when the database has no citus extension, is a worker's, has no
     *     workers, is not migrated, has a table placed otherwise, has a table that would stay local with a
     *     foreign key to one it places (a service's table referencing organizations), or has audit rows
     *     without an organization; nothing changed
     * @throws SchemaException when the database fails; nothing changed
     */
    public DistributionResult distribute() {
        return Distributor.distribute(dataSource);
    }

    /**
     * The role the DAO's pool logs in as, to create or bring in line: give its password and connection
     * limit, then {@link LoginRole#apply()}. What {@code voxanne login-role} does; see {@link LoginRole}.
     *
     * @param name a lower-case SQL identifier such as {@code voxanne_app}
     * @throws IllegalArgumentException when the name is not one, or is a role of PostgreSQL or Supabase
     *     ({@code postgres}, {@code anon}, {@code authenticated}, {@code service_role},
     *     {@code authenticator}, {@code pg_*}, {@code supabase_*}); checked before any SQL
     */
    public LoginRole loginRole(String name) {
        return new LoginRole(dataSource, name);
    }

    /** Configures a {@link VoxanneSchema}. */
    public static final class Configuration {
        private DataSource dataSource;
        private boolean baselineOnMigrate;
        private MigrationListener listener = MigrationListener.NONE;
        private final List<ServiceMigrations> services = new ArrayList<>();

        private Configuration() {
        }

        /** The database, connecting as a role allowed to migrate it (see {@link VoxanneSchema}). */
        public Configuration dataSource(DataSource dataSource) {
            this.dataSource = Objects.requireNonNull(dataSource, "dataSource");
            return this;
        }

        /**
         * Whether {@link VoxanneSchema#migrate()} may adopt a non-empty database without a history table
         * by itself, as {@link VoxanneSchema#baseline()} does. Off by default: adopting a production
         * database should be a decision.
         */
        public Configuration baselineOnMigrate(boolean baselineOnMigrate) {
            this.baselineOnMigrate = baselineOnMigrate;
            return this;
        }

        /**
         * A service's own Flyway migrations, applied after Voxanne's by {@link VoxanneSchema#migrate()} and
         * recorded in {@code historyTable} in schema public. Call once per service (each with a history
         * table of its own); they run in the order given. Equivalent to
         * {@code serviceMigrations(ServiceMigrations.of(historyTable, locations))}.
         *
         * @param historyTable the service's history table, a plain lower-case identifier other than
         *     {@value VoxanneSchema#HISTORY_TABLE}
         * @param locations Flyway locations, for example {@code "classpath:db/intake/migration"}
         * @throws IllegalArgumentException when the name or the locations are invalid, or the history
         *     table is already given
         */
        public Configuration serviceMigrations(String historyTable, String... locations) {
            return serviceMigrations(ServiceMigrations.of(historyTable, locations));
        }

        /**
         * A service's own migrations (see {@link #serviceMigrations(String, String...)}).
         *
         * @throws IllegalArgumentException when another service's migrations use the same history table
         */
        public Configuration serviceMigrations(ServiceMigrations migrations) {
            Objects.requireNonNull(migrations, "migrations");
            if (services.stream().anyMatch(s -> s.historyTable().equals(migrations.historyTable()))) {
                throw new IllegalArgumentException("service history table " + migrations.historyTable()
                        + " is given twice; each set of migrations needs a history table of its own");
            }
            services.add(migrations);
            return this;
        }

        /** Told of each migration as it completes, for progress output. */
        public Configuration listener(MigrationListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        /** The configured {@link VoxanneSchema}. */
        public VoxanneSchema load() {
            if (dataSource == null) {
                throw new IllegalStateException("VoxanneSchema needs a dataSource(…)");
            }
            return new VoxanneSchema(this);
        }
    }
}
