package com.voxanne.cli;

import static com.voxanne.cli.Cli.execute;
import static com.voxanne.cli.Cli.onDatabase;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.voxanne.schema.VerifyCheck;
import com.voxanne.testkit.postgres.TestDatabase;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --service-migrations}: a service's migrations beside Voxanne's, and what verify says of its tables. */
class ServiceMigrationsCommandTest {

    private static final String HISTORY = "intake_schema_history";

    @TempDir
    Path migrations;

    /** A service's migrations in a directory, as an operator would have them: a tenant table by the rules. */
    private String location() throws IOException {
        Files.writeString(migrations.resolve("V1__intake_calls.sql"), """
                create table public.intake_calls (
                  id     uuid primary key default gen_random_uuid(),
                  org_id uuid not null references public.organizations (id) on delete cascade,
                  caller text not null
                );
                alter table public.intake_calls enable row level security;
                alter table public.intake_calls force row level security;
                grant select, insert, update, delete on public.intake_calls to authenticated, service_role;
                create policy intake_calls_org on public.intake_calls for all to authenticated
                  using (org_id = (select public.auth_org_id())) with check (org_id = (select public.auth_org_id()));
                """);
        return "filesystem:" + migrations;
    }

    @Test
    void migrateAppliesTheServiceAfterVoxanneVerifiesCleanAndThenHasNothingToDo() throws Exception {
        String option = HISTORY + "=" + location();
        try (TestDatabase db = Cli.server().createDatabase()) {
            Cli.Run run = onDatabase(db, "migrate", "--service-migrations", option, "--verify");
            assertThat(run.exitCode()).as(run.toString()).isZero();
            assertThat(run.out()).containsSubsequence("applied V18 ", "applied " + HISTORY + " V1 ",
                    "migrate: 18 migration(s) applied", "migrate: " + HISTORY + ": 1 migration(s) applied")
                    .contains("Service migrations applied (" + HISTORY + ")").doesNotContain("FAIL ");
            JsonNode verified = json(onDatabase(db, "verify", "--json", "--service-migrations", option));
            assertThat(status(verified, VerifyCheck.SERVICE_TENANT_TABLES_RLS)).isEqualTo("PASS");
            assertThat(reason(verified, VerifyCheck.SERVICE_TENANT_TABLES_RLS)).contains("intake_calls");
            JsonNode applied = SchemaCommandsTest.check(verified, VerifyCheck.SERVICE_MIGRATIONS_APPLIED);
            assertThat(applied.get("table").asText()).isEqualTo(HISTORY);
            assertThat(applied.get("item").asText()).isEqualTo("Service migrations applied (" + HISTORY + ")");
            assertThat(applied.get("status").asText()).isEqualTo("PASS");

            Cli.Run again = onDatabase(db, "migrate", "--service-migrations", option);
            assertThat(again.exitCode()).as(again.toString()).isZero();
            assertThat(again.out()).contains("migrate: up to date", "migrate: " + HISTORY + ": up to date at version 1")
                    .doesNotContain("applied V");

            Cli.Run info = onDatabase(db, "info", "--service-migrations", option);
            assertThat(info.exitCode()).as(info.toString()).isZero();
            assertThat(info.out()).contains("current version: 18; 0 pending", HISTORY + ":",
                    HISTORY + " current version: 1; 0 pending").containsPattern("(?m)^1 +intake calls +APPLIED");

            // the service's tenant table loses FORCE: verify finds it without being told of the service
            execute(db.adminDataSource(), "alter table public.intake_calls no force row level security");
            Cli.Run failing = onDatabase(db, "verify", "--json");
            assertThat(failing.exitCode()).as(failing.toString()).isEqualTo(ExitCode.VERIFY_FAILED.code);
            JsonNode failed = json(failing);
            assertThat(status(failed, VerifyCheck.SERVICE_TENANT_TABLES_RLS)).isEqualTo("FAIL");
            assertThat(reason(failed, VerifyCheck.SERVICE_TENANT_TABLES_RLS)).contains("not enabled and forced on [intake_calls]");
            assertThat(status(failed, VerifyCheck.RLS_ENABLED_AND_FORCED)).isEqualTo("PASS");
        }
    }

    /** A service migrated with Flyway directly: its history table must not make {@code voxanne verify} exit 3. */
    @Test
    void verifyPassesBesideAServiceMigratedWithFlywayDirectly() throws Exception {
        try (TestDatabase db = Cli.migratedDatabase()) {
            Flyway.configure().dataSource(db.adminDataSource()).locations(location()).table(HISTORY)
                    .baselineOnMigrate(true).baselineVersion("0").load().migrate();
            Cli.Run verify = onDatabase(db, "verify", "--json");
            assertThat(verify.exitCode()).as(verify.toString()).isZero();
            JsonNode passed = json(verify);
            assertThat(status(passed, VerifyCheck.MIGRATION_HISTORY_PRIVILEGES)).isEqualTo("PASS");
            assertThat(reason(passed, VerifyCheck.MIGRATION_HISTORY_PRIVILEGES)).contains(HISTORY);

            execute(db.adminDataSource(), "grant select on public." + HISTORY + " to authenticated");
            Cli.Run exposed = onDatabase(db, "verify", "--json", "--service-migrations", HISTORY + "=" + location());
            assertThat(exposed.exitCode()).as(exposed.toString()).isEqualTo(ExitCode.VERIFY_FAILED.code);
            JsonNode failed = json(exposed);
            assertThat(status(failed, VerifyCheck.MIGRATION_HISTORY_PRIVILEGES)).isEqualTo("FAIL");
            assertThat(reason(failed, VerifyCheck.MIGRATION_HISTORY_PRIVILEGES)).contains(HISTORY + " (authenticated: SELECT");
        }
    }

    private static JsonNode json(Cli.Run run) throws IOException {
        return new ObjectMapper().readTree(run.out());
    }

    private static String status(JsonNode report, VerifyCheck id) {
        return SchemaCommandsTest.check(report, id).get("status").asText();
    }

    private static String reason(JsonNode report, VerifyCheck id) {
        return SchemaCommandsTest.check(report, id).get("reason").asText();
    }

    @Test
    void aBadServiceMigrationsValueIsBadUsage() {
        for (String value : new String[] {HISTORY, "Intake=filesystem:x", "voxanne_schema_history=filesystem:x",
                HISTORY + "=", HISTORY + "=filesystem:x,"}) {
            Cli.Run run = Cli.run("migrate", "--service-migrations", value, "--url", "jdbc:postgresql://localhost:1/none");
            assertThat(run.exitCode()).as(value + ": " + run).isEqualTo(ExitCode.USAGE.code);
            assertThat(run.err()).contains("--service-migrations");
        }
        Cli.Run twice = Cli.run("verify", "--service-migrations", HISTORY + "=filesystem:a", "--service-migrations",
                HISTORY + "=filesystem:b", "--url", "jdbc:postgresql://localhost:1/none");
        assertThat(twice.exitCode()).as(twice.toString()).isEqualTo(ExitCode.USAGE.code);
    }
}
