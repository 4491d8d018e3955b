package com.voxanne.testkit.internal;

import com.voxanne.schema.internal.SqlFailures;
import com.voxanne.schema.session.RequestClaims;
import com.voxanne.testkit.User;
import com.voxanne.testkit.WriteAssert;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import javax.sql.DataSource;

/**
 * {@link WriteAssert} on one write. The write runs in one transaction that is always rolled back:
 * bound as service_role to snapshot the table, then as the user for the write, then as service_role
 * again to see what the write changed (rows whose {@code xmin} is this transaction, and rows gone).
 * Rebinding inside the transaction is what lets an assertion show the offending rows.
 */
final class WriteAssertion implements WriteAssert {

    /** A write whose row count JDBC does not report (a query, or a lambda). */
    static final int UNKNOWN_COUNT = -1;

    /** The write itself, on the bound connection; returns the rows it changed, or {@link #UNKNOWN_COUNT}. */
    @FunctionalInterface
    interface Write {
        int execute(Connection connection) throws Exception;
    }

    private final DataSource dataSource;
    private final TableInfo table;
    private final String description;
    private final Write write;
    private final Set<String> acceptedStates = new LinkedHashSet<>(Set.of(SqlErrors.INSUFFICIENT_PRIVILEGE));

    WriteAssertion(DataSource dataSource, TableInfo table, String description, Write write) {
        this.dataSource = dataSource;
        this.table = table;
        this.description = description;
        this.write = write;
    }

    @Override
    public WriteAssert orFailingWith(String sqlState) {
        acceptedStates.add(sqlState);
        return this;
    }

    @Override
    public WriteAssert isRefusedTo(User user) {
        return isRefusedTo(Principal.of(user));
    }

    @Override
    public WriteAssert isRefusedToAnon() {
        return isRefusedTo(Principal.anon());
    }

    private WriteAssert isRefusedTo(Principal principal) {
        Outcome outcome;
        try {
            outcome = BoundTransactions.inTransaction(dataSource, RequestClaims.service(), false, c -> attempt(c, principal));
        } catch (Exception e) {
            throw new IllegalStateException("cannot run the write on " + table.qualifiedName() + " as "
                    + principal.description() + ": " + e.getMessage(), e);
        }
        String expected = "Expected this write on " + table.qualifiedName() + " to be refused to " + principal.description()
                + ":\n    " + description + "\n";
        if (outcome.error != null) {
            if (acceptedStates.contains(outcome.error.getSQLState())) {
                return this;
            }
            throw new AssertionError(expected + "but it failed with " + SqlFailures.describe(outcome.error) + " instead, which"
                    + " is not a refusal (" + String.join(", ", acceptedStates) + ") and proves nothing about isolation; if it"
                    + " is how this write is refused, accept it with orFailingWith(\"" + outcome.error.getSQLState() + "\")");
        }
        if (outcome.unreadable == null) {
            List<TableRow> inserted = new ArrayList<>();
            List<TableRow> updated = new ArrayList<>();
            for (TableRow row : outcome.written.values()) {
                (outcome.before.containsKey(row.identity()) ? updated : inserted).add(row);
            }
            List<TableRow> deleted = outcome.before.values().stream()
                    .filter(row -> !outcome.after.containsKey(row.identity())).toList();
            int changed = inserted.size() + updated.size() + deleted.size();
            if (changed == 0) {
                return this;
            }
            throw new AssertionError(expected + "but it was allowed and changed " + changed + " row(s):"
                    + TableRow.list("inserted: ", inserted) + TableRow.list("updated:  ", updated)
                    + TableRow.list("deleted:  ", deleted));
        }
        if (outcome.count == 0) {
            return this;
        }
        String why = "(rows not shown: service_role may not read " + table.qualifiedName() + ": " + outcome.unreadable + ")";
        if (outcome.count > 0) {
            throw new AssertionError(expected + "but it was allowed and changed " + outcome.count + " row(s) " + why);
        }
        throw new AssertionError(expected + "but it was allowed, and whether it changed any row cannot be told " + why);
    }

    private Outcome attempt(Connection c, Principal principal) throws Exception {
        Snapshot before = snapshot(c, "");
        BoundTransactions.bind(c, principal.claims());
        int count;
        try {
            // No savepoint around the write: the rows it writes must carry this transaction's xid as xmin.
            count = write.execute(c);
        } catch (Exception e) {
            Optional<SQLException> sql = SqlErrors.find(e);
            if (sql.isEmpty()) {
                throw e;
            }
            return new Outcome(sql.get(), UNKNOWN_COUNT, null, null, null, null);
        }
        BoundTransactions.bind(c, RequestClaims.service());
        Snapshot after = snapshot(c, "");
        // Rows inserted or updated by this transaction carry its xid (xmin holds its low 32 bits).
        Snapshot written = snapshot(c, " where xmin::text = (pg_current_xact_id_if_assigned()::text::numeric % 4294967296)::text");
        String unreadable = before.error != null ? before.error : after.error != null ? after.error : written.error;
        return new Outcome(null, count, before.rows, after.rows, written.rows, unreadable);
    }

    /** The table's rows as the bound role sees them, or why it may not read them (the transaction goes on). */
    private Snapshot snapshot(Connection c, String where) throws SQLException {
        Savepoint savepoint = c.setSavepoint();
        try (PreparedStatement ps = c.prepareStatement("select " + table.rowSelectList() + " from " + table.qualifiedName()
                + where + " order by 1")) {
            Map<String, TableRow> rows = TableRow.read(table, ps);
            c.releaseSavepoint(savepoint);
            return new Snapshot(rows, null);
        } catch (SQLException e) {
            c.rollback(savepoint);
            return new Snapshot(null, SqlFailures.describe(e));
        }
    }

    private record Snapshot(Map<String, TableRow> rows, String error) {
    }

    /**
     * What the write did: failed with {@code error}, or ran, changing {@code count} rows by JDBC's account
     * and, when service_role could read the table, the rows {@code before}, {@code after} and
     * {@code written} by this transaction.
     */
    private record Outcome(SQLException error, int count, Map<String, TableRow> before, Map<String, TableRow> after,
                           Map<String, TableRow> written, String unreadable) {
    }
}
