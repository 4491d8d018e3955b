package com.voxanne.dao.internal;

import com.voxanne.schema.session.RequestBinding;
import com.voxanne.schema.session.RequestBinding.Placement;
import com.voxanne.schema.session.RequestClaims;
import com.voxanne.schema.session.RoleTimeouts;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import org.jooq.tools.jdbc.DefaultConnection;

/**
 * The connection a unit of work's jOOQ runs on. It binds the unit's role and claims in the same round
 * trip as the unit's first statement: that statement is prepared as {@code BIND_SQL + ";\n" + sql}, which
 * PgJDBC sends before one Sync, and {@link BoundPreparedStatement} hides the binding's parameters and
 * result from the caller.
 *
 * <p>In {@link Transactions.Mode#TRANSACTION transaction mode} (auto-commit off) PgJDBC puts its
 * {@code BEGIN} in front of that first round trip as well; statements after a binding has run pass
 * through unchanged. Anything else that reaches the server before the binding has run (a savepoint, a
 * plain or callable statement, a statement asking for generated keys) first runs the binding on its own:
 * the binding must precede every savepoint, or rolling back to the savepoint would undo
 * {@code set_config} and leave the rest of the unit unbound.
 *
 * <p>In {@link Transactions.Mode#SINGLE_STATEMENT single-statement mode} (auto-commit on) the unit is
 * one statement, sent as {@code begin; BIND_SQL; sql; commit}: its own explicit transaction, binding,
 * statement and commit in one string. PgJDBC adds no {@code BEGIN} of its own in auto-commit, and its own
 * would cost the unit a second reply: PgJDBC sends it as a simple query, which the server answers and
 * flushes on its own. The transaction ends with the statement: a second statement would run in a
 * transaction of its own, unbound and not atomic with the first. So a second statement, a second
 * execution, or anything that needs a transaction is refused with an {@link IllegalStateException}: a
 * repository method declared {@code @UnitMode(SINGLE_STATEMENT)} by mistake fails in the tests instead of running
 * unatomically.
 *
 * <p>Both modes bind inside an explicit transaction: PgJDBC inserts a Sync between the statements of one
 * string once a later one is server-prepared and its rows have no bounded size, and outside a transaction
 * block that Sync would end the implicit transaction and leave the query unbound. Inside one it only
 * costs a round trip, so the combined statement is server-prepared like any other
 * (docs/adr/0004-one-round-trip-binding.md).
 *
 * <p>Each mode is a subclass with one state of its own: {@link InTransaction} whether a binding ran in
 * the current transaction, {@link InOwnTransaction} whether its one statement was prepared. What they
 * share (the carried strings, which calls reach the server) is here.
 *
 * <p>Not thread-safe, like the unit of work it belongs to. The physical connection (its auto-commit,
 * commit, rollback, close) stays {@link Transactions}' business.
 */
abstract sealed class BindingConnection extends DefaultConnection
        permits BindingConnection.InTransaction, BindingConnection.InOwnTransaction {

    /** Between the binding and the statement: one string, two statements, one round trip. */
    static final String SEPARATOR = ";\n";

    /** Opens a single-statement unit's explicit transaction, in the same string as its statement. */
    static final String BEGIN = "begin";

    /** Ends a single-statement unit's transaction, in the same string as its statement. */
    static final String COMMIT = "commit";

    /**
     * Long statements (a bulk insert of many rows) are neither hot nor worth the memory: their carrying
     * strings are built per call, not kept.
     */
    private static final int MAX_CACHED = 2048;
    private static final int MAX_CACHED_LENGTH = 8192;

    private final RequestClaims claims;
    private final RoleTimeouts timeouts;
    private final Placement placement;
    /**
     * On a distributed database, the unit's binding text: its claims are literals there, so it is built per
     * unit and the strings that carry it are not cached. Null on a single server ({@code BIND_SQL}).
     */
    private final String distributedBinding;

    private BindingConnection(Connection physical, RequestClaims claims, RoleTimeouts timeouts, Placement placement) {
        super(physical);
        this.claims = claims;
        this.timeouts = timeouts;
        this.placement = placement;
        this.distributedBinding = placement == Placement.SINGLE_SERVER ? null
                : RequestBinding.bindSql(placement, claims, timeouts);
    }

    /** A unit bound to {@code claims} with the default timeouts of their role, on a single server. */
    static BindingConnection of(Connection physical, RequestClaims claims, Transactions.Mode mode) throws SQLException {
        return of(physical, claims, RoleTimeouts.defaults(), mode);
    }

    /** As {@link #of(Connection, RequestClaims, RoleTimeouts, Transactions.Mode, Placement)} on a single server. */
    static BindingConnection of(Connection physical, RequestClaims claims, RoleTimeouts timeouts,
                                Transactions.Mode mode) throws SQLException {
        return of(physical, claims, timeouts, mode, Placement.SINGLE_SERVER);
    }

    /**
     * A unit bound to {@code claims}, its statements limited by {@code timeouts} for their role. The
     * timeouts travel as parameters of the binding, never in its text: the carried strings cached here
     * are shared by every {@link Transactions}, whatever each was configured with. On a
     * {@linkplain Placement#DISTRIBUTED distributed} database the binding is
     * {@link RequestBinding#bindSql}'s, its claims and timeouts in its text, built per unit.
     */
    static BindingConnection of(Connection physical, RequestClaims claims, RoleTimeouts timeouts,
                                Transactions.Mode mode, Placement placement) throws SQLException {
        boolean singleStatement = mode == Transactions.Mode.SINGLE_STATEMENT;
        if (physical.getAutoCommit() != singleStatement) {
            throw new Misuse(singleStatement
                    ? "a single-statement unit sends its own begin and commit: turn auto-commit on first"
                    : "a unit of work binds inside an explicit transaction: turn auto-commit off first");
        }
        return singleStatement ? new InOwnTransaction(physical, claims, timeouts, placement)
                : new InTransaction(physical, claims, timeouts, placement);
    }

    /** {@code sql} behind the single-server binding, in the one string that is sent in one round trip. */
    static String combined(String sql) {
        return RequestBinding.BIND_SQL + SEPARATOR + sql;
    }

    /**
     * {@code sql} behind this unit's binding: from {@code cache} on a single server (the same text for
     * every unit), built afresh on a distributed database (the claims are in the text).
     */
    final String carried(Map<String, String> cache, String sql, UnaryOperator<String> aroundCombined) {
        if (distributedBinding == null) {
            return cached(cache, sql, s -> aroundCombined.apply(combined(s)));
        }
        return aroundCombined.apply(distributedBinding + SEPARATOR + sql);
    }

    /**
     * {@code build(sql)} from {@code cache}: the same instance every time, so PgJDBC's statement cache
     * finds it by a hash it computed once and an identity comparison, instead of a new string of a
     * kilobyte or more per call. Cleared rather than evicted when it outgrows its bound.
     */
    private static String cached(Map<String, String> cache, String sql, UnaryOperator<String> build) {
        if (sql.length() > MAX_CACHED_LENGTH) {
            return build.apply(sql);
        }
        String carried = cache.get(sql);
        if (carried == null) {
            carried = build.apply(sql);
            if (cache.size() >= MAX_CACHED) {
                cache.clear();
            }
            cache.put(sql, carried);
        }
        return carried;
    }

    RequestClaims claims() {
        return claims;
    }

    RoleTimeouts timeouts() {
        return timeouts;
    }

    /** What the binding must reach: how many statements it is ({@link Placement#statements()}). */
    Placement placement() {
        return placement;
    }

    /** Single-statement mode: the statement sits between its own begin and commit in the same string. */
    abstract boolean carriesItsTransaction();

    /**
     * {@code sql} as this unit prepares it: carrying the binding (a {@link BoundPreparedStatement}) until
     * one has run, passed through after.
     */
    abstract PreparedStatement prepare(String sql, Preparer preparer) throws SQLException;

    /** A bound statement is about to be executed. */
    abstract void beforeBoundExecute();

    /** A bound statement ran: its binding holds for the rest of the transaction. */
    abstract void afterBoundExecute();

    /**
     * Before anything that reaches the server without carrying the binding (a savepoint, a plain or
     * callable statement, a statement returning generated keys, a batch): binds on its own first, or
     * refuses.
     */
    abstract void beforeOtherStatement(String what) throws SQLException;

    /**
     * Transaction mode: binds now unless a binding already ran, for statements that cannot carry it (a
     * batch). The caller's own jOOQ gets the connection only after this ({@link Unit#callerDsl()}).
     */
    void bindNow() throws SQLException {
        beforeOtherStatement("the caller's own statements (tx.dsl())");
    }

    /** A carrying statement over the one {@code preparer} prepares from {@code carried}. */
    final PreparedStatement carrying(String carried, Preparer preparer) throws SQLException {
        return BoundPreparedStatement.of(preparer.prepare(carried), this);
    }

    /**
     * Transaction mode, auto-commit off: PgJDBC puts its {@code BEGIN} in front of the first round trip;
     * the first statement carries the binding, statements after a binding ran pass through unchanged,
     * anything else first binds on its own. A full commit or rollback from inside the unit ends the
     * binding with the transaction, so the next statement binds again.
     */
    static final class InTransaction extends BindingConnection {
        private static final Map<String, String> BEHIND_BINDING = new ConcurrentHashMap<>();

        /** A binding ran in the current transaction, so statements may pass through. */
        private boolean bound;

        private InTransaction(Connection physical, RequestClaims claims, RoleTimeouts timeouts, Placement placement) {
            super(physical, claims, timeouts, placement);
        }

        @Override
        boolean carriesItsTransaction() {
            return false;
        }

        @Override
        PreparedStatement prepare(String sql, Preparer preparer) throws SQLException {
            if (bound) {
                return preparer.prepare(sql);
            }
            // Until a binding has actually run, every statement carries one: a statement prepared but never
            // executed (or refused by the driver before it was sent) has bound nothing.
            return carrying(carried(BEHIND_BINDING, sql, UnaryOperator.identity()), preparer);
        }

        @Override
        void beforeBoundExecute() {
            // any number of statements, each may be executed again
        }

        @Override
        void afterBoundExecute() {
            bound = true;
        }

        /** Binds now, on its own, unless a binding already ran: every savepoint is thus set after the binding. */
        @Override
        void beforeOtherStatement(String what) throws SQLException {
            if (!bound) {
                RequestBinding.bind(getDelegate(), claims(), timeouts(), placement());
                bound = true;
            }
        }

        /** A commit from inside the unit ends the binding with the transaction: the next statement binds again. */
        @Override
        public void commit() throws SQLException {
            bound = false;
            getDelegate().commit();
        }

        /** As {@link #commit()}: a full rollback ends the binding too. */
        @Override
        public void rollback() throws SQLException {
            bound = false;
            getDelegate().rollback();
        }
    }

    /**
     * Single-statement mode, auto-commit on: the unit is one statement, sent as
     * {@code begin; BIND_SQL; sql; commit}, prepared once and executed once. Anything more is refused: it
     * would run in a transaction of its own, unbound and not atomic with the first.
     */
    static final class InOwnTransaction extends BindingConnection {
        private static final Map<String, String> IN_OWN_TRANSACTION = new ConcurrentHashMap<>();

        /** The one statement was prepared, and executed. */
        private boolean prepared;
        private boolean executed;

        private InOwnTransaction(Connection physical, RequestClaims claims, RoleTimeouts timeouts, Placement placement) {
            super(physical, claims, timeouts, placement);
        }

        private static String inOwnTransaction(String combined) {
            return BEGIN + SEPARATOR + combined + SEPARATOR + COMMIT;
        }

        @Override
        boolean carriesItsTransaction() {
            return true;
        }

        @Override
        PreparedStatement prepare(String sql, Preparer preparer) throws SQLException {
            if (prepared) {
                throw new Misuse("a unit of work run in single-statement mode prepared a second statement;"
                        + " declare the repository method @UnitMode(TRANSACTION): " + sql);
            }
            prepared = true;
            return carrying(carried(IN_OWN_TRANSACTION, sql, InOwnTransaction::inOwnTransaction), preparer);
        }

        @Override
        void beforeBoundExecute() {
            if (executed) {
                throw new Misuse("a unit of work run in single-statement mode executed its statement twice;"
                        + " declare the repository method @UnitMode(TRANSACTION)");
            }
            executed = true;
        }

        @Override
        void afterBoundExecute() {
            // the statement carried its commit: nothing may follow it
        }

        @Override
        void beforeOtherStatement(String what) {
            throw new Misuse("a unit of work run in single-statement mode asked for " + what
                    + "; declare the repository method @UnitMode(TRANSACTION)");
        }
    }

    // ---- the statement that carries the binding

    @Override
    public PreparedStatement prepareStatement(String sql) throws SQLException {
        return prepare(sql, s -> getDelegate().prepareStatement(s));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int resultSetType, int resultSetConcurrency)
            throws SQLException {
        return prepare(sql, s -> getDelegate().prepareStatement(s, resultSetType, resultSetConcurrency));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int resultSetType, int resultSetConcurrency,
                                              int resultSetHoldability) throws SQLException {
        return prepare(sql, s -> getDelegate().prepareStatement(s, resultSetType, resultSetConcurrency,
                resultSetHoldability));
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int autoGeneratedKeys) throws SQLException {
        if (autoGeneratedKeys == Statement.NO_GENERATED_KEYS) {
            return prepare(sql, s -> getDelegate().prepareStatement(s, autoGeneratedKeys));
        }
        // PgJDBC appends RETURNING to the statement it is given: it cannot carry the binding in front.
        beforeOtherStatement("a statement returning generated keys");
        return getDelegate().prepareStatement(sql, autoGeneratedKeys);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, int[] columnIndexes) throws SQLException {
        beforeOtherStatement("a statement returning generated keys");
        return getDelegate().prepareStatement(sql, columnIndexes);
    }

    @Override
    public PreparedStatement prepareStatement(String sql, String[] columnNames) throws SQLException {
        beforeOtherStatement("a statement returning generated keys");
        return getDelegate().prepareStatement(sql, columnNames);
    }

    /** How the physical connection prepares a statement, with the SQL it is given. */
    @FunctionalInterface
    interface Preparer {
        PreparedStatement prepare(String sql) throws SQLException;
    }

    // ---- everything else that reaches the server

    @Override
    public Statement createStatement() throws SQLException {
        beforeOtherStatement("a plain statement");
        return getDelegate().createStatement();
    }

    @Override
    public Statement createStatement(int resultSetType, int resultSetConcurrency) throws SQLException {
        beforeOtherStatement("a plain statement");
        return getDelegate().createStatement(resultSetType, resultSetConcurrency);
    }

    @Override
    public Statement createStatement(int resultSetType, int resultSetConcurrency, int resultSetHoldability)
            throws SQLException {
        beforeOtherStatement("a plain statement");
        return getDelegate().createStatement(resultSetType, resultSetConcurrency, resultSetHoldability);
    }

    @Override
    public CallableStatement prepareCall(String sql) throws SQLException {
        beforeOtherStatement("a callable statement");
        return getDelegate().prepareCall(sql);
    }

    @Override
    public CallableStatement prepareCall(String sql, int resultSetType, int resultSetConcurrency)
            throws SQLException {
        beforeOtherStatement("a callable statement");
        return getDelegate().prepareCall(sql, resultSetType, resultSetConcurrency);
    }

    @Override
    public CallableStatement prepareCall(String sql, int resultSetType, int resultSetConcurrency,
                                         int resultSetHoldability) throws SQLException {
        beforeOtherStatement("a callable statement");
        return getDelegate().prepareCall(sql, resultSetType, resultSetConcurrency, resultSetHoldability);
    }

    @Override
    public Savepoint setSavepoint() throws SQLException {
        beforeOtherStatement("a savepoint");
        return getDelegate().setSavepoint();
    }

    @Override
    public Savepoint setSavepoint(String name) throws SQLException {
        beforeOtherStatement("a savepoint");
        return getDelegate().setSavepoint(name);
    }

    // ---- the transaction, as seen from inside the unit

    /**
     * The binding is transaction-local: switching auto-commit inside a unit would end or split its
     * transaction behind the binding's back. Setting the current value is harmless and allowed.
     */
    @Override
    public void setAutoCommit(boolean autoCommit) throws SQLException {
        if (autoCommit != getDelegate().getAutoCommit()) {
            throw new Misuse("a unit of work must not change auto-commit: its tenant binding is transaction-local");
        }
    }

    /** The unit's connection belongs to {@link Transactions}, which closes it; closing the view is a no-op. */
    @Override
    public void close() {
        // the physical connection is closed by Transactions once the unit has ended
    }

    /**
     * An internal misuse of a unit of work (a single-statement unit that needs more): a bug in the DAO,
     * never the caller's fault, so it is not translated into a data exception.
     */
    static final class Misuse extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        Misuse(String message) {
            super(message);
        }

        /** The misuse behind {@code failure} (jOOQ wraps what a connection throws), or null. */
        static Misuse in(Throwable failure) {
            for (Throwable t = failure; t != null; t = t.getCause()) {
                if (t instanceof Misuse misuse) {
                    return misuse;
                }
            }
            return null;
        }
    }
}
