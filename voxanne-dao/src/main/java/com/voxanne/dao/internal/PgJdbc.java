package com.voxanne.dao.internal;

import java.sql.Connection;
import java.sql.SQLException;
import org.postgresql.PGConnection;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;

/**
 * What the DAO asks of PgJDBC beyond JDBC, in one place: the server's transaction state as PgJDBC tracks it
 * from every reply (no round trip), and the {@link PGConnection} a subscription polls. Everything else the
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

    private PgJdbc() {
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
