package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.voxanne.testkit.Admin;
import com.voxanne.testkit.DatabaseScope;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.VoxannePostgres;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.zip.GZIPInputStream;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Retention: every test gets a fresh database, since an archive sweeps the whole trail. */
@VoxannePostgres(scope = DatabaseScope.PER_METHOD)
class AuditArchiveTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private AuditTrail audit;
    private DSLContext admin;
    private UUID org;

    @BeforeEach
    void setUp(DataSource login, @Admin DSLContext admin, Tenants tenants) {
        this.audit = Voxanne.create(login).service().audit();
        this.admin = admin;
        this.org = tenants.organization("Archived clinic").id();
    }

    /** {@code count} rows {@code daysAgo} days old (a second apart), numbered 1..count in row_data.n. */
    private void insertRows(int count, int daysAgo) {
        admin.execute("insert into public.audit_logs (event_type, operation, table_name, org_id, row_data, event_time)"
                + " select 'WRITE', 'INSERT', 'contacts', ?::uuid, jsonb_build_object('n', g),"
                + " now() - make_interval(days => ?) + g * interval '1 second' from generate_series(1, ?) g",
                org, daysAgo, count);
    }

    private int olderThanDays(int days) {
        return admin.fetchSingle("select count(*) from public.audit_logs where event_time < now() - make_interval(days => ?)",
                days).get(0, Integer.class);
    }

    /** Counts and checks the order, keeping nothing: rows pass through it one at a time. */
    private static class CountingSink implements AuditSink {
        private final AuditSink next;
        long seen;
        long lastId;
        boolean completed;

        CountingSink(AuditSink next) {
            this.next = next;
        }

        @Override
        public void accept(AuditEvent event) throws IOException {
            assertThat(event.id()).as("rows arrive in id order").isGreaterThan(lastId);
            lastId = event.id();
            seen++;
            next.accept(event);
        }

        @Override
        public void complete() throws IOException {
            completed = true;
            next.complete();
        }
    }

    @Test
    void twentyThousandOldRowsStreamToAGzipJsonLinesFileAndOnlyTheyAreDeleted(@TempDir Path dir) throws IOException {
        insertRows(20_000, 100);
        insertRows(5, 10);
        long maxOldId = admin.fetchSingle("select max(id) from public.audit_logs where event_time < now() - interval '30 days'")
                .get(0, Long.class);
        Path file = dir.resolve("audit.jsonl.gz");

        ArchiveResult result;
        CountingSink counting;
        try (JsonLinesAuditSink gzip = AuditSinks.gzipJsonLines(file)) {
            counting = new CountingSink(gzip);
            result = audit.archive(Duration.ofDays(30), counting);
            assertThat(gzip.accepted()).isEqualTo(20_000);
            assertThat(gzip.lastAcceptedId()).hasValue(maxOldId);
            assertThat(gzip.completed()).isTrue();
        }

        assertThat(result).isEqualTo(new ArchiveResult(20_000, 20_000, maxOldId));
        assertThat(counting.seen).isEqualTo(20_000);
        assertThat(counting.completed).isTrue();
        assertThat(olderThanDays(30)).as("old rows left").isZero();
        assertThat(olderThanDays(9)).as("rows newer than the cutoff stay").isEqualTo(5);
        assertThat(admin.fetchSingle("select row_data ->> 'deleted' from public.audit_logs where event_type = 'MAINTENANCE'")
                .get(0, String.class)).isEqualTo("20000");

        long lines = 0;
        long previousId = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(
                new GZIPInputStream(Files.newInputStream(file)), StandardCharsets.UTF_8))) {
            for (String line = in.readLine(); line != null; line = in.readLine()) {
                JsonNode row = JSON.readTree(line);
                lines++;
                assertThat(row.get("id").asLong()).isGreaterThan(previousId);
                previousId = row.get("id").asLong();
                assertThat(row.get("row_data").get("n").asLong()).isEqualTo(lines);
                assertThat(row.get("org_id").asText()).isEqualTo(org.toString());
                assertThat(row.get("operation").asText()).isEqualTo("INSERT");
                assertThat(row.get("event_time").asText()).isNotBlank();
            }
        }
        assertThat(lines).isEqualTo(20_000);
        assertThat(Files.list(dir)).as("no temporary file left").containsExactly(file);
    }

    @Test
    void aSinkFailingMidwayDeletesNothingAndLeavesNoFile(@TempDir Path dir) throws IOException {
        insertRows(2_000, 100);
        Path file = dir.resolve("audit.jsonl.gz");
        try (JsonLinesAuditSink gzip = AuditSinks.gzipJsonLines(file)) {
            CountingSink failing = new CountingSink(gzip) {
                @Override
                public void accept(AuditEvent event) throws IOException {
                    if (seen == 500) {
                        throw new IOException("disk full");
                    }
                    super.accept(event);
                }
            };
            assertThatThrownBy(() -> audit.archive(Duration.ofDays(30), failing))
                    .isInstanceOf(UncheckedIOException.class).hasRootCauseMessage("disk full");
        }
        assertThat(olderThanDays(30)).isEqualTo(2_000);
        assertThat(admin.fetchSingle("select count(*) from public.audit_logs where event_type = 'MAINTENANCE'")
                .get(0, Integer.class)).isZero();
        assertThat(Files.list(dir)).as("no partial archive").isEmpty();
    }

    @Test
    void aSinkFailingToCompleteOrWithARuntimeExceptionDeletesNothing() {
        insertRows(50, 100);
        IllegalStateException boom = new IllegalStateException("upload refused");
        assertThatThrownBy(() -> audit.archive(Duration.ofDays(30), new AuditSink() {
            @Override
            public void accept(AuditEvent event) {
                throw boom;
            }

            @Override
            public void complete() {
            }
        })).isSameAs(boom);
        assertThatThrownBy(() -> audit.archive(Duration.ofDays(30), new AuditSink() {
            @Override
            public void accept(AuditEvent event) {
            }

            @Override
            public void complete() throws IOException {
                throw new IOException("fsync failed");
            }
        })).isInstanceOf(UncheckedIOException.class).hasRootCauseMessage("fsync failed");
        assertThat(olderThanDays(30)).isEqualTo(50);
    }

    @Test
    void jsonLinesToAStreamReportWhatTheyAccepted() throws IOException {
        insertRows(3, 100);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        JsonLinesAuditSink sink = AuditSinks.jsonLines(out);
        ArchiveResult result = audit.archive(Duration.ofDays(1), sink);
        sink.close();
        assertThat(result.rowsExported()).isEqualTo(3);
        assertThat(result.rowsDeleted()).isEqualTo(3);
        assertThat(sink.accepted()).isEqualTo(3);
        assertThat(sink.lastAcceptedId()).hasValue(result.throughId());
        String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
        assertThat(lines).hasSize(3);
        assertThat(JSON.readTree(lines[2]).get("row_data").get("n").asInt()).isEqualTo(3);
        assertThatThrownBy(() -> sink.accept(null)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void nothingOldExportsAnEmptyArchiveAndDeletesNothing(@TempDir Path dir) throws IOException {
        insertRows(10, 2);
        Path file = dir.resolve("empty.jsonl.gz");
        try (JsonLinesAuditSink sink = AuditSinks.gzipJsonLines(file)) {
            assertThat(audit.archive(Duration.ofDays(30), sink)).isEqualTo(new ArchiveResult(0, 0, 0));
        }
        try (GZIPInputStream in = new GZIPInputStream(Files.newInputStream(file))) {
            assertThat(in.readAllBytes()).isEmpty();
        }
        assertThat(olderThanDays(1)).isEqualTo(10);
    }

    @Test
    void anExistingArchiveIsNeverOverwritten(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("audit.jsonl.gz"), "earlier archive");
        assertThatThrownBy(() -> AuditSinks.gzipJsonLines(file)).isInstanceOf(FileAlreadyExistsException.class);
        assertThat(Files.readString(file)).isEqualTo("earlier archive");
    }

    @Test
    void badRetentionsAreRefusedBeforeAnything() {
        insertRows(5, 100);
        AuditSink sink = AuditSinks.jsonLines(new ByteArrayOutputStream());
        AuditTrailTest.assertInvalid(() -> audit.archive(null, sink), "olderThan");
        AuditTrailTest.assertInvalid(() -> audit.archive(Duration.ZERO, sink), "olderThan");
        AuditTrailTest.assertInvalid(() -> audit.archive(Duration.ofDays(-3), sink), "olderThan");
        AuditTrailTest.assertInvalid(() -> audit.archive(Duration.ofHours(12), sink), "olderThan");
        AuditTrailTest.assertInvalid(() -> audit.archive(Duration.ofHours(36), sink), "olderThan");
        AuditTrailTest.assertInvalid(() -> audit.archive(Duration.ofDays(365L * 200), sink), "olderThan");
        AuditTrailTest.assertInvalid(() -> audit.archive(Duration.ofDays(30), null), "sink");
        assertThat(olderThanDays(30)).isEqualTo(5);
    }
}
