package com.voxanne.dao.internal;

import com.voxanne.schema.session.RequestBinding;
import java.sql.ParameterMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;

/**
 * A statement prepared as {@code BIND_SQL + ";\n" + sql} (in single-statement mode
 * {@code begin; BIND_SQL; sql; commit}) that behaves like {@code sql} alone: parameters 1 to
 * {@value #OFFSET} are the binding's (role, claims JSON, statement and lock timeouts), every parameter the
 * caller sets is moved {@value #OFFSET} places along ({@link ShiftedPreparedStatement}), and executing
 * skips the results before the query's (the begin's, the binding's one row, and on a distributed
 * database its {@code SET LOCAL} statements' results: {@code Placement.statements()}) so that the caller
 * sees the query's result set or update count first, as if it had run alone; the commit's result after it is
 * hidden too. One execution is one round trip: PgJDBC sends every statement of the string before a single
 * Sync.
 *
 * <p>It runs inside an explicit transaction (PgJDBC's in transaction mode, its own in single-statement
 * mode) and is server-prepared like any other statement: a Sync PgJDBC may insert before a described
 * statement whose rows have no bounded size costs a round trip, and the transaction holds the binding
 * across it.
 * The describing calls are refused (the binding's parameters would show), and so are batches:
 * PgJDBC would run the binding for each entry and reject its result.
 */
final class BoundPreparedStatement extends ShiftedPreparedStatement {

    /** The binding's parameters come first. */
    static final int OFFSET = RequestBinding.PARAMETER_COUNT;

    private final BindingConnection connection;
    /** The commit that follows the statement in single-statement mode still has a result to skip. */
    private boolean commitPending;

    private BoundPreparedStatement(PreparedStatement combined, BindingConnection connection) {
        super(combined, connection, OFFSET);
        this.connection = connection;
    }

    /** {@code combined}, prepared from the carrying string, as the caller's statement alone. */
    static PreparedStatement of(PreparedStatement combined, BindingConnection connection) throws SQLException {
        BoundPreparedStatement bound = new BoundPreparedStatement(combined, connection);
        bound.bindClaims();
        return bound;
    }

    /** Whether {@code statement} carries a binding (for tests). */
    static boolean carriesBinding(Statement statement) {
        return statement instanceof BoundPreparedStatement;
    }

    private void bindClaims() throws SQLException {
        RequestBinding.setParameters(getDelegatePreparedStatement(), 1, connection.claims(), connection.timeouts());
    }

    // ---- executing: the binding's result is skipped, the caller sees its own first

    /** Runs binding and query; true when the query's first result is a result set, as for the query alone. */
    @Override
    public boolean execute() throws SQLException {
        connection.beforeBoundExecute();
        PreparedStatement combined = getDelegatePreparedStatement();
        boolean ownTransaction = connection.carriesItsTransaction();
        combined.execute();                              // the begin's result or the binding's row comes first ...
        boolean resultSet = combined.getMoreResults();   // ... and is closed here
        // past the binding's row as well after a begin, and past a distributed binding's SET LOCAL results
        int toSkip = connection.placement().statements() - 1 + (ownTransaction ? 1 : 0);
        for (int i = 0; i < toSkip; i++) {
            resultSet = combined.getMoreResults();
        }
        // now the query's result is current
        commitPending = ownTransaction;
        connection.afterBoundExecute();
        return resultSet;
    }

    /** Past the query's result; in single-statement mode past the commit's as well, which is not the caller's. */
    @Override
    public boolean getMoreResults() throws SQLException {
        return getMoreResults(CLOSE_CURRENT_RESULT);
    }

    @Override
    public boolean getMoreResults(int current) throws SQLException {
        PreparedStatement combined = getDelegatePreparedStatement();
        if (commitPending) {
            commitPending = false;
            combined.getMoreResults(current);   // the commit's result is current now ...
        }
        return combined.getMoreResults(current); // ... and this moves past it: nothing after the query
    }

    @Override
    public ResultSet executeQuery() throws SQLException {
        if (!execute()) {
            throw new SQLException("No results were returned by the query.", "02000");
        }
        return getResultSet();
    }

    @Override
    public int executeUpdate() throws SQLException {
        if (execute()) {
            throw new SQLException("A result was returned when none was expected.", "0100E");
        }
        return Math.max(getDelegatePreparedStatement().getUpdateCount(), 0);
    }

    @Override
    public long executeLargeUpdate() throws SQLException {
        if (execute()) {
            throw new SQLException("A result was returned when none was expected.", "0100E");
        }
        return Math.max(getDelegatePreparedStatement().getLargeUpdateCount(), 0);
    }

    @Override
    public void clearParameters() throws SQLException {
        super.clearParameters();
        bindClaims();
    }

    @Override
    public void addBatch() throws SQLException {
        throw new SQLFeatureNotSupportedException("batches are not supported on the statement that carries"
                + " a unit of work's tenant binding; run a statement before the batch");
    }

    @Override
    public void addBatch(String sql) throws SQLException {
        addBatch();
    }

    /** Refused: PgJDBC would describe the combined string, the binding's parameters first. */
    @Override
    public ParameterMetaData getParameterMetaData() throws SQLException {
        throw new SQLFeatureNotSupportedException("parameter metadata is not available on the statement that carries"
                + " a unit of work's tenant binding: it would describe the binding's parameters along with the caller's");
    }

    /** The query's result set metadata once it ran; refused before (it would describe the binding's statement). */
    @Override
    public ResultSetMetaData getMetaData() throws SQLException {
        ResultSet current = getDelegatePreparedStatement().getResultSet();
        if (current == null || current.isClosed()) {
            throw new SQLFeatureNotSupportedException("result set metadata is available on the statement that carries"
                    + " a unit of work's tenant binding only after it ran: before, it would describe the binding's"
                    + " statement, not the caller's");
        }
        return current.getMetaData();
    }
}
