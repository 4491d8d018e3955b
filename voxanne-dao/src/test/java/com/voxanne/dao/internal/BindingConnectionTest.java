package com.voxanne.dao.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.dao.DatabaseKind;
import com.voxanne.schema.session.ApiRole;
import com.voxanne.schema.session.RequestBinding;
import com.voxanne.schema.session.RequestClaims;
import com.voxanne.schema.session.RoleTimeouts;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import java.io.ByteArrayInputStream;
import java.io.StringReader;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.sql.Types;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.PGStatement;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;

/**
 * The connection wrapper that binds a unit of work in the same round trip as its first statement, on a
 * real connection of the login role.
 */
@VoxannePostgres
class BindingConnectionTest {

    /** Role, user claim, and whether a transaction is open, as the server sees them. */
    private static final String WHO = "select current_setting('role'),"
            + " current_setting('request.jwt.claims', true)::jsonb ->> 'sub', now() = statement_timestamp()";

    private DataSource login;
    private User ann;
    private RequestClaims annClaims;

    @BeforeEach
    void setUp(DataSource login, Tenants tenants) {
        this.login = login;
        this.ann = tenants.organization("Clinic A " + UUID.randomUUID()).user("ann");
        this.annClaims = ann.claims();
    }

    @Test
    void theBoundStatementReturnsExactlyTheQuerysRowsAsTheBoundUser() throws SQLException {
        try (Connection physical = singleStatementUnit()) {
            BindingConnection bound = BindingConnection.of(physical, annClaims, Transactions.Mode.SINGLE_STATEMENT);
            try (PreparedStatement ps = bound.prepareStatement(
                    "select current_setting('role'), current_setting('request.jwt.claims', true)::jsonb ->> 'sub',"
                            + " g from generate_series(1, ?) g")) {
                assertThat(BoundPreparedStatement.carriesBinding(ps)).isTrue();
                ps.setInt(1, 3);
                List<String> rows = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.getMetaData().getColumnCount()).isEqualTo(3);
                    while (rs.next()) {
                        rows.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getInt(3));
                    }
                }
                assertThat(rows).containsExactly("authenticated " + ann.id() + " 1", "authenticated " + ann.id() + " 2",
                        "authenticated " + ann.id() + " 3");
                assertThat(ps.getMoreResults()).as("nothing after the query's result").isFalse();
                assertThat(ps.getUpdateCount()).isEqualTo(-1);
            }
            assertUnbound(physical);
        }
    }

    @Test
    void executeTellsWhetherTheQueryNotTheBindingReturnedRows() throws SQLException {
        try (Connection physical = unit()) {
            try {
                BindingConnection bound = BindingConnection.of(physical, annClaims, Transactions.Mode.TRANSACTION);
                try (PreparedStatement ps = bound.prepareStatement("select 1 where false")) {
                    assertThat(ps.execute()).as("an empty result set is still a result set").isTrue();
                    try (ResultSet rs = ps.getResultSet()) {
                        assertThat(rs.next()).isFalse();
                    }
                }
            } finally {
                physical.rollback();
            }
            physical.setAutoCommit(true);
            BindingConnection bound = BindingConnection.of(physical, annClaims, Transactions.Mode.SINGLE_STATEMENT);
            try (PreparedStatement ps = bound.prepareStatement(
                    "update public.contacts set notes = ? where org_id = ? and false")) {
                ps.setString(1, "never");
                ps.setObject(2, ann.organization().id());
                assertThat(ps.execute()).as("an update has no result set").isFalse();
                assertThat(ps.getUpdateCount()).isZero();
                assertThat(ps.getMoreResults()).isFalse();
                assertThat(ps.getUpdateCount()).isEqualTo(-1);
            }
        }
    }

    @Test
    void anUpdateReturnsItsOwnRowCount(Tenants tenants) throws SQLException {
        DatabaseKind.assumeOneServer(login, "the update goes through the single-server binding, which stays on the"
                + " coordinator of a distributed database; DistributedBindingFormTest writes through the distributed one");
        tenants.asUser(ann).run(dsl -> {
            for (int i = 0; i < 3; i++) {
                dsl.execute("insert into public.contacts (org_id, name) values (?, ?)", ann.organization().id(), "c" + i);
            }
        });
        try (Connection physical = singleStatementUnit()) {
            BindingConnection bound = BindingConnection.of(physical, annClaims, Transactions.Mode.SINGLE_STATEMENT);
            try (PreparedStatement ps = bound.prepareStatement("update public.contacts set notes = ? where org_id = ?")) {
                ps.setString(1, "seen");
                ps.setObject(2, ann.organization().id());
                assertThat(ps.executeUpdate()).isEqualTo(3);
            }
            bound = BindingConnection.of(physical, annClaims, Transactions.Mode.SINGLE_STATEMENT);
            try (PreparedStatement ps = bound.prepareStatement("delete from public.contacts where org_id = ? and notes = ?")) {
                ps.setObject(1, ann.organization().id());
                ps.setString(2, "seen");
                assertThat(ps.executeLargeUpdate()).isEqualTo(3L);
            }
            assertUnbound(physical);
        }
    }

    @Test
    void parametersOfTheTypesTheRepositoriesUseAreShifted() throws SQLException {
        UUID id = UUID.randomUUID();
        OffsetDateTime when = OffsetDateTime.of(2031, 2, 3, 4, 5, 6, 0, ZoneOffset.UTC);
        try (Connection physical = singleStatementUnit()) {
            BindingConnection bound = BindingConnection.of(physical, annClaims, Transactions.Mode.SINGLE_STATEMENT);
            try (PreparedStatement ps = bound.prepareStatement("select ?::uuid, ?::public.lead_status_type, ?::text,"
                    + " ?::timestamptz, ?::int, ?::text[], ?::jsonb ->> 'k', ?::bigint is null, ?::boolean")) {
                ps.setObject(1, id);
                ps.setObject(2, "contacted", Types.OTHER);
                ps.setString(3, "text");
                ps.setObject(4, when);
                ps.setInt(5, 42);
                ps.setArray(6, physical.createArrayOf("text", new String[] {"botox", "fillers"}));
                ps.setString(7, "{\"k\":\"v\"}");
                ps.setNull(8, Types.BIGINT);
                ps.setBoolean(9, true);
                try (ResultSet rs = ps.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                    assertThat(rs.getObject(1)).isEqualTo(id);
                    assertThat(rs.getString(2)).isEqualTo("contacted");
                    assertThat(rs.getString(3)).isEqualTo("text");
                    assertThat(rs.getObject(4, OffsetDateTime.class)).isEqualTo(when);
                    assertThat(rs.getInt(5)).isEqualTo(42);
                    assertThat((String[]) rs.getArray(6).getArray()).containsExactly("botox", "fillers");
                    assertThat(rs.getString(7)).isEqualTo("v");
                    assertThat(rs.getBoolean(8)).isTrue();
                    assertThat(rs.getBoolean(9)).isTrue();
                }
            }
        }
    }

    @Test
    void clearParametersKeepsTheBindingAndDescribingBeforeExecutionIsRefused() throws SQLException {
        try (Connection physical = singleStatementUnit()) {
            BindingConnection bound = BindingConnection.of(physical, annClaims, Transactions.Mode.SINGLE_STATEMENT);
            try (PreparedStatement ps = bound.prepareStatement(
                    "select current_setting('request.jwt.claims', true)::jsonb ->> 'sub', ?::int, ?::text")) {
                // describing would mark the combined SQL "described" in PgJDBC's statement cache, and PgJDBC
                // then sends a Sync between binding and query: the query would run unbound
                assertThatThrownBy(ps::getParameterMetaData).isInstanceOf(SQLFeatureNotSupportedException.class);
                assertThatThrownBy(ps::getMetaData).isInstanceOf(SQLFeatureNotSupportedException.class);
                ps.setInt(1, 1);
                ps.clearParameters();
                ps.setInt(1, 7);
                ps.setString(2, "x");
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    assertThat(rs.getString(1)).isEqualTo(ann.id().toString());
                    assertThat(rs.getInt(2)).isEqualTo(7);
                    assertThat(ps.getMetaData().getColumnCount()).as("the query's, once it ran").isEqualTo(3);
                }
            }
        }
    }

    /**
     * PgJDBC splits a multi-statement string with a Sync once a later statement is "described", which it
     * does for a server-prepared statement (from the 5th execution of the same SQL on a connection) with
     * a parameter of unspecified type. In auto-commit the query would then run unbound from the 6th call
     * on; in the unit's explicit transaction the binding holds across that Sync.
     */
    @Test
    void theSameSqlStaysBoundHoweverOftenItRunsOnAConnection() throws SQLException {
        try (Connection physical = singleStatementUnit()) {
            for (int i = 0; i < 20; i++) {
                BindingConnection bound = BindingConnection.of(physical, annClaims, Transactions.Mode.SINGLE_STATEMENT);
                try (PreparedStatement ps = bound.prepareStatement("select current_setting('role'),"
                        + " current_setting('request.jwt.claims', true)::jsonb ->> 'sub', ?::public.lead_status_type, ?::text")) {
                    if (i % 2 == 0) {
                        ps.setObject(1, "new", Types.OTHER);
                    } else {
                        ps.setNull(1, Types.OTHER);
                    }
                    ps.setString(2, "x");
                    try (ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        assertThat(rs.getString(1)).as("role, run %d", i).isEqualTo("authenticated");
                        assertThat(rs.getString(2)).as("user, run %d", i).isEqualTo(ann.id().toString());
                    }
                }
            }
            assertUnbound(physical);
        }
    }

    @Test
    void batchesAreRefusedOnTheBoundStatement() throws SQLException {
        try (Connection physical = singleStatementUnit()) {
            BindingConnection bound = BindingConnection.of(physical, annClaims, Transactions.Mode.SINGLE_STATEMENT);
            try (PreparedStatement ps = bound.prepareStatement("select ?::int")) {
                ps.setInt(1, 1);
                assertThatThrownBy(ps::addBatch).isInstanceOf(SQLFeatureNotSupportedException.class)
                        .hasMessageContaining("tenant binding");
            }
        }
    }

    @Test
    void aFailingStatementLeavesNothingBehindOnceItsUnitRollsBack(Tenants tenants) throws SQLException {
        try (Connection physical = singleStatementUnit()) {
            BindingConnection bound = BindingConnection.of(physical, annClaims, Transactions.Mode.SINGLE_STATEMENT);
            try (PreparedStatement ps = bound.prepareStatement("insert into public.contacts (org_id, name) values (?, ?)")) {
                ps.setObject(1, ann.organization().id());
                ps.setString(2, "");   // ck: a name is not blank
                assertThatThrownBy(ps::executeUpdate).isInstanceOf(SQLException.class);
            }
            assertThat(PgJdbc.transactionStatus(physical)).as("aborted: the failed statement skipped its commit")
                    .isEqualTo(PgJdbc.TransactionStatus.FAILED);
            try (Statement rollback = physical.createStatement()) {
                rollback.execute("rollback");   // as Transactions does in single-statement mode
            }
            assertUnbound(physical);
        }
        int left = tenants.asUser(ann).call(dsl -> dsl.fetchCount(DSL.table("public.contacts")));
        assertThat(left).isZero();
    }

    /**
     * Behind a wrapper that hides PgJDBC's connection the transaction state cannot be read: a successful
     * unit is taken as committed (the server ran its commit), and a failed one is rolled back regardless.
     */
    @Test
    void behindAWrapperThatHidesPgJdbcAFailedSingleStatementUnitIsStillRolledBack() throws SQLException {
        try (Connection physical = singleStatementUnit()) {
            Connection hiding = (Connection) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {Connection.class}, (proxy, method, args) -> {
                        switch (method.getName()) {
                            case "unwrap":
                                throw new SQLException("this wrapper hides its connection");
                            case "isWrapperFor":
                                return false;
                            case "close":
                                return null;   // the test closes the physical connection
                            default:
                                try {
                                    return method.invoke(physical, args);
                                } catch (java.lang.reflect.InvocationTargetException e) {
                                    throw e.getCause();
                                }
                        }
                    });
            DataSource oneConnection = (DataSource) Proxy.newProxyInstance(getClass().getClassLoader(),
                    new Class<?>[] {DataSource.class}, (proxy, method, args) -> {
                        if (method.getName().equals("getConnection")) {
                            return hiding;
                        }
                        throw new UnsupportedOperationException(method.getName());
                    });
            Transactions transactions = new Transactions(oneConnection);

            Object role = transactions.run(annClaims, Transactions.Mode.SINGLE_STATEMENT,
                    dsl -> dsl.fetchValue("select current_setting('role')"));
            assertThat(role).isEqualTo("authenticated");
            assertUnbound(physical);

            assertThatThrownBy(() -> transactions.run(annClaims, Transactions.Mode.SINGLE_STATEMENT,
                    dsl -> dsl.execute("insert into public.contacts (org_id, name) values (?, ?)",
                            ann.organization().id(), "")))   // ck: a name is not blank
                    .isInstanceOf(com.voxanne.dao.VoxanneDataException.class);
            assertUnbound(physical);
        }
    }

    @Test
    void eachModeRefusesAConnectionInTheOtherAutoCommitMode() throws SQLException {
        try (Connection physical = unit()) {
            assertThatThrownBy(() -> BindingConnection.of(physical, annClaims, Transactions.Mode.SINGLE_STATEMENT))
                    .isInstanceOf(BindingConnection.Misuse.class).hasMessageContaining("turn auto-commit on");
        }
        try (Connection physical = singleStatementUnit()) {
            assertThatThrownBy(() -> BindingConnection.of(physical, annClaims, Transactions.Mode.TRANSACTION))
                    .isInstanceOf(BindingConnection.Misuse.class).hasMessageContaining("turn auto-commit off");
        }
    }

    @Test
    void singleStatementModeRefusesASecondStatementLoudly() throws SQLException {
        try (Connection physical = singleStatementUnit()) {
            BindingConnection bound = BindingConnection.of(physical, annClaims, Transactions.Mode.SINGLE_STATEMENT);
            try (PreparedStatement ps = bound.prepareStatement("select 1")) {
                ps.executeQuery().close();
                assertThatThrownBy(ps::executeQuery).isInstanceOf(IllegalStateException.class)
                        .hasMessageContaining("single-statement mode executed its statement twice");
            }
            assertThatThrownBy(() -> bound.prepareStatement("select 2")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("single-statement mode prepared a second statement").hasMessageContaining("select 2");
            assertThatThrownBy(bound::setSavepoint).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("a savepoint");
            assertThatThrownBy(bound::createStatement).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> bound.prepareCall("select 1")).isInstanceOf(IllegalStateException.class);
            assertThatThrownBy(() -> bound.setAutoCommit(false)).isInstanceOf(IllegalStateException.class);
            assertUnbound(physical);
        }
    }

    @Test
    void aUnitClassifiedSingleStatementThatSendsTwoStatementsFailsLoudly() {
        Transactions transactions = new Transactions(login);
        assertThatThrownBy(() -> transactions.run(annClaims, Transactions.Mode.SINGLE_STATEMENT, dsl -> {
            dsl.fetch("select 1");
            return dsl.fetch("select 2");
        })).isExactlyInstanceOf(BindingConnection.Misuse.class)
                .hasMessageContaining("prepared a second statement").hasMessageContaining("@UnitMode(TRANSACTION)");
        // the same work is fine as a transaction
        Object role = transactions.run(annClaims, Transactions.Mode.TRANSACTION, dsl -> {
            dsl.fetch("select 1");
            return dsl.fetchValue("select current_setting('role')");
        });
        assertThat(role).isEqualTo("authenticated");
    }

    @Test
    void inTransactionModeLaterStatementsPassThroughAndSeeTheBinding() throws SQLException {
        try (Connection physical = unit()) {
            try {
                BindingConnection bound = BindingConnection.of(physical, annClaims, Transactions.Mode.TRANSACTION);
                PreparedStatement first = bound.prepareStatement("select 1");
                assertThat(BoundPreparedStatement.carriesBinding(first)).isTrue();
                PreparedStatement beforeExecution = bound.prepareStatement("select 2");
                assertThat(BoundPreparedStatement.carriesBinding(beforeExecution))
                        .as("nothing bound yet: this one carries the binding too").isTrue();
                first.executeQuery().close();
                try (PreparedStatement later = bound.prepareStatement(WHO); ResultSet rs = later.executeQuery()) {
                    assertThat(BoundPreparedStatement.carriesBinding(later)).isFalse();
                    rs.next();
                    assertThat(rs.getString(1)).isEqualTo("authenticated");
                    assertThat(rs.getString(2)).isEqualTo(ann.id().toString());
                    assertThat(rs.getBoolean(3)).as("inside a transaction").isFalse();
                }
                first.close();
                beforeExecution.close();
                bound.commit();
                try (PreparedStatement afterCommit = bound.prepareStatement(WHO)) {
                    assertThat(BoundPreparedStatement.carriesBinding(afterCommit))
                            .as("a commit ends the binding: the next statement binds again").isTrue();
                    try (ResultSet rs = afterCommit.executeQuery()) {
                        rs.next();
                        assertThat(rs.getString(1)).isEqualTo("authenticated");
                    }
                }
            } finally {
                physical.rollback();
            }
            assertUnbound(physical);
        }
    }

    @Test
    void aSavepointFirstBindsFirstSoRollingBackToItKeepsTheBinding() throws SQLException {
        try (Connection physical = unit()) {
            try {
                BindingConnection bound = BindingConnection.of(physical, annClaims, Transactions.Mode.TRANSACTION);
                Savepoint savepoint = bound.setSavepoint();
                try (PreparedStatement ps = bound.prepareStatement("select 1")) {
                    assertThat(BoundPreparedStatement.carriesBinding(ps)).as("already bound by the savepoint's binding").isFalse();
                    ps.executeQuery().close();
                }
                bound.rollback(savepoint);
                try (PreparedStatement ps = bound.prepareStatement(WHO); ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    assertThat(rs.getString(1)).isEqualTo("authenticated");
                    assertThat(rs.getString(2)).isEqualTo(ann.id().toString());
                }
                try (Statement plain = bound.createStatement(); ResultSet rs = plain.executeQuery(WHO)) {
                    rs.next();
                    assertThat(rs.getString(1)).isEqualTo("authenticated");
                }
            } finally {
                physical.rollback();
            }
            assertUnbound(physical);
        }
    }

    @Test
    void aCursorBehindTheBindingStillStreams() throws SQLException {
        try (Connection physical = unit()) {
            try {
                BindingConnection bound = BindingConnection.of(physical, annClaims, Transactions.Mode.TRANSACTION);
                try (PreparedStatement ps = bound.prepareStatement("select g from generate_series(1, 10000) g")) {
                    ps.setFetchSize(100);
                    try (ResultSet rs = ps.executeQuery()) {
                        assertThat(rs.next()).isTrue();
                        assertThat(rs.getInt(1)).isEqualTo(1);
                        try (PreparedStatement portals = bound.prepareStatement("select count(*) from pg_cursors");
                             ResultSet count = portals.executeQuery()) {
                            count.next();
                            assertThat(count.getInt(1)).as("the query's rows come through an open portal").isPositive();
                        }
                        int rows = 1;
                        while (rs.next()) {
                            rows++;
                        }
                        assertThat(rows).isEqualTo(10000);
                    }
                }
            } finally {
                physical.rollback();
            }
        }
    }

    // ---- the timeouts the binding sets

    /** The unit's statement_timeout and lock_timeout in milliseconds, as the server applies them. */
    private static final String TIMEOUTS = "select (select setting::int from pg_catalog.pg_settings where name = 'statement_timeout'),"
            + " (select setting::int from pg_catalog.pg_settings where name = 'lock_timeout')";

    /**
     * With nothing configured every unit runs with its role's default timeouts, in both modes, although
     * the session says otherwise: a session-level {@code statement_timeout = 0} and {@code lock_timeout = 0}
     * (no limit) left on the connection do not lift them, and the session's values are back afterwards.
     */
    @Test
    void everyUnitRunsWithItsRolesDefaultTimeoutsWhateverTheSessionSays() throws SQLException {
        try (Connection physical = login.getConnection()) {
            try (Statement poison = physical.createStatement()) {
                poison.execute("set statement_timeout = 0");
                poison.execute("set lock_timeout = 0");
            }
            Map<RequestClaims, List<Integer>> expected = Map.of(
                    annClaims, List.of(8000, 3000),
                    RequestClaims.service(), List.of(0, 10000),
                    RequestClaims.service(ann.organization().id()), List.of(0, 10000),
                    RequestClaims.anonymous(), List.of(3000, 1000));
            for (Map.Entry<RequestClaims, List<Integer>> e : expected.entrySet()) {
                for (Transactions.Mode mode : Transactions.Mode.values()) {
                    physical.setAutoCommit(mode == Transactions.Mode.SINGLE_STATEMENT);
                    BindingConnection bound = BindingConnection.of(physical, e.getKey(), mode);
                    List<Integer> seen = new ArrayList<>();
                    try (PreparedStatement ps = bound.prepareStatement(TIMEOUTS); ResultSet rs = ps.executeQuery()) {
                        rs.next();
                        seen.add(rs.getInt(1));
                        seen.add(rs.getInt(2));
                    }
                    if (mode == Transactions.Mode.TRANSACTION) {
                        physical.commit();
                    }
                    assertThat(seen).as("%s in %s mode", e.getKey().role(), mode).isEqualTo(e.getValue());
                }
            }
            physical.setAutoCommit(true);
            try (Statement s = physical.createStatement(); ResultSet rs = s.executeQuery(TIMEOUTS)) {
                rs.next();
                assertThat(List.of(rs.getInt(1), rs.getInt(2))).as("the session's own, after the units").containsExactly(0, 0);
            }
            assertUnbound(physical);
        }
    }

    /**
     * PostgreSQL arms {@code statement_timeout} as each message of the extended protocol starts, so the
     * statement sent behind the binding, in the same string and round trip, runs under the timeout the
     * binding has just set, as do later statements of a transaction-mode unit. The session says 0 (no
     * limit): without the binding's timeout every sleep here would run its full ten seconds.
     */
    @Test
    void aStatementIsCancelledByTheBindingsStatementTimeoutInBothModes() throws SQLException {
        RoleTimeouts quarterSecond = RoleTimeouts.defaults().withStatementTimeout(ApiRole.AUTHENTICATED, Duration.ofMillis(250));
        try (Connection physical = singleStatementUnit()) {
            try (Statement poison = physical.createStatement()) {
                poison.execute("set statement_timeout = 0");
            }
            // Single-statement mode, also once PgJDBC has server-prepared the string (from the 5th execution)
            // and describes the query separately: the last run sleeps.
            for (int i = 0; i < 8; i++) {
                boolean sleeps = i == 7;
                BindingConnection bound = BindingConnection.of(physical, annClaims, quarterSecond,
                        Transactions.Mode.SINGLE_STATEMENT);
                try (PreparedStatement ps = bound.prepareStatement("select current_setting('role'), pg_sleep(?::float8)")) {
                    ps.setObject(1, sleeps ? "10" : "0", Types.OTHER);
                    long start = System.nanoTime();
                    if (sleeps) {
                        assertThatThrownBy(ps::executeQuery).isInstanceOfSatisfying(SQLException.class,
                                e -> assertThat(e.getSQLState()).as("query_canceled").isEqualTo("57014"));
                        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
                    } else {
                        try (ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            assertThat(rs.getString(1)).isEqualTo("authenticated");
                        }
                    }
                }
            }
            try (Statement rollback = physical.createStatement()) {
                rollback.execute("rollback");   // the cancelled statement aborted its transaction, as Transactions does
            }
            assertUnbound(physical);

            physical.setAutoCommit(false);
            try {
                BindingConnection bound = BindingConnection.of(physical, annClaims, quarterSecond, Transactions.Mode.TRANSACTION);
                try (PreparedStatement first = bound.prepareStatement("select pg_sleep(10)")) {
                    assertThat(BoundPreparedStatement.carriesBinding(first)).isTrue();
                    assertThatThrownBy(first::executeQuery).isInstanceOfSatisfying(SQLException.class,
                            e -> assertThat(e.getSQLState()).isEqualTo("57014"));
                }
            } finally {
                physical.rollback();
            }
            try {
                BindingConnection bound = BindingConnection.of(physical, annClaims, quarterSecond, Transactions.Mode.TRANSACTION);
                try (PreparedStatement first = bound.prepareStatement("select pg_sleep(0.01)")) {
                    first.executeQuery().close();
                }
                try (PreparedStatement later = bound.prepareStatement("select pg_sleep(10)")) {
                    assertThat(BoundPreparedStatement.carriesBinding(later)).as("passes through, after the binding").isFalse();
                    assertThatThrownBy(later::executeQuery).isInstanceOfSatisfying(SQLException.class,
                            e -> assertThat(e.getSQLState()).isEqualTo("57014"));
                }
            } finally {
                physical.rollback();
            }
            try {
                BindingConnection bound = BindingConnection.of(physical, annClaims, quarterSecond, Transactions.Mode.TRANSACTION);
                try (Statement plain = bound.createStatement()) {
                    assertThatThrownBy(() -> plain.execute("select pg_sleep(10)")).as("a plain statement, bound on its own first")
                            .isInstanceOfSatisfying(SQLException.class, e -> assertThat(e.getSQLState()).isEqualTo("57014"));
                }
            } finally {
                physical.rollback();
            }
            physical.setAutoCommit(true);
            assertUnbound(physical);
        }
    }

    /** The control: a statement that ends within the timeout is not disturbed by it. */
    @Test
    void aStatementWithinTheTimeoutRuns() throws SQLException {
        RoleTimeouts oneSecond = RoleTimeouts.defaults().withStatementTimeout(ApiRole.AUTHENTICATED, Duration.ofSeconds(1));
        try (Connection physical = singleStatementUnit()) {
            BindingConnection bound = BindingConnection.of(physical, annClaims, oneSecond, Transactions.Mode.SINGLE_STATEMENT);
            try (PreparedStatement ps = bound.prepareStatement("select pg_sleep(0.1), current_setting('statement_timeout')");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getString(2)).isEqualTo("1s");
            }
            assertUnbound(physical);
        }
    }

    @Test
    void everyParameterSetterOfPreparedStatementIsShiftedAndNoOtherSetterIs() throws Exception {
        List<String> calls = new ArrayList<>();
        PreparedStatement recorder = (PreparedStatement) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {PreparedStatement.class, PGStatement.class}, (proxy, method, args) -> {
                    if (method.getName().equals("unwrap")) {
                        return proxy;
                    }
                    calls.add(method.getName() + (args == null ? "" : "@" + args[0]));
                    return defaultValue(method.getReturnType());
                });
        Connection physical = (Connection) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {Connection.class}, (proxy, method, args) -> defaultValue(method.getReturnType()));
        PreparedStatement bound = BoundPreparedStatement.of(recorder,
                BindingConnection.of(physical, annClaims, Transactions.Mode.TRANSACTION));
        // the proxy connection reports auto-commit off: an explicit transaction, so no prepare threshold is set
        assertThat(calls).as("the binding's parameters: role, claims, statement and lock timeouts")
                .containsExactly("setString@1", "setString@2", "setString@3", "setString@4");
        assertThat(BoundPreparedStatement.OFFSET).isEqualTo(RequestBinding.PARAMETER_COUNT);

        Set<String> notParameters = Set.of("setFetchSize", "setMaxRows", "setQueryTimeout", "setFetchDirection",
                "setMaxFieldSize", "setLargeMaxRows", "setPoolable", "setEscapeProcessing", "setCursorName");
        List<Method> setters = Arrays.stream(PreparedStatement.class.getMethods())
                .filter(m -> m.getName().startsWith("set") && !Modifier.isStatic(m.getModifiers()))
                .toList();
        assertThat(setters).hasSizeGreaterThan(50);
        for (Method setter : setters) {
            calls.clear();
            Object[] args = Arrays.stream(setter.getParameterTypes()).map(BindingConnectionTest::sample).toArray();
            if (args.length > 0 && args[0] instanceof Integer) {
                args[0] = 1;
            }
            setter.invoke(bound, args);
            String expected = notParameters.contains(setter.getName())
                    ? setter.getName() + "@" + args[0]
                    : setter.getName() + "@" + (1 + BoundPreparedStatement.OFFSET);
            assertThat(calls).as(setter.toString()).containsExactly(expected);
        }
    }

    /** A connection of the login role as {@link Transactions} hands it to a unit in transaction mode: auto-commit off. */
    private Connection unit() throws SQLException {
        Connection physical = login.getConnection();
        physical.setAutoCommit(false);
        return physical;
    }

    /** As {@link Transactions} hands it to a single-statement unit: auto-commit on, the statement brings its transaction. */
    private Connection singleStatementUnit() throws SQLException {
        Connection physical = login.getConnection();
        physical.setAutoCommit(true);
        return physical;
    }

    /** Back as it came: no transaction open, the login role, no claims, the session's timeouts. */
    private static void assertUnbound(Connection physical) throws SQLException {
        assertThat(physical.unwrap(BaseConnection.class).getTransactionState()).as("no transaction left open")
                .isEqualTo(TransactionState.IDLE);
        try (Statement s = physical.createStatement(); ResultSet rs = s.executeQuery(
                "select current_setting('role'), coalesce(current_setting('request.jwt.claims', true), ''),"
                        + " current_user = session_user, current_setting('statement_timeout'), current_setting('lock_timeout'),"
                        + " coalesce(current_setting('request.jwt.claim.app_metadata', true), '')")) {
            rs.next();
            assertThat(rs.getString(1)).isEqualTo("none");
            assertThat(rs.getString(2)).isEmpty();
            assertThat(rs.getBoolean(3)).isTrue();
            assertThat(rs.getString(4)).as("statement_timeout").isEqualTo("0");
            assertThat(rs.getString(5)).as("lock_timeout").isEqualTo("0");
            assertThat(rs.getString(6)).isEmpty();
        }
    }

    private static Object sample(Class<?> type) {
        if (type == int.class) {
            return 1;
        }
        if (type == long.class) {
            return 1L;
        }
        if (type == boolean.class) {
            return true;
        }
        if (type == byte.class) {
            return (byte) 1;
        }
        if (type == short.class) {
            return (short) 1;
        }
        if (type == float.class) {
            return 1f;
        }
        if (type == double.class) {
            return 1d;
        }
        if (type == String.class) {
            return "x";
        }
        if (type == java.io.InputStream.class) {
            return new ByteArrayInputStream(new byte[0]);
        }
        if (type == java.io.Reader.class) {
            return new StringReader("");
        }
        if (type == java.sql.SQLType.class) {
            return java.sql.JDBCType.INTEGER;
        }
        return null;
    }

    private static Object defaultValue(Class<?> type) {
        if (type == boolean.class) {
            return false;
        }
        if (type == int.class) {
            return 0;
        }
        if (type == long.class) {
            return 0L;
        }
        return null;
    }
}
