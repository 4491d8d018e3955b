package com.voxanne.dao;

import com.voxanne.schema.session.RequestBinding;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * A data source that records, while {@link #record} runs, every statement the DAO executes on the
 * physical connection with the values bound to it, and takes apart the strings that carry a unit's
 * binding ({@code begin}, {@code BIND_SQL}, the distributed form's {@code SET LOCAL}s, {@code commit},
 * separated by {@code ";\n"}) so that what remains is the DAO's own statement and its own binds: what a
 * test can {@code EXPLAIN}.
 */
final class StatementRecorder extends WrappingDataSource {

    /** A bind call: the setter and its arguments, the first being the parameter index. */
    record Bind(Method setter, Object[] args) {
        @Override
        public String toString() {
            return setter.getName() + Arrays.toString(Arrays.copyOfRange(args, 0, 1));
        }
    }

    /** One of the DAO's statements (the binding taken off) and its bind calls, indexes from 1. */
    record Executed(String sql, List<Bind> binds) {

        /** Replays the bind calls on {@code ps}, each index shifted by {@code offset}. */
        void bind(PreparedStatement ps, int offset) throws SQLException {
            for (Bind b : binds) {
                Object[] args = b.args().clone();
                args[0] = (Integer) args[0] + offset;
                try {
                    b.setter().invoke(ps, args);
                } catch (IllegalAccessException e) {
                    throw new IllegalStateException(e);
                } catch (InvocationTargetException e) {
                    if (e.getCause() instanceof SQLException sql) {
                        throw sql;
                    }
                    throw new IllegalStateException(e.getCause());
                }
            }
        }

        @Override
        public String toString() {
            return sql;
        }
    }

    /** Setters that configure a statement rather than bind a value. */
    private static final List<String> NOT_BINDS = List.of("setFetchSize", "setMaxRows", "setQueryTimeout",
            "setFetchDirection", "setMaxFieldSize", "setPoolable", "setEscapeProcessing", "setCursorName",
            "setLargeMaxRows", "setPrepareThreshold");

    private static final List<String> EXECUTES = List.of("execute", "executeQuery", "executeUpdate",
            "executeLargeUpdate");

    private final List<Executed> recorded = new CopyOnWriteArrayList<>();
    private volatile boolean recording;

    StatementRecorder(DataSource target) {
        super(target);
    }

    /** Runs {@code work} and returns its result and the DAO's statements it executed, in order. */
    synchronized <T> Recorded<T> record(Supplier<T> work) {
        recorded.clear();
        recording = true;
        T result;
        try {
            result = work.get();
        } finally {
            recording = false;
        }
        return new Recorded<>(result, List.copyOf(recorded));
    }

    /** What {@link #record} returns. */
    record Recorded<T>(T result, List<Executed> statements) {
    }

    @Override
    protected Connection connection(Connection real) {
        InvocationHandler handler = (proxy, method, args) -> {
            Object result = invoke(real, method, args);
            if (method.getName().equals("prepareStatement") && result instanceof PreparedStatement ps) {
                return prepared(ps, (String) args[0]);
            }
            if (result instanceof Statement plain && !(result instanceof PreparedStatement)) {
                return plain(plain);
            }
            return result;
        };
        return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class}, handler);
    }

    private PreparedStatement prepared(PreparedStatement real, String sql) {
        List<Bind> binds = new ArrayList<>();
        InvocationHandler handler = (proxy, method, args) -> {
            String name = method.getName();
            if (name.startsWith("set") && args != null && args.length >= 2 && args[0] instanceof Integer
                    && !NOT_BINDS.contains(name)) {
                binds.add(new Bind(method, args.clone()));
            } else if (name.equals("clearParameters")) {
                binds.clear();
            } else if (EXECUTES.contains(name) && (args == null || args.length == 0) && recording) {
                recorded.addAll(split(sql, binds));
            }
            return invoke(real, method, args);
        };
        return (PreparedStatement) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {PreparedStatement.class}, handler);
    }

    private Statement plain(Statement real) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (EXECUTES.contains(method.getName()) && args != null && args.length > 0 && args[0] instanceof String sql
                    && recording) {
                recorded.addAll(split(sql, List.of()));
            }
            return invoke(real, method, args);
        };
        return (Statement) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Statement.class}, handler);
    }

    /**
     * The DAO's statements in {@code sql}, the binding's parts and the transaction's begin and commit taken
     * off, each with the binds of its own parameters (indexes renumbered from 1).
     */
    static List<Executed> split(String sql, List<Bind> binds) {
        List<Executed> statements = new ArrayList<>();
        int offset = 0;
        for (String part : sql.split(";\n")) {
            int parameters = (int) part.chars().filter(ch -> ch == '?').count();
            if (!isBinding(part)) {
                List<Bind> own = new ArrayList<>();
                for (Bind b : binds) {
                    int index = (Integer) b.args()[0];
                    if (index > offset && index <= offset + parameters) {
                        Object[] args = b.args().clone();
                        args[0] = index - offset;
                        own.add(new Bind(b.setter(), args));
                    }
                }
                statements.add(new Executed(part, own));
            }
            offset += parameters;
        }
        return statements;
    }

    private static boolean isBinding(String part) {
        String lower = part.strip().toLowerCase(Locale.ROOT);
        return lower.equals("begin") || lower.equals("commit") || part.equals(RequestBinding.BIND_SQL)
                || lower.startsWith("set local ");
    }

}
