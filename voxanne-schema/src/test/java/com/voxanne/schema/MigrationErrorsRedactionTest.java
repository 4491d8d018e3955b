package com.voxanne.schema;

import static com.voxanne.schema.SchemaTestSupport.admin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.voxanne.schema.internal.MigrationPlaceholders;
import com.voxanne.schema.session.RequestBinding.Placement;
import com.voxanne.testkit.postgres.TestDatabase;
import com.voxanne.testkit.postgres.TestPostgres;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A migration that fails on a row holding patient data reports what failed (the migration, its script,
 * the SQLSTATE, the constraint and table) and not the row: not in the message, not in any cause or
 * suppressed exception, not in the printed stack trace. PostgreSQL quotes the row in the error's DETAIL
 * ({@code Failing row contains (...)}, {@code Key (...)=(...) already exists}) and the failing statement
 * in its context, and Flyway's message repeats both: each attack below first shows that the raw Flyway
 * exception does carry the patient's e-mail and phone, so the redaction is what keeps them out.
 *
 * <p>The data: a legacy database (version 1) whose webhook payloads hold a caller's name, e-mail and
 * phone, upgraded by V9, whose backfill updates every webhook row and so meets whatever production drift
 * added to that table.
 */
class MigrationErrorsRedactionTest {

    private static final String EMAIL = "canary7431@example.org";
    private static final String PHONE = "+1 212 555 7431";
    private static final String NAME = "Canary Patient";
    private static final List<String> MARKERS = List.of(EMAIL, PHONE, "canary7431", "555 7431", NAME);
    // jsonb prints shorter keys first, and the server cuts each value of a "Failing row" at 64 bytes: the
    // e-mail and the phone come first so that the unprotected control shows both.
    private static final String PAYLOAD = "{\"email\": \"" + EMAIL + "\", \"phone\": \"" + PHONE
            + "\", \"patient_name\": \"" + NAME + "\"}";
    private static final String V9_SCRIPT = "V9__webhook_events_org_id.sql";

    /** A new database at version 1 with two orphan webhook events of the same caller (V9 gives both the default org). */
    private static TestDatabase legacyDatabase() throws SQLException {
        TestDatabase db = TestPostgres.shared().createDatabase();
        legacyFlyway(db, "1").migrate();
        for (String eventId : List.of("evt-a", "evt-b")) {
            admin(db, "insert into public.processed_webhook_events (event_id, event_type, payload)"
                    + " values (?, 'call.ended', ?::jsonb)", eventId, PAYLOAD);
        }
        return db;
    }

    /** Flyway as voxanne-schema configures it, without its error handling: the raw failure, for the controls. */
    private static Flyway legacyFlyway(TestDatabase db, String target) {
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

    /** Production drift: a size limit added NOT VALID, so old payloads break it only when V9 rewrites their row. */
    private static void notValidCheckOnPayload(TestDatabase db) throws SQLException {
        admin(db, "alter table public.processed_webhook_events add constraint legacy_payload_small"
                + " check (length(payload::text) < 20) not valid");
    }

    /**
     * Production drift: a legacy trigger that records each caller's phone once, in a table with a unique
     * key; V9's backfill touches both events of the same caller, so the second record breaks the key.
     */
    private static void uniqueCallerLog(TestDatabase db) throws SQLException {
        admin(db, "create table public.legacy_caller_log (phone text constraint legacy_caller_log_phone_key unique)");
        admin(db, "create function public.legacy_log_caller() returns trigger language plpgsql as $$"
                + " begin insert into public.legacy_caller_log (phone) values (new.payload ->> 'phone'); return new; end $$");
        admin(db, "create trigger legacy_log_caller after update on public.processed_webhook_events"
                + " for each row execute function public.legacy_log_caller()");
    }

    /**
     * Production drift: someone else's trigger that formats the row into its error, with SQLSTATE
     * {@code sqlState} (P0001 is RAISE's default; 42501 is one whose server-written messages are safe).
     */
    private static void foreignTriggerQuotingTheRow(TestDatabase db, String sqlState) throws SQLException {
        admin(db, "create function public.legacy_refuse() returns trigger language plpgsql as $$"
                + " begin raise exception 'legacy rule refused %', new.payload using errcode = '" + sqlState + "'; end $$");
        admin(db, "create trigger legacy_refuse before update on public.processed_webhook_events"
                + " for each row execute function public.legacy_refuse()");
    }

    @Test
    void aCheckViolationOnARowOfPatientDataIsReportedWithoutTheRow() throws SQLException {
        try (TestDatabase raw = legacyDatabase()) {
            notValidCheckOnPayload(raw);
            assertRawFailureQuotesThePatient(raw, "Failing row contains", EMAIL, PHONE);
        }
        try (TestDatabase db = legacyDatabase()) {
            notValidCheckOnPayload(db);

            SchemaException failure = migrateFails(db);

            assertThat(failure.getMessage()).contains("migration V9 (" + V9_SCRIPT + ") failed", "SQLSTATE 23514",
                    "table processed_webhook_events", "constraint legacy_payload_small");
            assertNoPatientData(failure);
            assertTheCauseKeepsTheSqlStateAndTheStackTrace(failure, "23514");
        }
    }

    @Test
    void aUniqueViolationOnAPatientsPhoneIsReportedWithoutTheKey() throws SQLException {
        try (TestDatabase raw = legacyDatabase()) {
            uniqueCallerLog(raw);
            assertRawFailureQuotesThePatient(raw, "already exists", PHONE);
        }
        try (TestDatabase db = legacyDatabase()) {
            uniqueCallerLog(db);

            SchemaException failure = migrateFails(db);

            assertThat(failure.getMessage()).contains("migration V9 (" + V9_SCRIPT + ") failed", "SQLSTATE 23505",
                    "table legacy_caller_log", "constraint legacy_caller_log_phone_key");
            assertNoPatientData(failure);
            assertTheCauseKeepsTheSqlStateAndTheStackTrace(failure, "23505");
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"P0001", "42501"})
    void aRaiseThatIsNotVoxannesOwnIsReportedBySqlStateOnly(String sqlState) throws SQLException {
        try (TestDatabase raw = legacyDatabase()) {
            foreignTriggerQuotingTheRow(raw, sqlState);
            assertRawFailureQuotesThePatient(raw, "legacy rule refused", EMAIL, PHONE);
        }
        try (TestDatabase db = legacyDatabase()) {
            foreignTriggerQuotingTheRow(db, sqlState);

            SchemaException failure = migrateFails(db);

            assertThat(failure.getMessage()).contains("migration V9 (" + V9_SCRIPT + ") failed", "SQLSTATE " + sqlState)
                    .doesNotContain("legacy rule refused");
            assertNoPatientData(failure);
        }
    }

    @Test
    void aFailedRollbackIsReportedWithoutTheRow() throws SQLException {
        try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
            // Two organizations received the same event id: forced, U9 deletes all but the oldest, and a
            // legacy trigger refuses the delete, quoting the row.
            for (UUID org : List.of(SchemaTestSupport.organization(db, "A"), SchemaTestSupport.organization(db, "B"))) {
                admin(db, "insert into public.processed_webhook_events (org_id, event_id, payload)"
                        + " values (?, 'evt-shared', ?::jsonb)", org, PAYLOAD);
            }
            admin(db, "create function public.legacy_refuse_delete() returns trigger language plpgsql as $$"
                    + " begin raise exception 'legacy rule refused %', old.payload; end $$");
            admin(db, "create trigger legacy_refuse_delete before delete on public.processed_webhook_events"
                    + " for each row execute function public.legacy_refuse_delete()");
            Throwable raw = catchThrowable(() -> admin(db, "delete from public.processed_webhook_events"));
            assertThat(raw).as("the driver's own exception, unprotected").isInstanceOf(SQLException.class);
            assertThat(raw.getMessage()).contains("legacy rule refused", EMAIL, PHONE);

            Throwable thrown = catchThrowable(() -> VoxanneSchema.configure().dataSource(db.adminDataSource()).load()
                    .rollbackTo("8", true));

            assertThat(thrown).isInstanceOf(SchemaException.class);
            assertThat(thrown.getMessage()).contains("rollback to version 8 failed, nothing changed", "SQLSTATE P0001")
                    .doesNotContain("legacy rule refused");
            assertNoPatientData(thrown);
        }
    }

    /** Control: Voxanne's own RAISE (V9's duplicate check) keeps its words, ids and hint, and still names the migration. */
    @Test
    void voxannesOwnRaiseKeepsItsWords() throws SQLException {
        try (TestDatabase db = legacyDatabase()) {
            admin(db, "alter table public.processed_webhook_events drop constraint processed_webhook_events_event_id_key");
            admin(db, "insert into public.processed_webhook_events (event_id, payload) values ('evt-a', ?::jsonb)", PAYLOAD);

            SchemaException failure = migrateFails(db);

            assertThat(failure.getMessage()).contains("migration V9 (" + V9_SCRIPT + ") failed", "SQLSTATE 23505",
                    "voxanne V9: 1 (org_id, event_id) pair(s) occur more than once", "evt-a",
                    "00000000-0000-0000-0000-000000000001", "hint: Webhook history is never dropped silently");
            assertNoPatientData(failure);
        }
    }

    /** Control: a failure without a database error behind it keeps Flyway's own words (they name migrations, not rows). */
    @Test
    void flywaysOwnMessageIsKeptWhenNoDatabaseErrorIsBehindIt() throws SQLException {
        try (TestDatabase db = TestPostgres.shared().createDatabase()) {
            admin(db, "create table public.unrelated (id int)");

            SchemaException failure = migrateFails(db);

            assertThat(failure.getMessage()).contains("baseline");
        }
    }

    private static SchemaException migrateFails(TestDatabase db) {
        Throwable thrown = catchThrowable(() -> VoxanneSchema.configure().dataSource(db.adminDataSource()).load().migrate());
        assertThat(thrown).isInstanceOf(SchemaException.class);
        return (SchemaException) thrown;
    }

    /** The attack without the protection: Flyway's own exception carries the patient's data. */
    private static void assertRawFailureQuotesThePatient(TestDatabase db, String serverWords, String... patientData) {
        Throwable raw = catchThrowable(() -> legacyFlyway(db, "9").migrate());
        assertThat(raw).isInstanceOf(FlywayException.class);
        assertThat(raw.getMessage()).contains(serverWords).contains(patientData);
    }

    private static void assertNoPatientData(Throwable failure) {
        String text = everything(failure);
        for (String marker : MARKERS) {
            assertThat(text).as("what the failure carries").doesNotContain(marker);
        }
    }

    private static void assertTheCauseKeepsTheSqlStateAndTheStackTrace(SchemaException failure, String sqlState) {
        SQLException sql = null;
        for (Throwable t = failure.getCause(); t != null && sql == null; t = t.getCause()) {
            if (t instanceof SQLException s) {
                sql = s;
            }
        }
        assertThat((Object) sql).as("an SQLException in the cause chain").isNotNull();
        assertThat(sql.getSQLState()).isEqualTo(sqlState);
        assertThat(sql.getMessage()).contains("org.postgresql.util.PSQLException", "SQLSTATE " + sqlState);
        assertThat(sql.getStackTrace()).as("the driver's stack trace").isNotEmpty()
                .anySatisfy(frame -> assertThat(frame.getClassName()).startsWith("org.postgresql."));
    }

    /** Every message, toString and printed stack trace of {@code failure}, its causes and suppressed exceptions. */
    private static String everything(Throwable failure) {
        StringWriter trace = new StringWriter();
        failure.printStackTrace(new PrintWriter(trace));
        StringBuilder all = new StringBuilder(trace.toString());
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        List<Throwable> todo = new ArrayList<>(List.of(failure));
        while (!todo.isEmpty()) {
            Throwable t = todo.remove(todo.size() - 1);
            if (t == null || !seen.add(t)) {
                continue;
            }
            all.append('\n').append(t).append('\n').append(t.getMessage()).append('\n').append(t.getLocalizedMessage());
            if (t instanceof SQLException sql) {
                todo.add(sql.getNextException());
            }
            todo.add(t.getCause());
            todo.addAll(List.of(t.getSuppressed()));
        }
        return all.toString();
    }
}
