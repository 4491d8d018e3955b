package com.voxanne.dao.bench;

import com.voxanne.dao.WrappingDataSource;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import javax.sql.DataSource;

/**
 * A data source that records, while {@link #record} runs, the SQL of every prepared statement and the
 * values bound to it, so that the benchmark can run exactly the DAO's SQL elsewhere (without RLS, or in
 * one round trip) and EXPLAIN it. Only for capturing: its proxies are never on a measured path.
 */
final class RecordingDataSource extends WrappingDataSource {

    /** A bind call: the setter and its arguments, the first being the parameter index. */
    record Bind(Method setter, Object[] args) {
        @Override
        public String toString() {
            return setter.getName() + Arrays.toString(args);
        }
    }

    /** A prepared statement's SQL and its bind calls, in order. */
    record Statement(String sql, List<Bind> binds) {

        /** Whether some bound value is {@code id} (as a UUID or its text). */
        boolean mentions(UUID id) {
            return binds.stream().anyMatch(b -> Arrays.stream(b.args()).skip(1)
                    .anyMatch(a -> id.equals(a) || id.toString().equals(a)));
        }

        /**
         * Replays the bind calls on {@code ps}, parameter indexes shifted by {@code offset}, with the
         * captured organization and user replaced by the given ones (as UUID or text, as captured).
         */
        void bind(PreparedStatement ps, int offset, UUID fromOrg, UUID toOrg, UUID fromUser, UUID toUser)
                throws SQLException {
            Map<Object, Object> replacements = new HashMap<>();
            replacements.put(fromOrg, toOrg);
            replacements.put(fromUser, toUser);
            bind(ps, offset, replacements);
        }

        /**
         * Replays the bind calls on {@code ps}, parameter indexes shifted by {@code offset}, each captured
         * value that is a key of {@code replacements} replaced by its value (a UUID key also matches its
         * text, and is then replaced by the text of its value).
         */
        void bind(PreparedStatement ps, int offset, Map<?, ?> replacements) throws SQLException {
            for (Bind b : binds) {
                Object[] args = b.args().clone();
                args[0] = (Integer) args[0] + offset;
                for (int i = 1; i < args.length; i++) {
                    for (Map.Entry<?, ?> r : replacements.entrySet()) {
                        Object replaced = replace(args[i], r.getKey(), r.getValue());
                        if (replaced != args[i]) {
                            args[i] = replaced;
                            break;
                        }
                    }
                }
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

        private static Object replace(Object value, Object from, Object to) {
            if (from.equals(value)) {
                return to;
            }
            if (from instanceof UUID && from.toString().equals(value)) {
                return to.toString();
            }
            return value;
        }
    }

    private static final ThreadLocal<List<Statement>> RECORDING = new ThreadLocal<>();


    RecordingDataSource(DataSource target) {
        super(target);
    }

    /** Runs {@code work} on this thread and returns the statements it prepared through a recording source. */
    static List<Statement> record(Runnable work) {
        List<Statement> statements = new ArrayList<>();
        RECORDING.set(statements);
        try {
            work.run();
        } finally {
            RECORDING.remove();
        }
        return statements;
    }

    @Override
    protected Connection connection(Connection real) {
        InvocationHandler handler = (proxy, method, args) -> {
            Object result = invoke(real, method, args);
            List<Statement> recording = RECORDING.get();
            if (recording != null && Boolean.getBoolean("bench.trace")) {
                System.out.println("  connection." + method.getName() + (args == null ? "()" : Arrays.toString(args)));
            }
            if (recording != null && method.getName().equals("prepareStatement") && result instanceof PreparedStatement ps) {
                Statement statement = new Statement((String) args[0], new ArrayList<>());
                recording.add(statement);
                return statement(ps, statement);
            }
            return result;
        };
        return (Connection) Proxy.newProxyInstance(RecordingDataSource.class.getClassLoader(),
                new Class<?>[] {Connection.class}, handler);
    }

    private static PreparedStatement statement(PreparedStatement real, Statement statement) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (method.getName().startsWith("set") && args != null && args.length >= 2 && args[0] instanceof Integer
                    && !method.getName().equals("setFetchSize") && !method.getName().equals("setMaxRows")
                    && !method.getName().equals("setQueryTimeout") && !method.getName().equals("setFetchDirection")
                    && !method.getName().equals("setMaxFieldSize")) {
                statement.binds().add(new Bind(method, args.clone()));
            }
            return invoke(real, method, args);
        };
        return (PreparedStatement) Proxy.newProxyInstance(RecordingDataSource.class.getClassLoader(),
                new Class<?>[] {PreparedStatement.class}, handler);
    }

    @Override
    public String toString() {
        return "recording " + Objects.toString(target());
    }
}
