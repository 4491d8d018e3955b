package com.voxanne.schema.internal;

import com.voxanne.schema.AppliedMigration;
import com.voxanne.schema.MigrationListener;
import com.voxanne.schema.MigrationResult;
import com.voxanne.schema.MigrationStatus;
import com.voxanne.schema.NewerSchemaException;
import com.voxanne.schema.RollbackResult;
import com.voxanne.schema.SchemaException;
import com.voxanne.schema.ServiceMigrations;
import com.voxanne.schema.VerifyCheck;
import com.voxanne.schema.VerifyReport;
import com.voxanne.schema.VoxanneSchema;
import com.voxanne.schema.session.RequestBinding;
import com.voxanne.schema.session.RequestBinding.Placement;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationInfo;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.callback.Callback;
import org.flywaydb.core.api.callback.Context;
import org.flywaydb.core.api.callback.Event;
import org.flywaydb.core.api.output.MigrateResult;

/** The operations behind {@link VoxanneSchema}, on one data source. */
public final class SchemaOperations {

    private final DataSource dataSource;
    private final boolean baselineOnMigrate;
    private final MigrationListener listener;
    private final List<ServiceMigrations> services;

    /** Operations on {@code dataSource}, for Voxanne's migrations only. */
    public SchemaOperations(DataSource dataSource, boolean baselineOnMigrate, MigrationListener listener) {
        this(dataSource, baselineOnMigrate, listener, List.of());
    }

    /** Operations on {@code dataSource}; {@code services} are applied after Voxanne's, in this order. */
    public SchemaOperations(DataSource dataSource, boolean baselineOnMigrate, MigrationListener listener,
                            List<ServiceMigrations> services) {
        this.dataSource = dataSource;
        this.baselineOnMigrate = baselineOnMigrate;
        this.listener = listener;
        this.services = List.copyOf(services);
    }

    /**
     * Flyway for what runs no script (info, baseline, the history checks of verify). Flyway replaces
     * placeholders only in a script it runs and takes checksums of the scripts as written, so the values
     * of either kind of database serve here, and the database's kind is not read.
     */
    private Flyway historyReader() {
        return flyway(new ProgressCallback(listener, VoxanneSchema.HISTORY_TABLE), Placement.SINGLE_SERVER);
    }

    /**
     * Whether the database is distributed, which decides the form {@link MigrationPlaceholders} give a
     * tenant policy in a script that runs. Read once per migrate or rollback: {@code distribute} changes
     * it between them.
     */
    private Placement placement() {
        try (Connection c = dataSource.getConnection()) {
            return RequestBinding.placementOf(c);
        } catch (SQLException e) {
            throw new SchemaException("cannot read whether the database is distributed: " + SqlFailures.describe(e),
                    SqlFailures.scrub(e));
        }
    }

    private Flyway flyway(ProgressCallback progress, Placement placement) {
        return Flyway.configure(VoxanneSchema.class.getClassLoader())
                .dataSource(dataSource)
                .locations("classpath:" + VoxanneSchema.MIGRATION_LOCATION)
                .table(VoxanneSchema.HISTORY_TABLE)
                .defaultSchema("public")
                .createSchemas(false)
                // The ${voxanne:…} placeholders of a tenant policy's caller (and Flyway's own ${flyway:…});
                // Flyway refuses a script that names a placeholder it has no value for.
                .placeholders(MigrationPlaceholders.values(placement))
                .baselineVersion("0")
                .baselineDescription("existing database adopted")
                .baselineOnMigrate(baselineOnMigrate)
                .validateMigrationNaming(true)
                .callbacks(progress)
                .load();
    }

    /**
     * A service's migrations: Flyway's defaults (placeholder replacement included, as a service's own
     * Flyway would run them) except where they would go wrong beside Voxanne. Their history table is in
     * public, beside ours. Public already holds Voxanne's schema, and Flyway refuses a non-empty schema
     * without a history table: a baseline at version 0 still applies the service's V1 onwards. A
     * misspelt location fails instead of leaving the service's tables silently absent. The classes and
     * resources are looked up through the thread's context class loader, the application's. The
     * {@link MigrationPlaceholders} are theirs too: a service's tenant policy works on both kinds of database.
     */
    private Flyway serviceFlyway(ServiceMigrations service, ProgressCallback progress, Placement placement) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        return Flyway.configure(loader != null ? loader : VoxanneSchema.class.getClassLoader())
                .dataSource(dataSource)
                .locations(service.locations().toArray(String[]::new))
                .table(service.historyTable())
                .defaultSchema("public")
                .createSchemas(false)
                .failOnMissingLocations(true)
                .baselineOnMigrate(true)
                .baselineVersion("0")
                .baselineDescription("beside the Voxanne schema")
                .placeholders(MigrationPlaceholders.values(placement))
                .callbacks(progress)
                .load();
    }

    /** Applies pending migrations: Voxanne's, then each service's, each set in a Flyway run of its own. */
    public MigrationResult migrate() {
        ProgressCallback progress = new ProgressCallback(listener, VoxanneSchema.HISTORY_TABLE);
        Placement placement = placement();
        Flyway flyway = flyway(progress, placement);
        rejectNewerDatabase(flyway);
        MigrationResult ours = run(flyway, progress, VoxanneSchema.HISTORY_TABLE, "migration");
        Map<String, MigrationResult> theirs = new LinkedHashMap<>();
        for (ServiceMigrations service : services) {
            ProgressCallback serviceProgress = new ProgressCallback(listener, service.historyTable());
            theirs.put(service.historyTable(), run(serviceFlyway(service, serviceProgress, placement), serviceProgress,
                    service.historyTable(), "service migration " + service.historyTable()));
        }
        return new MigrationResult(ours.initialVersion(), ours.currentVersion(), ours.applied(), ours.warnings(), theirs);
    }

    private MigrationResult run(Flyway flyway, ProgressCallback progress, String historyTable, String what) {
        MigrateResult result;
        try {
            result = flyway.migrate();
        } catch (FlywayException e) {
            throw failure(what + progress.running() + " failed", e);
        }
        protectHistoryTable(historyTable);
        List<AppliedMigration> applied = result.migrations.stream()
                .map(m -> new AppliedMigration(m.version, m.description, m.executionTime, historyTable))
                .collect(Collectors.toList());
        MigrationInfo current;
        try {
            current = flyway.info().current();
        } catch (FlywayException e) {
            throw failure("cannot read the migration history of " + historyTable, e);
        }
        String currentVersion = current == null || current.getVersion() == null ? null : current.getVersion().getVersion();
        return new MigrationResult(result.initialSchemaVersion, currentVersion, applied,
                result.warnings == null ? List.of() : result.warnings);
    }

    /** Voxanne's migrations and their states, then each service's. */
    public List<MigrationStatus> info() {
        List<MigrationStatus> all = new ArrayList<>(voxanneInfo());
        for (ServiceMigrations service : services) {
            all.addAll(info(serviceHistoryReader(service), service.historyTable()));
        }
        return all;
    }

    /** Voxanne's migrations and their states. */
    private List<MigrationStatus> voxanneInfo() {
        return info(historyReader(), VoxanneSchema.HISTORY_TABLE);
    }

    /** As {@link #historyReader()}, for a service's migrations. */
    private Flyway serviceHistoryReader(ServiceMigrations service) {
        return serviceFlyway(service, new ProgressCallback(listener, service.historyTable()), Placement.SINGLE_SERVER);
    }

    private static List<MigrationStatus> info(Flyway flyway, String historyTable) {
        try {
            return Arrays.stream(flyway.info().all()).map(m -> status(m, historyTable)).collect(Collectors.toList());
        } catch (FlywayException e) {
            throw failure("cannot read the migration history" + (historyTable.equals(VoxanneSchema.HISTORY_TABLE)
                    ? "" : " of " + historyTable), e);
        }
    }

    /** Adopts an existing database at version 0. */
    public void baseline() {
        try {
            historyReader().baseline();
        } catch (FlywayException e) {
            throw failure("baseline failed", e);
        }
        protectHistoryTable(VoxanneSchema.HISTORY_TABLE);
    }

    /** Runs the checklist; with services, also whether each service's migrations are applied. */
    public VerifyReport verify() {
        List<VerifyReport.Check> history = new ArrayList<>();
        history.add(historyCheck(VerifyCheck.MIGRATIONS_APPLIED, null, this::voxanneInfo, "V"));
        for (ServiceMigrations service : services) {
            history.add(historyCheck(VerifyCheck.SERVICE_MIGRATIONS_APPLIED, service.historyTable(),
                    () -> info(serviceHistoryReader(service), service.historyTable()), service.historyTable() + " V"));
        }
        return new Verifier(dataSource, services.stream().map(ServiceMigrations::historyTable).collect(Collectors.toList()))
                .run(history);
    }

    /** Whether every migration of one history table is applied; {@code table} is the service's, null for Voxanne's. */
    private static VerifyReport.Check historyCheck(VerifyCheck id, String table, Supplier<List<MigrationStatus>> info,
                                                   String prefix) {
        try {
            List<MigrationStatus> statuses = info.get();
            List<String> notApplied = statuses.stream()
                    .filter(s -> s.state() != MigrationStatus.State.APPLIED && s.state() != MigrationStatus.State.BASELINE)
                    .map(s -> prefix + s.version() + " " + s.state().name().toLowerCase(java.util.Locale.ROOT))
                    .collect(Collectors.toList());
            long applied = statuses.stream().filter(s -> s.state() == MigrationStatus.State.APPLIED).count();
            return notApplied.isEmpty()
                    ? new VerifyReport.Check(id, table, VerifyReport.Status.PASS, applied + " migrations applied, none pending")
                    : new VerifyReport.Check(id, table, VerifyReport.Status.FAIL, "not applied: " + String.join(", ", notApplied)
                            + " (run migrate" + (table == null ? "" : " with this service's migrations") + ")");
        } catch (SchemaException e) {
            return new VerifyReport.Check(id, table, VerifyReport.Status.FAIL, e.getMessage());
        }
    }

    /** Rolls back to {@code version}. */
    public RollbackResult rollbackTo(String version, boolean force) {
        List<MigrationStatus> statuses = voxanneInfo();
        rejectNewerDatabase(statuses);
        return new RollbackRunner(dataSource, listener).rollbackTo(statuses, version, force, placement());
    }

    private static void rejectNewerDatabase(Flyway flyway) {
        rejectNewerDatabase(info(flyway, VoxanneSchema.HISTORY_TABLE));
    }

    private static void rejectNewerDatabase(List<MigrationStatus> statuses) {
        List<String> future = statuses.stream()
                .filter(s -> s.state() == MigrationStatus.State.FUTURE)
                .map(MigrationStatus::version)
                .collect(Collectors.toList());
        if (!future.isEmpty()) {
            throw new NewerSchemaException("the database was migrated by a newer version of voxanne-schema: it has "
                    + "version(s) " + String.join(", ", future) + " applied, which this version does not know; "
                    + "use a voxanne-schema at least that new");
        }
    }

    /**
     * On Supabase, default privileges expose every new table in {@code public} to {@code anon} and
     * {@code authenticated} through the REST API; a history table is its migrations' alone (a write to it
     * changes what the next migrate runs as the migrating role). RLS forced with no policy also hides it
     * from any role that is granted it later by mistake. {@code historyTable} is Voxanne's or a
     * {@link ServiceMigrations}' validated plain identifier.
     */
    private void protectHistoryTable(String historyTable) {
        String table = "public." + historyTable;
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            s.execute("do $$ begin"
                    + " if to_regclass('" + table + "') is not null then"
                    + "  execute 'revoke all on " + table + " from public';"
                    + "  if exists (select 1 from pg_roles where rolname = 'anon') then execute 'revoke all on " + table + " from anon'; end if;"
                    + "  if exists (select 1 from pg_roles where rolname = 'authenticated') then execute 'revoke all on " + table + " from authenticated'; end if;"
                    + "  if exists (select 1 from pg_roles where rolname = 'service_role') then execute 'revoke all on " + table + " from service_role'; end if;"
                    + "  execute 'alter table " + table + " enable row level security';"
                    + "  execute 'alter table " + table + " force row level security';"
                    + " end if; end $$");
        } catch (SQLException e) {
            throw new SchemaException("could not protect " + table + ": " + SqlFailures.describe(e), SqlFailures.scrub(e));
        }
    }

    /**
     * {@code what} failed, and why in words that hold no value of the database (see {@link SqlFailures}):
     * for a database error, its SQLSTATE, the names the server gave and the server's words where they are
     * value-free, never Flyway's message, which quotes the server's DETAIL and the failing statement.
     * Flyway's message is kept only when no database error is behind it (a failed validation, a schema
     * that needs a baseline): Flyway then words it from migration names, checksums and its settings.
     */
    private static SchemaException failure(String what, FlywayException e) {
        SQLException sql = SqlFailures.find(e);
        return new SchemaException(what + ": " + (sql != null ? SqlFailures.describe(sql) : e.getMessage()),
                SqlFailures.scrub(e));
    }

    private static MigrationStatus status(MigrationInfo info, String historyTable) {
        MigrationState state = info.getState();
        MigrationStatus.State mapped;
        if (state == MigrationState.BASELINE) {
            mapped = MigrationStatus.State.BASELINE;
        } else if (state == MigrationState.SUCCESS) {
            mapped = MigrationStatus.State.APPLIED;
        } else if (state == MigrationState.PENDING) {
            mapped = MigrationStatus.State.PENDING;
        } else if (state == MigrationState.FUTURE_SUCCESS || state == MigrationState.FUTURE_FAILED) {
            mapped = MigrationStatus.State.FUTURE;
        } else if (state.isFailed()) {
            mapped = MigrationStatus.State.FAILED;
        } else {
            mapped = MigrationStatus.State.OTHER;
        }
        Instant installed = info.getInstalledOn() == null ? null : info.getInstalledOn().toInstant();
        String version = info.getVersion() == null ? "" : info.getVersion().getVersion();
        return new MigrationStatus(version, info.getDescription(), mapped, installed,
                info.getScript() == null ? "" : info.getScript(), historyTable);
    }

    /** Tells the listener of each migration as Flyway completes it. */
    private static final class ProgressCallback implements Callback {
        private final MigrationListener listener;
        private final String historyTable;
        private long started;
        /** The migration begun and not completed: the one that failed, when Flyway throws. */
        private MigrationInfo running;

        ProgressCallback(MigrationListener listener, String historyTable) {
            this.listener = listener;
            this.historyTable = historyTable;
        }

        @Override
        public boolean supports(Event event, Context context) {
            return event == Event.BEFORE_EACH_MIGRATE || event == Event.AFTER_EACH_MIGRATE;
        }

        @Override
        public boolean canHandleInTransaction(Event event, Context context) {
            return true;
        }

        @Override
        public void handle(Event event, Context context) {
            MigrationInfo info = context.getMigrationInfo();
            if (event == Event.BEFORE_EACH_MIGRATE) {
                started = System.nanoTime();
                running = info;
                return;
            }
            running = null;
            listener.completed(new AppliedMigration(info.getVersion().getVersion(), info.getDescription(),
                    (System.nanoTime() - started) / 1_000_000, historyTable));
        }

        /** {@code " V9 (V9__webhook_events_org_id.sql)"} for the migration running, or nothing. */
        String running() {
            MigrationInfo info = running;
            if (info == null || info.getVersion() == null) {
                return "";
            }
            return " V" + info.getVersion().getVersion() + (info.getScript() == null ? "" : " (" + info.getScript() + ")");
        }

        @Override
        public String getCallbackName() {
            return "voxanne-progress";
        }
    }
}
