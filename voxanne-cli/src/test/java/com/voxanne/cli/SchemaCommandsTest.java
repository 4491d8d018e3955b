package com.voxanne.cli;

import static com.voxanne.cli.Cli.execute;
import static com.voxanne.cli.Cli.onDatabase;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.voxanne.schema.VerifyCheck;
import com.voxanne.testkit.postgres.TestDatabase;
import java.util.UUID;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Each subcommand against a real server, through the same entry point as {@code java -jar}. */
class SchemaCommandsTest {

    @Test
    void migrateAppliesEveryMigrationWithAProgressLineAndThenVerifies() {
        try (TestDatabase db = Cli.server().createDatabase()) {
            Cli.Run run = onDatabase(db, "migrate", "--verify");

            assertThat(run.exitCode()).as(run.toString()).isZero();
            assertThat(run.out()).contains("applied V1 ", "applied V6 ", "from an empty database to version")
                    .contains("STATUS", VerifyCheck.RLS_ENABLED_AND_FORCED.title(), "verify: ").doesNotContain("FAIL ");
            assertThat(run.err()).contains("as " + Cli.admin(db).getUser(), "(from --url)");

            Cli.Run again = onDatabase(db, "migrate");
            assertThat(again.exitCode()).as(again.toString()).isZero();
            assertThat(again.out()).contains("up to date").doesNotContain("applied V");
        }
    }

    @Test
    void infoListsAppliedAndPendingMigrations() {
        try (TestDatabase db = Cli.server().createDatabase()) {
            Cli.Run empty = onDatabase(db, "info");
            assertThat(empty.exitCode()).as(empty.toString()).isZero();
            assertThat(empty.out()).contains("VERSION", "PENDING", "current version: none").doesNotContain("APPLIED");

            onDatabase(db, "migrate");
            onDatabase(db, "rollback", "--to", "5");
            Cli.Run half = onDatabase(db, "info");
            assertThat(half.out()).containsPattern("(?m)^5 +auth org id +APPLIED +\\d{4}-")
                    .containsPattern("(?m)^6 +contacts +PENDING *$").contains("current version: 5;");
        }
    }

    @Test
    void verifyPrintsATableOrJsonAndFailsOnAFailingItem() throws Exception {
        try (TestDatabase db = Cli.migratedDatabase()) {
            Cli.Run table = onDatabase(db, "verify");
            assertThat(table.exitCode()).as(table.toString()).isZero();
            // the table shows each item's title for an operator
            assertThat(table.out()).contains("PASS    " + VerifyCheck.RLS_ENABLED_AND_FORCED.title(), "verify: ");

            Cli.Run json = onDatabase(db, "verify", "--json");
            assertThat(json.exitCode()).as(json.toString()).isZero();
            JsonNode report = new ObjectMapper().readTree(json.out());
            assertThat(report.get("passed").asBoolean()).isTrue();
            assertThat(report.get("checks").get(0).fieldNames()).toIterable().containsExactly("id", "item", "status", "reason");
            assertThat(check(report, VerifyCheck.RLS_ENABLED_AND_FORCED).get("item").asText())
                    .isEqualTo(VerifyCheck.RLS_ENABLED_AND_FORCED.title());
            assertThat(check(report, VerifyCheck.RLS_ENABLED_AND_FORCED).get("status").asText()).isEqualTo("PASS");

            execute(db.adminDataSource(), "alter table public.contacts no force row level security");
            Cli.Run failing = onDatabase(db, "verify");
            assertThat(failing.exitCode()).as(failing.toString()).isEqualTo(ExitCode.VERIFY_FAILED.code);
            assertThat(failing.out()).containsPattern("(?m)^FAIL +" + Pattern.quote(VerifyCheck.RLS_ENABLED_AND_FORCED.title()));
            Cli.Run failingJson = onDatabase(db, "verify", "--json");
            assertThat(failingJson.exitCode()).isEqualTo(ExitCode.VERIFY_FAILED.code);
            JsonNode failed = new ObjectMapper().readTree(failingJson.out());
            assertThat(failed.get("passed").asBoolean()).isFalse();
            assertThat(check(failed, VerifyCheck.RLS_ENABLED_AND_FORCED).get("status").asText()).isEqualTo("FAIL");
            assertThat(check(failed, VerifyCheck.RLS_ENABLED_AND_FORCED).get("reason").asText()).contains("contacts");
            Cli.Run migrateVerify = onDatabase(db, "migrate", "--verify");
            assertThat(migrateVerify.exitCode()).as(migrateVerify.toString()).isEqualTo(ExitCode.VERIFY_FAILED.code);
        }
    }

    /** The item of {@code verify --json}'s document with this id. */
    static JsonNode check(JsonNode report, VerifyCheck id) {
        for (JsonNode check : report.get("checks")) {
            if (check.get("id").asText().equals(id.name())) {
                return check;
            }
        }
        throw new AssertionError("no check " + id + " in " + report);
    }

    @Test
    void rollbackUndoesNewestFirstAndRefusesToDeleteDataUnlessForced() throws Exception {
        try (TestDatabase db = Cli.migratedDatabase()) {
            Cli.Run partial = onDatabase(db, "rollback", "--to", "6");
            assertThat(partial.exitCode()).as(partial.toString()).isZero();
            assertThat(partial.out()).containsSubsequence("undid V13", "undid V12", "undid V11", "undid V10", "undid V9 ", "undid V8 ", "undid V7 ")
                    .doesNotContain("undid V6 ").contains("from version 18 to 6");
            UUID org = UUID.randomUUID();
            execute(db.adminDataSource(),
                    "insert into public.organizations (id, name) values ('" + org + "', 'Clinic')",
                    "insert into public.contacts (org_id, name) values ('" + org + "', 'Ann')");

            Cli.Run refused = onDatabase(db, "rollback", "--to", "5");
            assertThat(refused.exitCode()).as(refused.toString()).isEqualTo(ExitCode.ROLLBACK_REFUSED.code);
            // The database's own reason, on one line, and the way out.
            assertThat(refused.err().lines().reduce((first, last) -> last).orElseThrow())
                    .contains("refused", "would delete 1 rows of public.contacts", "--force");
            assertThat(refused.err()).doesNotContain("\tat ");
            assertThat(onDatabase(db, "info").out()).contains("current version: 6;");

            Cli.Run forced = onDatabase(db, "rollback", "--to", "5", "--force");
            assertThat(forced.exitCode()).as(forced.toString()).isZero();
            assertThat(forced.out()).contains("undid V6 ", "from version 6 to 5");
            assertThat(onDatabase(db, "info").out()).contains("current version: 5;");

            Cli.Run nothing = onDatabase(db, "rollback", "--to", "7");
            assertThat(nothing.exitCode()).isZero();
            assertThat(nothing.out()).contains("nothing to undo");
        }
    }

    @Test
    void aDatabaseMigratedByANewerVoxanneIsLeftAlone() throws Exception {
        try (TestDatabase db = Cli.migratedDatabase()) {
            execute(db.adminDataSource(), "insert into public.voxanne_schema_history (installed_rank, version, description,"
                    + " type, script, checksum, installed_by, execution_time, success) values (99, '99', 'from the future',"
                    + " 'SQL', 'V99__from_the_future.sql', 0, current_user, 1, true)");

            Cli.Run migrate = onDatabase(db, "migrate");
            assertThat(migrate.exitCode()).as(migrate.toString()).isEqualTo(ExitCode.NEWER_SCHEMA.code);
            assertThat(migrate.err()).contains("newer version", "99").doesNotContain("\tat ");

            Cli.Run rollback = onDatabase(db, "rollback", "--to", "5", "--force");
            assertThat(rollback.exitCode()).isEqualTo(ExitCode.NEWER_SCHEMA.code);

            Cli.Run info = onDatabase(db, "info");
            assertThat(info.exitCode()).isZero();
            assertThat(info.out()).containsPattern("(?m)^99 +from the future +FUTURE");
            assertThat(info.err()).contains("warning: version(s) 99");
        }
    }
}
