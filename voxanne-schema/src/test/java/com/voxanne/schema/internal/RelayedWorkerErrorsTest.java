package com.voxanne.schema.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/**
 * {@link SqlFailures}' rule for an error Citus relays from a worker: reported by Citus's own routine, with
 * no table or constraint field, the shard's names in the message and the worker's context above Citus's
 * {@code while executing command on} line. Each message is one Citus 13.2.2 relayed to the DAO on a
 * distributed database (the same cases run there end to end: {@code SqlErrorsScrubbingTest},
 * {@code ServiceTablesInUnitTest} and {@code NoPatientDataInMessagesTest} with
 * {@code -Dvoxanne.test.citus.distributed=true}); built here, no server needed, so that the rule is checked
 * on every build.
 */
class RelayedWorkerErrorsTest {

    private static final String MARKER = "Zed Canary-7431";
    private static final String ON_WORKER = "while executing command on 127.0.0.1:35921";

    /** A PSQLException as PgJDBC builds it from the server's fields. */
    private static SQLException relayed(String state, String message, String where) {
        StringBuilder fields = new StringBuilder();
        field(fields, 'S', "ERROR");
        field(fields, 'V', "ERROR");
        field(fields, 'C', state);
        field(fields, 'M', message);
        field(fields, 'W', where);
        field(fields, 'F', "remote_commands.c");
        field(fields, 'R', "ReportResultError");
        return new PSQLException(new ServerErrorMessage(fields.toString()));
    }

    private static void field(StringBuilder fields, char type, String value) {
        fields.append(type).append(value).append('\0');
    }

    /** Attack: a service's trigger on a worker raises at a SQLSTATE whose server words are safe, quoting its row. */
    @Test
    void aServicesRaiseOnAWorkerKeepsOnlyItsSqlState() {
        SQLException raised = relayed("42501", "refused note " + MARKER,
                "PL/pgSQL function test_call_notes_guard() line 3 at RAISE\n" + ON_WORKER);
        assertThat(SqlFailures.serverWords(raised)).isNull();
        assertThat(SqlFailures.describe(raised)).isEqualTo("SQLSTATE 42501").doesNotContain(MARKER);
        assertThat(SqlFailures.scrub(raised).getMessage()).doesNotContain(MARKER);
    }

    /** The same with the RAISE one frame down, under a statement of another function: still withheld. */
    @Test
    void aRaiseAnywhereInTheWorkersContextKeepsOnlyItsSqlState() {
        SQLException raised = relayed("42501", "refused note " + MARKER,
                "PL/pgSQL function test_guard() line 3 at RAISE\nSQL statement \"select test_guard()\"\n"
                        + "PL/pgSQL function test_outer() line 2 at PERFORM\n" + ON_WORKER);
        assertThat(SqlFailures.serverWords(raised)).isNull();
    }

    /** Control: a RAISE of Voxanne's own function on a worker keeps its words, as on one server. */
    @Test
    void aVoxanneFunctionsRaiseOnAWorkerKeepsItsWords() {
        SQLException raised = relayed("42501", "user 7d0c… is not a member of organization 1f2e…",
                "PL/pgSQL function create_notification(uuid,uuid,notification_type,text,text,uuid,uuid,jsonb) line 37 at RAISE\n"
                        + ON_WORKER);
        assertThat(SqlFailures.serverWords(raised)).isEqualTo("user 7d0c… is not a member of organization 1f2e…");
    }

    /** Control: PostgreSQL's own refusal on a worker keeps its words and names the table, not the shard. */
    @Test
    void aWorkersOwnRefusalKeepsItsWordsAndNamesTheTable() {
        SQLException refused = relayed("42501", "new row violates row-level security policy for table \"call_notes_102541\"",
                ON_WORKER);
        assertThat(SqlFailures.serverWords(refused)).isNotNull();
        assertThat(SqlFailures.on(refused)).isEqualTo(" on table call_notes");
    }

    @Test
    void aCheckConstraintOnAWorkerIsNamedAsInTheSchemaWithItsTable() {
        SQLException check = relayed("23514",
                "new row for relation \"contacts_102093\" violates check constraint \"ck_contacts_email\"", ON_WORKER);
        assertThat(SqlFailures.constraint(((PSQLException) check).getServerErrorMessage())).isEqualTo("ck_contacts_email");
        assertThat(SqlFailures.on(check)).isEqualTo(" on table contacts, constraint ck_contacts_email");
        SQLException digits = relayed("23514",
                "new row for relation \"contacts_102086\" violates check constraint \"ck_contacts_phone_e164\"", ON_WORKER);
        assertThat(SqlFailures.on(digits)).isEqualTo(" on table contacts, constraint ck_contacts_phone_e164");
    }

    @Test
    void aNotNullViolationOnAWorkerNamesItsColumnAndTable() {
        SQLException missing = relayed("23502",
                "null value in column \"name\" of relation \"contacts_102093\" violates not-null constraint", ON_WORKER);
        assertThat(SqlFailures.column(((PSQLException) missing).getServerErrorMessage())).isEqualTo("name");
        assertThat(SqlFailures.on(missing)).isEqualTo(" on table contacts, column name");
    }

    @Test
    void aUniqueOrExclusionConstraintOnAWorkerLosesItsShardSuffix() {
        SQLException duplicate = relayed("23505",
                "duplicate key value violates unique constraint \"uq_contacts_org_phone_102086\"", ON_WORKER);
        assertThat(SqlFailures.on(duplicate)).isEqualTo(" on constraint uq_contacts_org_phone");
        SQLException overlap = relayed("23P01",
                "conflicting key value violates exclusion constraint \"excl_appointments_no_double_booking_102117\"", ON_WORKER);
        assertThat(SqlFailures.on(overlap)).isEqualTo(" on constraint excl_appointments_no_double_booking");
    }

    /** Control: on one server nothing is read from the message; the server's own fields are the names. */
    @Test
    void anErrorOfTheServerItselfIsReadFromItsFieldsOnly() {
        StringBuilder fields = new StringBuilder();
        field(fields, 'S', "ERROR");
        field(fields, 'C', "23514");
        field(fields, 'M', "new row for relation \"contacts_102093\" violates check constraint \"ck_other\"");
        field(fields, 'R', "ExecConstraints");
        SQLException local = new PSQLException(new ServerErrorMessage(fields.toString()));
        assertThat(SqlFailures.on(local)).isEmpty();
    }
}
