package com.voxanne.cli;

import static com.voxanne.cli.Cli.execute;
import static com.voxanne.cli.Cli.onDatabase;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.voxanne.schema.VoxanneSchema;
import com.voxanne.schema.internal.MigrationPlaceholders;
import com.voxanne.schema.session.RequestBinding.Placement;
import com.voxanne.testkit.postgres.TestDatabase;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.function.Supplier;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/**
 * {@code voxanne migrate} failing on a row of patient data prints which migration failed, the SQLSTATE
 * and the constraint, and not the row: not in the one-line error, not in the {@code --verbose} stack
 * trace, not on stdout. The control shows the raw failure of the same upgrade does quote the patient, so
 * the output is clean because of the redaction, not because the server said nothing.
 */
class MigrationFailureOutputTest {

    private static final String EMAIL = "canary7431@example.org";
    private static final String PHONE = "+1 212 555 7431";
    private static final List<String> MARKERS = List.of(EMAIL, PHONE, "canary7431", "555 7431", "Canary Patient");
    // jsonb prints shorter keys first and the server cuts each value of a "Failing row" at 64 bytes: the
    // e-mail and the phone come first so that the control shows both.
    private static final String PAYLOAD = "{\"email\": \"" + EMAIL + "\", \"phone\": \"" + PHONE
            + "\", \"patient_name\": \"Canary Patient\"}";

    private static Flyway flyway(TestDatabase db, String target) {
        return Flyway.configure(VoxanneSchema.class.getClassLoader())
                .dataSource(db.adminDataSource())
                .locations("classpath:" + VoxanneSchema.MIGRATION_LOCATION)
                .table(VoxanneSchema.HISTORY_TABLE)
                .defaultSchema("public")
                .createSchemas(false)
                .placeholders(MigrationPlaceholders.values(Placement.SINGLE_SERVER))
                .target(target)
                .load();
    }

    /**
     * A database at version 1 whose webhook payload holds a patient's e-mail and phone, and a size limit
     * added NOT VALID (production drift): V9's backfill rewrites the row, and the check refuses it.
     */
    private static TestDatabase legacyDatabaseThatFailsV9() throws SQLException {
        TestDatabase db = Cli.server().createDatabase();
        flyway(db, "1").migrate();
        try (Connection c = db.adminDataSource().getConnection();
             PreparedStatement ps = c.prepareStatement("insert into public.processed_webhook_events"
                     + " (event_id, event_type, payload) values ('evt-canary', 'call.ended', ?::jsonb)")) {
            ps.setString(1, PAYLOAD);
            ps.executeUpdate();
        }
        execute(db.adminDataSource(), "alter table public.processed_webhook_events add constraint legacy_payload_small"
                + " check (length(payload::text) < 20) not valid");
        return db;
    }

    @Test
    void theRawFailureQuotesThePatient() throws SQLException {
        try (TestDatabase db = legacyDatabaseThatFailsV9()) {
            Throwable raw = catchThrowable(() -> flyway(db, "9").migrate());
            assertThat(raw).isNotNull();
            assertThat(raw.getMessage()).contains("Failing row contains", EMAIL, PHONE);
        }
    }

    @Test
    void aFailedMigrationIsReportedWithoutThePatientsData() throws SQLException {
        try (TestDatabase db = legacyDatabaseThatFailsV9()) {
            Cli.Run run = capturingTheProcessStreams(() -> onDatabase(db, "migrate"));

            assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.FAILED.code);
            assertThat(run.err()).as(run.toString()).contains("voxanne: migration V9 (V9__webhook_events_org_id.sql) failed",
                    "SQLSTATE 23514", "processed_webhook_events", "legacy_payload_small").doesNotContain("\tat ");
            assertNoPatientData(run);
        }
    }

    @Test
    void theVerboseStackTraceHoldsNoPatientDataEither() throws SQLException {
        try (TestDatabase db = legacyDatabaseThatFailsV9()) {
            Cli.Run run = capturingTheProcessStreams(() -> onDatabase(db, "--verbose", "migrate"));

            assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.FAILED.code);
            assertThat(run.err()).as(run.toString()).contains("\tat ", "org.flywaydb.core",
                    "Caused by: org.postgresql.util.PSQLException", "SQLSTATE 23514", "legacy_payload_small");
            assertNoPatientData(run);
        }
    }

    /**
     * A warning the server sends while migrating is worded by whoever raised it: here a legacy trigger
     * that formats the row it sees, fired by V9's backfill. Flyway logs such warnings; the command does
     * not let them through.
     */
    @Test
    void aServerWarningQuotingARowIsNotPrinted() throws SQLException {
        try (TestDatabase db = Cli.server().createDatabase()) {
            flyway(db, "1").migrate();
            try (Connection c = db.adminDataSource().getConnection();
                 PreparedStatement ps = c.prepareStatement("insert into public.processed_webhook_events"
                         + " (event_id, event_type, payload) values ('evt-canary', 'call.ended', ?::jsonb)")) {
                ps.setString(1, PAYLOAD);
                ps.executeUpdate();
            }
            execute(db.adminDataSource(),
                    "create function public.legacy_audit() returns trigger language plpgsql as $$"
                            + " begin raise warning 'legacy audit saw %', new.payload; return new; end $$",
                    "create trigger legacy_audit after update on public.processed_webhook_events"
                            + " for each row execute function public.legacy_audit()");

            Cli.Run run = capturingTheProcessStreams(() -> onDatabase(db, "migrate"));

            assertThat(run.exitCode()).as(run.toString()).isZero();
            assertThat(run.out()).contains("applied V9 ");
            assertNoPatientData(run);
        }
    }

    private static void assertNoPatientData(Cli.Run run) {
        for (String marker : MARKERS) {
            assertThat(run.out()).as(run.toString()).doesNotContain(marker);
            assertThat(run.err()).as(run.toString()).doesNotContain(marker);
            assertThat(processStreams).as("what the libraries logged to System.out/err").doesNotContain(marker);
        }
    }

    /** What went to System.out and System.err (the libraries' logging) during the last captured run. */
    private static String processStreams = "";

    /**
     * Runs {@code cli} with System.out and System.err captured too: the CLI's slf4j binding logs there,
     * and Flyway or the driver could log a failure on their own.
     */
    private static Cli.Run capturingTheProcessStreams(Supplier<Cli.Run> cli) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream both = new PrintStream(captured, true, StandardCharsets.UTF_8);
        System.setOut(both);
        System.setErr(both);
        try {
            return cli.get();
        } finally {
            System.setOut(out);
            System.setErr(err);
            processStreams = captured.toString(StandardCharsets.UTF_8);
            out.print(processStreams);
        }
    }
}
