package com.voxanne.dao.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.testkit.VoxannePostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.postgresql.PGStatement;

/**
 * {@link PgJdbc#timestamptz} reads every timestamptz as PgJDBC's {@code getObject(…, OffsetDateTime.class)}
 * does, from the binary form and from the text form alike: the edges of the binary decoding (before 2000,
 * so a negative count, with a fraction; the Julian–Gregorian switch; BC; the largest and smallest values;
 * ±infinity), an offset other than UTC, and NULL.
 */
@VoxannePostgres
class PgJdbcTimestamptzTest {

    /** Each a timestamptz literal, or null; read back in this order. */
    private static final List<String> VALUES = Arrays.asList(
            "2026-12-06 16:58:50.123456+00",
            "2000-01-01 00:00:00+00",
            "1999-12-31 23:59:59.999999+00",
            "1970-01-01 00:00:00.000001+00",
            "1969-12-31 23:59:59.5+00",
            "1582-10-15 00:00:00+00",
            "1582-10-04 23:59:59.999999+00",
            "1500-03-01 12:00:00+00",
            "0001-01-01 00:00:00+00",
            "0044-03-15 12:00:00+00 BC",
            "4713-11-24 00:00:00+00 BC",
            "294276-12-31 23:59:59.999999+00",
            "2026-06-01 12:00:00.000001+05:30",
            "infinity",
            "-infinity",
            null);

    private static final String QUERY = "select v from unnest(?::text[]::timestamptz[]) with ordinality as t(v, n) order by n";

    @Test
    void theBinaryFormReadsAsPgJdbcReadsIt(DataSource login) throws SQLException {
        try (Connection c = login.getConnection()) {
            zone(c);
            try (PreparedStatement ps = c.prepareStatement(QUERY)) {
                ps.unwrap(PGStatement.class).setPrepareThreshold(1);
                ps.setArray(1, c.createArrayOf("text", VALUES.toArray()));
                List<Read> reads = List.of();
                // a few executions: PgJDBC asks for binary results once it has described the statement
                for (int i = 0; i < 6; i++) {
                    reads = readAll(ps);
                }
                assertThat(reads).hasSize(VALUES.size());
                // the decoding ran: every value but NULL came in the eight bytes of the binary form
                assertThat(reads.subList(0, VALUES.size() - 1)).allMatch(r -> r.bytes() == Long.BYTES);
                assertSameAsPgJdbc(reads);
            }
        }
    }

    @Test
    void theTextFormReadsAsPgJdbcReadsIt(DataSource login) throws SQLException {
        try (Connection c = login.getConnection()) {
            zone(c);
            try (PreparedStatement ps = c.prepareStatement(QUERY)) {
                ps.unwrap(PGStatement.class).setPrepareThreshold(0);   // never server-prepared: text
                ps.setArray(1, c.createArrayOf("text", VALUES.toArray()));
                List<Read> reads = readAll(ps);
                assertThat(reads).hasSize(VALUES.size());
                // text: never eight bytes but "infinity", which PgJdbc hands to PgJDBC as well
                assertThat(reads).filteredOn(r -> r.bytes() == Long.BYTES).extracting(Read::pgJdbc)
                        .containsExactly(OffsetDateTime.MAX);
                assertSameAsPgJdbc(reads);
            }
        }
    }

    private static void assertSameAsPgJdbc(List<Read> reads) {
        for (int i = 0; i < reads.size(); i++) {
            Read read = reads.get(i);
            assertThat(read.decoded()).as("value %d (%s)", i, VALUES.get(i)).isEqualTo(read.pgJdbc());
        }
        assertThat(reads.get(reads.size() - 1).decoded()).isNull();
        assertThat(reads.get(VALUES.indexOf("infinity")).decoded()).isSameAs(OffsetDateTime.MAX);
        assertThat(reads.get(VALUES.indexOf("-infinity")).decoded()).isSameAs(OffsetDateTime.MIN);
        // what the DAO hands out is in UTC, whatever the session's zone
        assertThat(reads).map(Read::decoded)
                .filteredOn(t -> t != null && t != OffsetDateTime.MAX && t != OffsetDateTime.MIN)
                .allMatch(t -> t.getOffset().equals(ZoneOffset.UTC));
    }

    /** A session zone far from UTC: the text form is printed in it. */
    private static void zone(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("set time zone 'Asia/Kolkata'");
        }
    }

    /** One value: as decoded, as PgJDBC reads it, and how many bytes PgJDBC received (-1 for NULL). */
    private record Read(OffsetDateTime decoded, OffsetDateTime pgJdbc, int bytes) {
    }

    private static List<Read> readAll(PreparedStatement ps) throws SQLException {
        List<Read> reads = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                byte[] raw = rs.getBytes(1);
                reads.add(new Read(PgJdbc.timestamptz(rs, 1), rs.getObject(1, OffsetDateTime.class),
                        raw == null ? -1 : raw.length));
            }
        }
        return reads;
    }
}
