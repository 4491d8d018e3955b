package com.voxanne.dao;

import java.io.PrintWriter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;
import javax.sql.DataSource;

/**
 * A data source whose connections a test wraps to watch what the DAO sends through them: the rest of the
 * {@link DataSource} contract goes to the data source it wraps.
 */
public abstract class WrappingDataSource implements DataSource {

    private final DataSource target;

    protected WrappingDataSource(DataSource target) {
        this.target = target;
    }

    /** The data source this one wraps. */
    protected final DataSource target() {
        return target;
    }

    /** {@code real}, a connection of the wrapped data source, as the test hands it out. */
    protected abstract Connection connection(Connection real) throws SQLException;

    /** Calls {@code method} on {@code target}, throwing what it threw rather than reflection's wrapper. */
    protected static Object invoke(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }

    @Override
    public final Connection getConnection() throws SQLException {
        return connection(target.getConnection());
    }

    @Override
    public final Connection getConnection(String username, String password) throws SQLException {
        return connection(target.getConnection(username, password));
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return target.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        target.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        target.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return target.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return target.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> iface) throws SQLException {
        return target.unwrap(iface);
    }

    @Override
    public boolean isWrapperFor(Class<?> iface) throws SQLException {
        return target.isWrapperFor(iface);
    }
}
