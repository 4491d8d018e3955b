package com.voxanne.cli;

import static com.voxanne.cli.Cli.onDatabase;
import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.testkit.postgres.TestDatabase;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code voxanne demo} against a real server, in-process, twice on the same database. */
class DemoCommandTest {

    @Test
    void migratesThenShowsIsolationExactlyOnceWebhooksAndTheAuditTrailAndRunsAgain() throws Exception {
        try (TestDatabase db = Cli.server().createDatabase()) {
            Cli.Run first = onDatabase(db, "demo");
            assertDemo(first);
            assertThat(first.out()).contains("demo: migrated the database first: ");

            Cli.Run second = onDatabase(db, "demo");
            assertDemo(second);
            assertThat(second.out()).contains("demo: database up to date at version ");
            assertThat(clinicA(second)).isNotEqualTo(clinicA(first));

            try (Connection c = db.adminDataSource().getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("select rolcanlogin, rolinherit, rolsuper, rolbypassrls,"
                         + " pg_has_role(oid, 'service_role', 'member'), pg_has_role(oid, 'authenticated', 'member')"
                         + " from pg_roles where rolname = '" + DemoCommand.LOGIN_ROLE + "'")) {
                assertThat(rs.next()).isTrue();
                assertThat(new boolean[] {rs.getBoolean(1), rs.getBoolean(2), rs.getBoolean(3), rs.getBoolean(4),
                    rs.getBoolean(5), rs.getBoolean(6)}).containsExactly(true, false, false, false, true, true);
            }
            try (Connection c = db.adminDataSource().getConnection(); Statement s = c.createStatement();
                 ResultSet rs = s.executeQuery("select count(*) from public.organizations where name like 'Clinic _ %'")) {
                rs.next();
                assertThat(rs.getLong(1)).isEqualTo(4);
            }
        }
    }

    private static void assertDemo(Cli.Run run) {
        assertThat(run.exitCode()).as(run.toString()).isZero();
        assertThat(run.out()).as(run.toString()).contains(
                "demo: the DAO logs in as voxanne_demo_login (NOSUPERUSER NOBYPASSRLS NOINHERIT)",
                "demo: clinic A's user created 2 contacts",
                "demo: clinic B's user lists contacts: sees 1 (its own), 0 of clinic A's 2",
                "demo: clinic B's user gets clinic A's appointment ",
                "demo: clinic B's user looks up Ann's phone number: not found",
                " delivery 1 to clinic A: PROCESSED",
                " delivery 2 to clinic A: DUPLICATE",
                "demo: webhook handler ran 1 time: processed once, duplicate once",
                "demo: audit trail of clinic A: ");
        assertThat(run.out()).doesNotContain("FOUND");
        assertThat(Pattern.compile("gets clinic A's contact \\S+ by id: not found").matcher(run.out()).find()).isTrue();
        // The trail's rows: contacts and appointments written by clinic A's user through the demo login role.
        assertThat(Pattern.compile("(?m)^\\d+\\s+contacts\\s+INSERT\\s+authenticated\\s+voxanne_demo_login\\s+reception-a\\.")
                .matcher(run.out()).find()).as(run.out()).isTrue();
        assertThat(Pattern.compile("(?m)^\\d+\\s+appointments\\s+INSERT\\s+authenticated\\s+voxanne_demo_login\\s+reception-a\\.")
                .matcher(run.out()).find()).as(run.out()).isTrue();
        assertThat(Pattern.compile("(?m)^\\d+\\s.*reception-b\\.").matcher(run.out()).find()).as("B's user in A's trail").isFalse();
    }

    private static String clinicA(Cli.Run run) {
        Matcher m = Pattern.compile("created clinic A '([^']+)'").matcher(run.out());
        assertThat(m.find()).isTrue();
        return m.group(1);
    }
}
