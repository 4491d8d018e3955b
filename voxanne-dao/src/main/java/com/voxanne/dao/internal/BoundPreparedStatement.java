package com.voxanne.dao.internal;

import com.voxanne.schema.session.RequestBinding;
import java.io.InputStream;
import java.io.Reader;
import java.math.BigDecimal;
import java.net.URL;
import java.sql.Array;
import java.sql.Blob;
import java.sql.Clob;
import java.sql.Date;
import java.sql.NClob;
import java.sql.ParameterMetaData;
import java.sql.PreparedStatement;
import java.sql.Ref;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.RowId;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.SQLType;
import java.sql.SQLXML;
import java.sql.Time;
import java.sql.Timestamp;
import java.util.Calendar;
import org.jooq.tools.jdbc.DefaultPreparedStatement;

/**
 * A statement prepared as {@code BIND_SQL + ";\n" + sql} (in single-statement mode
 * {@code begin; BIND_SQL; sql; commit}) that behaves like {@code sql} alone: parameters 1 to
 * {@value #OFFSET} are the binding's (role, claims JSON, statement and lock timeouts), every parameter the
 * caller sets is moved {@value #OFFSET} places along, and executing
 * skips the results before the query's (the begin's, the binding's one row) so that the caller sees the
 * query's result set or update count first, as if it had run alone; the commit's result after it is
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
final class BoundPreparedStatement extends DefaultPreparedStatement {

    /** The binding's parameters come first. */
    static final int OFFSET = RequestBinding.PARAMETER_COUNT;

    private final BindingConnection connection;
    /** The commit that follows the statement in single-statement mode still has a result to skip. */
    private boolean commitPending;

    BoundPreparedStatement(PreparedStatement combined, BindingConnection connection) throws SQLException {
        super(combined, connection);
        this.connection = connection;
        bindClaims();
    }

    private void bindClaims() throws SQLException {
        RequestBinding.setParameters(getDelegatePreparedStatement(), 1, connection.claims(), connection.timeouts());
    }

    private static int shift(int parameterIndex) {
        return parameterIndex + OFFSET;
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
        if (ownTransaction) {
            resultSet = combined.getMoreResults();       // past the binding's row as well
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

    // ---- every parameter setter, moved past the binding's parameters

    @Override
    public void setNull(int parameterIndex, int sqlType) throws SQLException {
        super.setNull(shift(parameterIndex), sqlType);
    }

    @Override
    public void setNull(int parameterIndex, int sqlType, String typeName) throws SQLException {
        super.setNull(shift(parameterIndex), sqlType, typeName);
    }

    @Override
    public void setBoolean(int parameterIndex, boolean x) throws SQLException {
        super.setBoolean(shift(parameterIndex), x);
    }

    @Override
    public void setByte(int parameterIndex, byte x) throws SQLException {
        super.setByte(shift(parameterIndex), x);
    }

    @Override
    public void setShort(int parameterIndex, short x) throws SQLException {
        super.setShort(shift(parameterIndex), x);
    }

    @Override
    public void setInt(int parameterIndex, int x) throws SQLException {
        super.setInt(shift(parameterIndex), x);
    }

    @Override
    public void setLong(int parameterIndex, long x) throws SQLException {
        super.setLong(shift(parameterIndex), x);
    }

    @Override
    public void setFloat(int parameterIndex, float x) throws SQLException {
        super.setFloat(shift(parameterIndex), x);
    }

    @Override
    public void setDouble(int parameterIndex, double x) throws SQLException {
        super.setDouble(shift(parameterIndex), x);
    }

    @Override
    public void setBigDecimal(int parameterIndex, BigDecimal x) throws SQLException {
        super.setBigDecimal(shift(parameterIndex), x);
    }

    @Override
    public void setString(int parameterIndex, String x) throws SQLException {
        super.setString(shift(parameterIndex), x);
    }

    @Override
    public void setNString(int parameterIndex, String value) throws SQLException {
        super.setNString(shift(parameterIndex), value);
    }

    @Override
    public void setBytes(int parameterIndex, byte[] x) throws SQLException {
        super.setBytes(shift(parameterIndex), x);
    }

    @Override
    public void setDate(int parameterIndex, Date x) throws SQLException {
        super.setDate(shift(parameterIndex), x);
    }

    @Override
    public void setDate(int parameterIndex, Date x, Calendar cal) throws SQLException {
        super.setDate(shift(parameterIndex), x, cal);
    }

    @Override
    public void setTime(int parameterIndex, Time x) throws SQLException {
        super.setTime(shift(parameterIndex), x);
    }

    @Override
    public void setTime(int parameterIndex, Time x, Calendar cal) throws SQLException {
        super.setTime(shift(parameterIndex), x, cal);
    }

    @Override
    public void setTimestamp(int parameterIndex, Timestamp x) throws SQLException {
        super.setTimestamp(shift(parameterIndex), x);
    }

    @Override
    public void setTimestamp(int parameterIndex, Timestamp x, Calendar cal) throws SQLException {
        super.setTimestamp(shift(parameterIndex), x, cal);
    }

    @Override
    public void setObject(int parameterIndex, Object x) throws SQLException {
        super.setObject(shift(parameterIndex), x);
    }

    @Override
    public void setObject(int parameterIndex, Object x, int targetSqlType) throws SQLException {
        super.setObject(shift(parameterIndex), x, targetSqlType);
    }

    @Override
    public void setObject(int parameterIndex, Object x, int targetSqlType, int scaleOrLength) throws SQLException {
        super.setObject(shift(parameterIndex), x, targetSqlType, scaleOrLength);
    }

    @Override
    public void setObject(int parameterIndex, Object x, SQLType targetSqlType) throws SQLException {
        super.setObject(shift(parameterIndex), x, targetSqlType);
    }

    @Override
    public void setObject(int parameterIndex, Object x, SQLType targetSqlType, int scaleOrLength) throws SQLException {
        super.setObject(shift(parameterIndex), x, targetSqlType, scaleOrLength);
    }

    @Override
    public void setArray(int parameterIndex, Array x) throws SQLException {
        super.setArray(shift(parameterIndex), x);
    }

    @Override
    public void setRef(int parameterIndex, Ref x) throws SQLException {
        super.setRef(shift(parameterIndex), x);
    }

    @Override
    public void setURL(int parameterIndex, URL x) throws SQLException {
        super.setURL(shift(parameterIndex), x);
    }

    @Override
    public void setRowId(int parameterIndex, RowId x) throws SQLException {
        super.setRowId(shift(parameterIndex), x);
    }

    @Override
    public void setSQLXML(int parameterIndex, SQLXML xmlObject) throws SQLException {
        super.setSQLXML(shift(parameterIndex), xmlObject);
    }

    @Override
    public void setBlob(int parameterIndex, Blob x) throws SQLException {
        super.setBlob(shift(parameterIndex), x);
    }

    @Override
    public void setBlob(int parameterIndex, InputStream inputStream, long length) throws SQLException {
        super.setBlob(shift(parameterIndex), inputStream, length);
    }

    @Override
    public void setBlob(int parameterIndex, InputStream inputStream) throws SQLException {
        super.setBlob(shift(parameterIndex), inputStream);
    }

    @Override
    public void setClob(int parameterIndex, Clob x) throws SQLException {
        super.setClob(shift(parameterIndex), x);
    }

    @Override
    public void setClob(int parameterIndex, Reader reader, long length) throws SQLException {
        super.setClob(shift(parameterIndex), reader, length);
    }

    @Override
    public void setClob(int parameterIndex, Reader reader) throws SQLException {
        super.setClob(shift(parameterIndex), reader);
    }

    @Override
    public void setNClob(int parameterIndex, NClob value) throws SQLException {
        super.setNClob(shift(parameterIndex), value);
    }

    @Override
    public void setNClob(int parameterIndex, Reader reader, long length) throws SQLException {
        super.setNClob(shift(parameterIndex), reader, length);
    }

    @Override
    public void setNClob(int parameterIndex, Reader reader) throws SQLException {
        super.setNClob(shift(parameterIndex), reader);
    }

    @Override
    public void setAsciiStream(int parameterIndex, InputStream x, int length) throws SQLException {
        super.setAsciiStream(shift(parameterIndex), x, length);
    }

    @Override
    public void setAsciiStream(int parameterIndex, InputStream x, long length) throws SQLException {
        super.setAsciiStream(shift(parameterIndex), x, length);
    }

    @Override
    public void setAsciiStream(int parameterIndex, InputStream x) throws SQLException {
        super.setAsciiStream(shift(parameterIndex), x);
    }

    @Override
    @SuppressWarnings("deprecation")
    public void setUnicodeStream(int parameterIndex, InputStream x, int length) throws SQLException {
        super.setUnicodeStream(shift(parameterIndex), x, length);
    }

    @Override
    public void setBinaryStream(int parameterIndex, InputStream x, int length) throws SQLException {
        super.setBinaryStream(shift(parameterIndex), x, length);
    }

    @Override
    public void setBinaryStream(int parameterIndex, InputStream x, long length) throws SQLException {
        super.setBinaryStream(shift(parameterIndex), x, length);
    }

    @Override
    public void setBinaryStream(int parameterIndex, InputStream x) throws SQLException {
        super.setBinaryStream(shift(parameterIndex), x);
    }

    @Override
    public void setCharacterStream(int parameterIndex, Reader reader, int length) throws SQLException {
        super.setCharacterStream(shift(parameterIndex), reader, length);
    }

    @Override
    public void setCharacterStream(int parameterIndex, Reader reader, long length) throws SQLException {
        super.setCharacterStream(shift(parameterIndex), reader, length);
    }

    @Override
    public void setCharacterStream(int parameterIndex, Reader reader) throws SQLException {
        super.setCharacterStream(shift(parameterIndex), reader);
    }

    @Override
    public void setNCharacterStream(int parameterIndex, Reader value, long length) throws SQLException {
        super.setNCharacterStream(shift(parameterIndex), value, length);
    }

    @Override
    public void setNCharacterStream(int parameterIndex, Reader value) throws SQLException {
        super.setNCharacterStream(shift(parameterIndex), value);
    }
}
