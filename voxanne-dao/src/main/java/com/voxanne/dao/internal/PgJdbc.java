package com.voxanne.dao.internal;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import org.postgresql.PGConnection;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;

/**
 * What the DAO asks of PgJDBC beyond JDBC, in one place: the server's transaction state as PgJDBC tracks it
 * from every reply (no round trip), the {@link PGConnection} a subscription polls, and a timestamptz read
 * from the binary form PgJDBC receives it in ({@link #timestamptz}). Everything else the
 * DAO relies on PgJDBC for is behaviour behind plain JDBC, described where it is used (a string of several
 * statements sent before one Sync: {@link BindingConnection}; an error's fields: {@link SqlErrors}).
 */
final class PgJdbc {

    /** The server's transaction state on a connection, as the last reply left it. */
    enum TransactionStatus {
        /** No transaction open. */
        IDLE,
        /** A transaction open and healthy. */
        OPEN,
        /** A transaction open and aborted by a failed statement: the server refuses everything but its end (25P02). */
        FAILED,
        /** A wrapper hides PgJDBC's connection: unknown without a round trip. */
        UNKNOWN
    }

    /** 2000-01-01T00:00Z in Unix seconds: the epoch a binary timestamptz counts microseconds from. */
    private static final long POSTGRES_EPOCH_SECONDS = 946_684_800L;
    private static final long MICROS_PER_SECOND = 1_000_000L;
    /** What the server sends for +infinity in text: the one text timestamptz as long as a binary one. */
    private static final byte[] INFINITY_TEXT = "infinity".getBytes(StandardCharsets.US_ASCII);
    /** A binary timestamptz is a big-endian 64-bit integer (integer datetimes, the only kind since PostgreSQL 10). */
    private static final VarHandle INT64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);

    private PgJdbc() {
    }

    /**
     * The timestamptz column {@code column} of {@code row} in UTC, null for SQL NULL: the value
     * {@code row.getObject(column, OffsetDateTime.class)} returns (±infinity as {@link OffsetDateTime#MAX} and
     * {@link OffsetDateTime#MIN}, every other instant exact to the microsecond, proleptic Gregorian before
     * 1582 as PostgreSQL counts), built with less work: every row of a page has three or four such columns.
     *
     * <p>Why not PgJDBC's own reading: it goes through {@code OffsetDateTime.ofInstant}, which on Java 17 makes
     * a {@code ZoneRules} with its own {@code ConcurrentHashMap} for every value, and through a
     * {@code TimestampUtils} holding a {@code GregorianCalendar}, made once per result set; a page of 21
     * contacts pays for 63 of the first and one of the second (docs/benchmarks.md, run G).
     *
     * <p>How: once PgJDBC has prepared a statement on the server it receives timestamptz in binary, eight
     * bytes counting microseconds from 2000-01-01 UTC (±infinity the largest and smallest values), and
     * {@code getBytes} hands those bytes over as they came. Before that (a statement's first executions)
     * the value comes as text, never eight bytes long except {@code infinity}: text goes to PgJDBC, and so
     * do those eight bytes, whichever form they are (PgJDBC knows). {@code PgJdbcTimestamptzTest} compares
     * both forms with PgJDBC's reading of the same values.
     */
    static OffsetDateTime timestamptz(ResultSet row, int column) throws SQLException {
        byte[] value = row.getBytes(column);
        if (value == null) {
            return null;
        }
        if (value.length != Long.BYTES || Arrays.equals(value, INFINITY_TEXT)) {
            return row.getObject(column, OffsetDateTime.class);
        }
        long micros = (long) INT64.get(value, 0);
        if (micros == Long.MAX_VALUE) {
            return OffsetDateTime.MAX;
        }
        if (micros == Long.MIN_VALUE) {
            return OffsetDateTime.MIN;
        }
        long seconds = Math.floorDiv(micros, MICROS_PER_SECOND) + POSTGRES_EPOCH_SECONDS;
        int nanos = (int) Math.floorMod(micros, MICROS_PER_SECOND) * 1_000;
        return OffsetDateTime.of(LocalDateTime.ofEpochSecond(seconds, nanos, ZoneOffset.UTC), ZoneOffset.UTC);
    }

    /** {@code connection}'s transaction state, from PgJDBC's tracking: no round trip. */
    static TransactionStatus transactionStatus(Connection connection) {
        TransactionState state;
        try {
            state = connection.unwrap(BaseConnection.class).getTransactionState();
        } catch (SQLException notPgJdbc) {
            return TransactionStatus.UNKNOWN;
        }
        return switch (state) {
            case IDLE -> TransactionStatus.IDLE;
            case OPEN -> TransactionStatus.OPEN;
            case FAILED -> TransactionStatus.FAILED;
        };
    }

    /** PgJDBC's own connection behind {@code connection} (a pool's wrapper), for LISTEN's notifications. */
    static PGConnection pgConnection(Connection connection) throws SQLException {
        return connection.unwrap(PGConnection.class);
    }
}
