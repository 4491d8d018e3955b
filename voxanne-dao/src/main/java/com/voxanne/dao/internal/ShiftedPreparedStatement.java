package com.voxanne.dao.internal;

import java.io.InputStream;
import java.io.Reader;
import java.math.BigDecimal;
import java.net.URL;
import java.sql.Array;
import java.sql.Blob;
import java.sql.Clob;
import java.sql.Connection;
import java.sql.Date;
import java.sql.NClob;
import java.sql.PreparedStatement;
import java.sql.Ref;
import java.sql.RowId;
import java.sql.SQLException;
import java.sql.SQLType;
import java.sql.SQLXML;
import java.sql.Time;
import java.sql.Timestamp;
import java.util.Calendar;
import org.jooq.tools.jdbc.DefaultPreparedStatement;

/**
 * Every parameter setter of {@link PreparedStatement}, its index moved a fixed number of places along; every
 * other call passes through to the statement it wraps. Mechanical: one line per setter. A dynamic proxy
 * over {@link PreparedStatement} would do the same in a dozen lines, and was measured: it costs about
 * 30 ns more per JDBC call (boxing, an argument array, a reflective call), some 0.3 µs on the first
 * statement of every unit of work; a unit's statement costs the DAO some 40 µs of CPU in all.
 * {@code BindingConnectionTest} checks that every setter {@link PreparedStatement} has is shifted and no
 * other one is.
 */
abstract class ShiftedPreparedStatement extends DefaultPreparedStatement {

    private final int offset;

    ShiftedPreparedStatement(PreparedStatement delegate, Connection creator, int offset) {
        super(delegate, creator);
        this.offset = offset;
    }

    private int shift(int parameterIndex) {
        return parameterIndex + offset;
    }

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
