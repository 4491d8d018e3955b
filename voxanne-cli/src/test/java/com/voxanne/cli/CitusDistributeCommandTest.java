package com.voxanne.cli;

import static com.voxanne.cli.Cli.execute;
import static com.voxanne.cli.Cli.onDatabase;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.voxanne.schema.VerifyCheck;
import com.voxanne.testkit.postgres.PostgresBackend;
import com.voxanne.testkit.postgres.TestDatabase;
import com.voxanne.testkit.postgres.TestPostgresConfig;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * {@code voxanne distribute} end to end, through the same entry point as {@code java -jar}: on the Citus
 * backend a migrated database is placed, a second run does nothing, {@code verify} judges the
 * distribution and {@code rollback} refuses a version older than 17 there; on every backend, a database without Citus is refused with exit code 1.
 */
class CitusDistributeCommandTest {

    /** Whether the tests are configured for the Citus backend; decided without starting a server. */
    static boolean onCitus() {
        return TestPostgresConfig.fromEnvironment().backend().orElse(null) == PostgresBackend.CITUS;
    }

    @Test
    @EnabledIf(value = "onCitus", disabledReason = "needs the Citus backend (VOXANNE_TEST_BACKEND=citus)")
    void distributePlacesTheDatabaseOnceAndVerifyJudgesTheDistribution() throws Exception {
        try (TestDatabase db = Cli.migratedDatabase()) {
            Cli.Run run = onDatabase(db, "distribute");
            assertThat(run.exitCode()).as(run.toString()).isZero();
            assertThat(run.out()).contains("distribute: public.organizations: distributed by id now; 1 policy rewritten to auth_org_id()",
                    "distribute: public.contacts: distributed by org_id now; primary key (org_id, id); 4 policies rewritten",
                    "distribute: auth.users: reference table now",
                    "distribute: database settings added: citus.propagate_set_commands=local, citus.enable_unsafe_triggers=on",
                    "distribute: done, in one transaction")
                    .containsPattern("(?m)^distribute: worker 127\\.0\\.0\\.1:\\d+: ");
            assertThat(run.out().lines().filter(l -> l.startsWith("distribute: worker "))).hasSize(2);

            Cli.Run again = onDatabase(db, "distribute", "--verify");
            assertThat(again.out()).contains("distribute: public.contacts: already distributed by org_id",
                    "distribute: nothing to do; every table was already placed and every setting made")
                    .doesNotContain(" now", "settings added");
            assertThat(again.out()).containsPattern("(?m)^PASS +" + java.util.regex.Pattern.quote(VerifyCheck.DISTRIBUTED_TABLES.title()));

            Cli.Run json = onDatabase(db, "verify", "--json");
            JsonNode report = new ObjectMapper().readTree(json.out());
            for (VerifyCheck id : List.of(VerifyCheck.DISTRIBUTED_TABLES, VerifyCheck.REFERENCE_TABLES, VerifyCheck.POLICY_FORM,
                    VerifyCheck.DISTRIBUTION_SETTINGS)) {
                JsonNode check = null;
                for (JsonNode c : report.get("checks")) {
                    if (c.get("id").asText().equals(id.name())) {
                        check = c;
                    }
                }
                assertThat(check).as(id.name() + " in " + json.out()).isNotNull();
                assertThat(check.get("status").asText()).as(check.toString()).isEqualTo("PASS");
            }

            // a distributed database goes back no further than 17, and --force does not change that
            Cli.Run rollback = onDatabase(db, "rollback", "--to", "16", "--force");
            assertThat(rollback.exitCode()).as(rollback.toString()).isEqualTo(ExitCode.ROLLBACK_REFUSED.code);
            assertThat(rollback.err()).contains("distributed by Citus", "17 is the oldest").doesNotContain("--force");
        }
    }

    @Test
    void aDatabaseWithoutCitusIsRefusedWithExitCodeOne() throws Exception {
        try (TestDatabase db = Cli.migratedDatabase()) {
            execute(db.adminDataSource(), "drop extension if exists citus cascade");
            Cli.Run run = onDatabase(db, "distribute");
            assertThat(run.exitCode()).as(run.toString()).isEqualTo(ExitCode.FAILED.code);
            assertThat(run.err()).contains("voxanne: refusing to distribute: the database has no citus extension", "nothing changed");
            assertThat(run.out()).isEmpty();
        }
    }
}
