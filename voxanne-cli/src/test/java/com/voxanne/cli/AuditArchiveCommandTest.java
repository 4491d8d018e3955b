package com.voxanne.cli;

import static com.voxanne.cli.Cli.execute;
import static com.voxanne.cli.Cli.onDatabase;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.voxanne.testkit.postgres.TestDatabase;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code voxanne audit archive} against a real server, as the admin role, in-process. */
class AuditArchiveCommandTest {

    private static void insertRows(TestDatabase db, int count, int daysAgo) throws Exception {
        execute(db.adminDataSource(), "insert into public.audit_logs (event_type, operation, table_name, row_data, event_time)"
                + " select 'WRITE', 'INSERT', 'contacts', jsonb_build_object('n', g), now() - interval '" + daysAgo
                + " days' + g * interval '1 second' from generate_series(1, " + count + ") g");
    }

    private static long olderThanDays(TestDatabase db, int days) throws Exception {
        try (Connection c = db.adminDataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select count(*) from public.audit_logs where event_time < now() - interval '"
                     + days + " days'")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Test
    void archivesOldRowsToAGzipFileWithProgressAndKeepsNewerOnes(@TempDir Path dir) throws Exception {
        try (TestDatabase db = Cli.migratedDatabase()) {
            insertRows(db, 12_000, 120);
            insertRows(db, 3, 10);
            Path file = dir.resolve("audit.jsonl.gz");

            Cli.Run run = onDatabase(db, "audit", "archive", "--older-than", "90d", "--out", file.toString());

            assertThat(run.exitCode()).as(run.toString()).isZero();
            assertThat(run.out()).contains("audit archive: 12000 row(s) exported to " + file + ", 12000 deleted (through id ");
            assertThat(run.err()).contains("archiving audit rows older than 90 days", "exported 10000 rows",
                    "12000 rows written and synced");
            assertThat(olderThanDays(db, 90)).isZero();
            assertThat(olderThanDays(db, 9)).isEqualTo(3);
            ObjectMapper json = new ObjectMapper();
            long lines = 0;
            try (BufferedReader in = new BufferedReader(new InputStreamReader(
                    new GZIPInputStream(Files.newInputStream(file)), StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                    lines++;
                    assertThat(json.readTree(line).get("row_data").get("n").asLong()).isEqualTo(lines);
                }
            }
            assertThat(lines).isEqualTo(12_000);
        }
    }

    @Test
    void anExistingFileOrABadRetentionIsAUsageErrorAndDeletesNothing(@TempDir Path dir) throws Exception {
        try (TestDatabase db = Cli.migratedDatabase()) {
            insertRows(db, 10, 120);
            Path existing = Files.writeString(dir.resolve("earlier.jsonl.gz"), "earlier");

            Cli.Run exists = onDatabase(db, "audit", "archive", "--older-than", "90d", "--out", existing.toString());
            assertThat(exists.exitCode()).as(exists.toString()).isEqualTo(2);
            assertThat(exists.err()).contains("never overwritten");
            assertThat(Files.readString(existing)).isEqualTo("earlier");

            for (String bad : new String[] {"0d", "90", "12h", "-3d"}) {
                Cli.Run run = onDatabase(db, "audit", "archive", "--older-than", bad, "--out", dir.resolve("x.gz").toString());
                assertThat(run.exitCode()).as(run.toString()).isEqualTo(2);
            }
            assertThat(Cli.run("audit").exitCode()).isEqualTo(2);
            assertThat(olderThanDays(db, 90)).isEqualTo(10);
            assertThat(Files.list(dir)).containsExactly(existing);
        }
    }
}
