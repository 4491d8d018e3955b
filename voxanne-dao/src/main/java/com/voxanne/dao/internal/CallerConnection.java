package com.voxanne.dao.internal;

import com.voxanne.schema.session.RequestClaims;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.Set;
import org.jooq.Configuration;
import org.jooq.DSLContext;
import org.jooq.ExecuteContext;
import org.jooq.ExecuteListener;
import org.jooq.TransactionContext;
import org.jooq.TransactionProvider;
import org.jooq.impl.DSL;
import org.jooq.impl.DefaultExecuteListenerProvider;

/**
 * The connection a caller's own statements run on inside a unit of work ({@code TenantTransaction.dsl()}):
 * the unit's {@link BindingConnection}, so they are bound like the repositories' (the first carries the
 * binding, a savepoint binds first), minus everything that would end, split or reconfigure the unit's
 * transaction or let the physical connection escape. Those calls are refused with an
 * {@link IllegalStateException} naming the rule; so is every call once the unit has ended.
 *
 * <p>What cannot be refused here is SQL that changes the binding ({@code SET ROLE}, {@code RESET ROLE},
 * {@code set_config} of the role or a claim): a unit that handed this connection out checks its binding
 * before it commits ({@link #requireIntact}) and rolls back when it changed.
 */
final class CallerConnection {

    /** Calls that would end the unit's transaction, change the session behind it, or escape the wrapper. */
    private static final Set<String> REFUSED = Set.of("commit", "setAutoCommit", "close", "abort",
            "setTransactionIsolation", "setReadOnly", "setCatalog", "setSchema", "setClientInfo",
            "setNetworkTimeout", "setHoldability", "setTypeMap", "unwrap");

    /** The binding as a unit set it: role and claims, and the per-claim settings blanked. */
    private static final String BINDING_INTACT = "select current_user::text = ?"
            + " and coalesce(current_setting('request.jwt.claims', true), '') = ?"
            + " and coalesce(current_setting('request.jwt.claim', true), '') = ''"
            + " and coalesce(current_setting('request.jwt.claim.sub', true), '') = ''"
            + " and coalesce(current_setting('request.jwt.claim.role', true), '') = ''"
            + " and coalesce(current_setting('request.jwt.claim.email', true), '') = ''"
            + " and coalesce(current_setting('request.jwt.claim.app_metadata', true), '') = ''";

    private CallerConnection() {
    }

    /**
     * jOOQ for the caller, on {@code unit}'s connection: shares the DAO's caches and settings; a
     * database failure of its statements becomes the DAO's exception ({@link SqlErrors}: typed, scrubbed)
     * as the repositories' do; {@code transaction(…)} is a savepoint of the unit.
     */
    static DSLContext dsl(Unit unit, Configuration shared) {
        Connection connection = guarded(unit);
        ExecuteListener translate = new ExecuteListener() {
            private static final long serialVersionUID = 1L;

            /**
             * COMMIT, ROLLBACK or END sent as SQL ended the unit's transaction behind its back: what follows
             * would run unbound, outside it. Refused as soon as it is seen (PgJDBC tracks the state from
             * every reply, no round trip); what a COMMIT committed stays committed.
             */
            @Override
            public void executeEnd(ExecuteContext ctx) {
                if (PgJdbc.transactionStatus(unit.connection()) == PgJdbc.TransactionStatus.IDLE
                        && !((BindingConnection) unit.connection()).carriesItsTransaction()) {
                    throw new IllegalStateException("a statement through tx.dsl() ended the unit's transaction"
                            + " (COMMIT, ROLLBACK or END as SQL): a unit commits or rolls back only when its work"
                            + " returns or throws");
                }
            }

            @Override
            public void exception(ExecuteContext ctx) {
                if (ctx.sqlException() != null) {
                    ctx.exception(unit.failure(ctx.exception()));
                }
            }
        };
        return DSL.using(shared.derive(connection)
                .derive(new Savepoints(connection, unit))
                .derive(new DefaultExecuteListenerProvider(translate)));
    }

    /** What a call through a handed-out connection gets once its unit has ended. */
    static IllegalStateException ended() {
        return new IllegalStateException("the unit of work has ended: tx.dsl() and its connection are valid only"
                + " inside inOrg / processOnce, until the work returns");
    }

    /**
     * Before the unit commits: the role and claims are still the ones it bound. {@code SET ROLE}, {@code
     * RESET ROLE} (back to the login role, which may read no table) or a {@code set_config} of a claim by
     * the caller's SQL would otherwise commit writes made as someone else.
     */
    static void requireIntact(Connection unitConnection, RequestClaims claims) throws SQLException {
        try (PreparedStatement check = unitConnection.prepareStatement(BINDING_INTACT)) {
            check.setString(1, claims.role().roleName());
            check.setString(2, claims.toJson());
            try (ResultSet rs = check.executeQuery()) {
                if (!rs.next() || !rs.getBoolean(1)) {
                    throw new IllegalStateException("the unit's role or claims changed inside it (SET ROLE, RESET ROLE"
                            + " or set_config of role or a request.jwt claim through tx.dsl()): rolled back;"
                            + " a unit's statements run as the role and claims it bound");
                }
            }
        }
    }

    private static Connection guarded(Unit unit) {
        Connection target = unit.connection();
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                (proxy, method, args) -> {
                    String name = method.getName();
                    if (method.getDeclaringClass() == Object.class) {
                        return switch (name) {
                            case "equals" -> proxy == args[0];
                            case "hashCode" -> System.identityHashCode(proxy);
                            default -> "the connection of a unit of work (tx.dsl())";
                        };
                    }
                    if (unit.ended()) {
                        throw ended();
                    }
                    if (REFUSED.contains(name) || name.equals("rollback") && (args == null || args.length == 0)) {
                        throw refused(name);
                    }
                    if (name.equals("isWrapperFor")) {
                        return false;
                    }
                    try {
                        return method.invoke(target, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    private static IllegalStateException refused(String call) {
        return new IllegalStateException("Connection." + call + "() is refused inside a unit of work: the unit"
                + " commits or rolls back when its work returns or throws, on a connection it owns and keeps"
                + " as it was lent (use dsl.transaction(...) for a savepoint)");
    }

    /**
     * {@code dsl.transaction(…)} inside a unit: a savepoint, released when the lambda returns and rolled
     * back to when it throws. Nothing commits before the unit does.
     */
    private static final class Savepoints implements TransactionProvider {
        private final Connection connection;
        private final Unit unit;

        Savepoints(Connection connection, Unit unit) {
            this.connection = connection;
            this.unit = unit;
        }

        @Override
        public void begin(TransactionContext ctx) {
            try {
                ctx.transaction(new Step(connection.setSavepoint()));
            } catch (SQLException e) {
                throw unit.failure(e);
            }
        }

        @Override
        public void commit(TransactionContext ctx) {
            try {
                connection.releaseSavepoint(((Step) ctx.transaction()).savepoint);
            } catch (SQLException e) {
                throw unit.failure(e);
            }
        }

        @Override
        public void rollback(TransactionContext ctx) {
            if (!(ctx.transaction() instanceof Step step)) {
                return;   // begin failed: nothing to undo
            }
            try {
                connection.rollback(step.savepoint);
                connection.releaseSavepoint(step.savepoint);
            } catch (SQLException e) {
                throw unit.failure(e);
            }
        }

        private record Step(Savepoint savepoint) implements org.jooq.Transaction {
        }
    }
}
