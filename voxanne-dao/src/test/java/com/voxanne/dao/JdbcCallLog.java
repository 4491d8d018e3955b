package com.voxanne.dao;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.sql.DataSource;

/**
 * A data source that logs what the DAO asks of the physical JDBC connection and its statements, to count
 * what reaches the server: each {@code execute…} of a statement is one round trip, as are commit,
 * rollback and savepoints. Entries read {@code connection.prepareStatement <sql>}, {@code statement.execute},
 * and after the execute of a plain statement {@code statement.sql <sql>}.
 */
final class JdbcCallLog extends WrappingDataSource {

    /** What counts as running a statement (a round trip each). */
    private static final List<String> EXECUTES = List.of("execute", "executeQuery", "executeUpdate", "executeLargeUpdate",
            "executeBatch", "executeLargeBatch");

    private final List<String> calls = new CopyOnWriteArrayList<>();

    JdbcCallLog(DataSource target) {
        super(target);
    }

    /** Everything logged since the last {@link #clear()}. */
    List<String> calls() {
        return List.copyOf(calls);
    }

    void clear() {
        calls.clear();
    }

    /** The statements run (executes), in order. */
    List<String> executes() {
        return calls.stream().filter(c -> EXECUTES.stream().anyMatch(e -> c.equals("statement." + e))).toList();
    }

    /** The SQL of every prepared statement, in order. */
    List<String> prepared() {
        return calls.stream().filter(c -> c.startsWith("connection.prepareStatement "))
                .map(c -> c.substring("connection.prepareStatement ".length())).toList();
    }

    /** The SQL of every plain (not prepared) statement executed, in order. */
    List<String> plainSql() {
        return calls.stream().filter(c -> c.startsWith("statement.sql ")).map(c -> c.substring("statement.sql ".length()))
                .toList();
    }

    /** The connection calls other than preparing (commit, rollback, savepoints, auto-commit…), in order. */
    List<String> connectionCalls() {
        return calls.stream().filter(c -> c.startsWith("connection.") && !c.startsWith("connection.prepareStatement "))
                .toList();
    }

    @Override
    protected Connection connection(Connection real) {
        InvocationHandler handler = (proxy, method, args) -> {
            boolean prepare = method.getName().equals("prepareStatement");
            calls.add("connection." + method.getName() + (prepare ? " " + args[0] : ""));
            Object result = invoke(real, method, args);
            if (prepare) {
                return statement((PreparedStatement) result);
            }
            if (result instanceof Statement plain && !(result instanceof PreparedStatement)) {
                return proxy(Statement.class, plain);
            }
            return result;
        };
        return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class}, handler);
    }

    private PreparedStatement statement(PreparedStatement real) {
        return proxy(PreparedStatement.class, real);
    }

    private <T> T proxy(Class<T> type, T real) {
        InvocationHandler handler = (proxy, method, args) -> {
            if (!method.getName().startsWith("set") && !method.getName().startsWith("get")
                    && !method.getName().equals("unwrap") && !method.getName().equals("isWrapperFor")) {
                calls.add("statement." + method.getName());
                if (EXECUTES.contains(method.getName()) && args != null && args.length > 0 && args[0] instanceof String sql) {
                    calls.add("statement.sql " + sql);
                }
            } else if (method.getName().equals("getMoreResults")) {
                calls.add("statement.getMoreResults");
            }
            return invoke(real, method, args);
        };
        return type.cast(Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {type}, handler));
    }

}
