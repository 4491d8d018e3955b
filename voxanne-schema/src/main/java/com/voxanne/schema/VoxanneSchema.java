package com.voxanne.schema;

import com.voxanne.schema.internal.SchemaOperations;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Applies, inspects, verifies and rolls back the Voxanne migrations on one database. Build it like
 * Flyway: {@code VoxanneSchema.configure().dataSource(ds).load()}. Instances are immutable and
 * thread-safe; each operation opens and closes its own connections.
 *
 * <p>The data source must connect as a role that may create schemas, types, functions and roles (a
 * superuser on plain PostgreSQL, {@code postgres} on Supabase), and that bypasses row-level security,
 * since the SECURITY DEFINER functions run as it on tables where RLS is forced.
 */
public final class VoxanneSchema {

    /** Classpath location of the migrations. */
    public static final String MIGRATION_LOCATION = "db/voxanne/migration";
    /** Classpath location of the rollback scripts, one per migration. */
    public static final String ROLLBACK_LOCATION = "db/voxanne/rollback";
    /** The Flyway history table of these migrations (in schema {@code public}). */
    public static final String HISTORY_TABLE = "voxanne_schema_history";

    private final SchemaOperations operations;

    private VoxanneSchema(Configuration configuration) {
        this.operations = new SchemaOperations(configuration.dataSource, configuration.baselineOnMigrate,
                configuration.listener);
    }

    /** Starts a configuration. */
    public static Configuration configure() {
        return new Configuration();
    }

    /**
     * Applies every pending migration, each in its own transaction, and then protects the history table
     * from the API roles.
     *
     * @throws SchemaException when a migration fails (it is rolled back; earlier ones stay applied), or
     *     the database was migrated by a newer version of this library
     */
    public MigrationResult migrate() {
        return operations.migrate();
    }

    /** Every migration this library knows and every one the database has applied, with its state. */
    public List<MigrationStatus> info() {
        return operations.info();
    }

    /**
     * Adopts an existing database that already has tables (for example the legacy {@code calls},
     * {@code call_logs} and {@code processed_webhook_events}) but no history table: records version 0, so
     * that {@link #migrate()} then applies every migration, each of which creates only what is absent.
     *
     * @throws SchemaException when the database already has a history table
     */
    public void baseline() {
        operations.baseline();
    }

    /**
     * Checks the database against the brief's verification checklist, one line per item; read-only
     * (behavioural probes run in a transaction that is rolled back).
     */
    public VerifyReport verify() {
        return operations.verify();
    }

    /**
     * Undoes every applied migration newer than {@code version}, newest first, in one transaction: all
     * of them or none.
     *
     * @param version the version to return to; {@code "0"} undoes everything
     * @param force also when that deletes data (a non-empty table, webhook event ids shared by two
     *     organizations)
     * @throws RollbackRefusedException when data would be lost and {@code force} is false; nothing changed
     * @throws SchemaException when a rollback script is missing or fails; nothing changed
     */
    public RollbackResult rollbackTo(String version, boolean force) {
        return operations.rollbackTo(Objects.requireNonNull(version, "version"), force);
    }

    /** Configures a {@link VoxanneSchema}. */
    public static final class Configuration {
        private DataSource dataSource;
        private boolean baselineOnMigrate;
        private MigrationListener listener = MigrationListener.NONE;

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
