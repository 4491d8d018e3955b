package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.dao.internal.Transactions;
import com.voxanne.schema.session.RequestBinding.Placement;
import com.voxanne.schema.session.RequestClaims;
import com.voxanne.schema.session.RoleTimeouts;
import com.voxanne.testkit.Admin;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import com.voxanne.testkit.postgres.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * Every single-clinic statement the DAO sends is a router query on a distributed database: one task, on
 * the worker holding the clinic's shards (docs/citus.md, fact 16). The policies' {@code org_id =
 * auth_org_id()} does not let Citus prune (32 tasks); the DAO's own {@code org_id = ?} (for
 * organizations {@code id = ?}) does.
 *
 * <p>Each call of {@link RoutedOperations#routed()} runs through a {@link Voxanne} over a
 * {@link StatementRecorder}, which keeps every statement the call sends, its binding taken off, with its
 * binds; each is then {@code EXPLAIN}ed with those binds in a unit bound as the call's was (the distributed
 * binding): {@code Task Count: 1} on the clinic's worker, the booking's advisory lock included (it
 * is taken through the organization's row there, docs/citus.md fact 29), planned with the call's values
 * and planned generically (prepared on the server, {@code plan_cache_mode = force_generic_plan}: Citus
 * then picks the shard when the plan runs). The bulk import's one
 * statement unnests its arrays on the coordinator, which then sends the rows to their shard (Citus's
 * "pull to coordinator" INSERT … SELECT: a clinic's rows all go to the clinic's shard). Every call
 * succeeds on the cluster.
 * {@code RoutedOperationsTest} keeps the list of calls complete. Runs with VOXANNE_TEST_BACKEND=citus only.
 */
@EnabledIf(value = "com.voxanne.dao.CitusDaoIsolationTest#onCitus",
        disabledReason = "needs the Citus backend (VOXANNE_TEST_BACKEND=citus)")
@VoxannePostgres
class CitusRoutingTest {

    /** The bulk import: arrays unnested into rows on the coordinator, the rows then sent to their shard. */
    private static final Pattern PULLED_TO_COORDINATOR = Pattern.compile("^insert into public\\.contacts .* from rows from \\(pg_catalog\\.unnest\\(");
    private static final Pattern TASK_COUNT = Pattern.compile("^\\s*Task Count: (\\d+)$");
    private static final Pattern NODE = Pattern.compile("^\\s*Node: host=\\S+ port=(\\d+) ");

    private RoutedOperations.Fixture fixture;
    private Transactions explaining;
    private DataSource admin;

    /** Places the class's database on the cluster, as an operator would after migrating. */
    @BeforeAll
    static void distribute(@Admin DataSource admin, TestDatabase db) throws Exception {
        CitusDaoIsolationTest.distribute(admin, db);
    }

    @BeforeEach
    void clinic(DataSource login, @Admin DataSource admin, Tenants tenants) {
        this.admin = admin;
        User ann = tenants.organization("Clinic A " + UUID.randomUUID()).user("ann");
        StatementRecorder recorder = new StatementRecorder(login);
        fixture = new RoutedOperations.Fixture(Voxanne.create(recorder), recorder,
                OrgContext.of(ann.organization().id(), ann.id()), admin);
        explaining = new Transactions(login, RoleTimeouts.defaults(), VoxanneObserver.NONE, Placement.DISTRIBUTED);
    }

    @Test
    void everySingleClinicStatementOfTheDaoIsOneTaskOnTheClinicsWorker() throws SQLException {
        int clinicsWorker = workerOf(fixture.org());
        List<String> notRouted = new ArrayList<>();
        int explained = 0;
        List<String> locks = new ArrayList<>();
        for (RoutedOperations.Operation op : RoutedOperations.routed()) {
            op.call().accept(fixture);
            List<StatementRecorder.Executed> statements = fixture.statements();
            assertThat(statements).as(op.name() + " sends a statement").isNotEmpty();
            Integer worker = fixture.organization() == null ? null
                    : fixture.organization().equals(fixture.org()) ? clinicsWorker : workerOf(fixture.organization());
            for (StatementRecorder.Executed statement : statements) {
                if (statement.sql().contains("pg_advisory_xact_lock(")) {
                    locks.add(op.name());
                }
                if (PULLED_TO_COORDINATOR.matcher(statement.sql()).find()) {
                    assertThat(plan(op, statement)).as(op.name() + ": " + statement)
                            .anyMatch(line -> line.contains("INSERT/SELECT method: pull to coordinator"));
                    continue;
                }
                List<String> customPlan = plan(op, statement);
                System.out.println("[routing] " + op.name() + " | " + statement.sql().replaceAll("\\s+", " ")
                        + " | " + customPlan.stream().map(String::strip).filter(l -> l.startsWith("Task Count") || l.startsWith("Node:"))
                        .toList());
                String custom = routing(customPlan, worker);
                if (custom != null) {
                    notRouted.add(op.name() + ": " + custom + ": " + statement);
                }
                List<String> genericPlan = genericPlan(op, statement);
                String generic = routing(genericPlan, worker);
                if (generic != null) {
                    notRouted.add(op.name() + ", generic plan: " + generic + ": " + String.join("\n", genericPlan));
                }
                explained++;
            }
        }
        notRouted.forEach(line -> System.out.println("[routing] not routed: " + line));
        assertThat(notRouted).as("statements that are not one task on the clinic's worker").isEmpty();
        // the booking lock is among the routed statements (book, reschedule, restore take it)
        assertThat(locks).contains("appointments.book", "appointments.reschedule", "appointments.restore");
        assertThat(explained).isGreaterThanOrEqualTo(RoutedOperations.routed().size());
    }

    /** The control: the same read without the DAO's {@code org_id = ?}, the policy alone, fans out to every shard. */
    @Test
    void withoutTheOrgIdThePolicyAloneGoesToEveryShard() throws SQLException {
        RoutedOperations.Operation get = RoutedOperations.routed().stream()
                .filter(op -> op.name().equals("contacts.get")).findFirst().orElseThrow();
        get.call().accept(fixture);
        StatementRecorder.Executed read = fixture.statements().get(0);
        assertThat(routing(plan(get, read), workerOf(fixture.org()))).isNull();
        // the binds are (org, id): keep the id's, drop the org's condition
        String policyOnly = read.sql().replaceFirst("\"public\"\\.\"contacts\"\\.\"org_id\" = cast\\(\\? as uuid\\) and ", "");
        assertThat(policyOnly).isNotEqualTo(read.sql());
        StatementRecorder.Executed withoutOrg = new StatementRecorder.Executed(policyOnly, read.binds().subList(1, 2).stream()
                .map(b -> new StatementRecorder.Bind(b.setter(), new Object[] {1, b.args()[1]})).toList());
        List<String> plan = plan(get, withoutOrg);
        assertThat(plan).anyMatch(line -> line.strip().equals("Task Count: 32"));
    }

    /** Null if {@code plan} is one task on {@code worker} (any one worker if null), else what it is instead. */
    private static String routing(List<String> plan, Integer worker) {
        List<Integer> tasks = new ArrayList<>();
        List<Integer> nodes = new ArrayList<>();
        for (String line : plan) {
            Matcher task = TASK_COUNT.matcher(line);
            if (task.find()) {
                tasks.add(Integer.parseInt(task.group(1)));
            }
            Matcher node = NODE.matcher(line);
            if (node.find()) {
                nodes.add(Integer.parseInt(node.group(1)));
            }
            if (line.contains("Distributed Subplan")) {
                return "a distributed subplan";
            }
            if (line.startsWith("executed: ")) {
                return line;
            }
        }
        if (plan.contains(CUSTOM_ONLY)) {
            return null; // each execution's plan is a custom one, checked on its own; the runs succeeded
        }
        if (!tasks.equals(List.of(1))) {
            return "task counts " + tasks;
        }
        // Citus's EXPLAIN EXECUTE sends the worker no parameter values, so the task of a generic plan whose
        // shard statement keeps parameters shows "Could not get remote plan" instead of its node; its one
        // task is the pruning's result, and the statement's run above checks that it executes
        boolean nodeNotShown = nodes.isEmpty() && plan.stream().anyMatch(l -> l.strip().equals("Error: Could not get remote plan."));
        if (!nodeNotShown && (nodes.size() != 1 || (worker != null && !nodes.get(0).equals(worker)))) {
            return "on nodes " + nodes + ", the clinic's worker is " + worker;
        }
        return null;
    }

    /** {@code EXPLAIN} of {@code statement} with its binds, in a unit bound as {@code op}'s units are. */
    private List<String> plan(RoutedOperations.Operation op, StatementRecorder.Executed statement) {
        return explaining.run(claims(op), dsl -> dsl.connectionResult(c -> {
            try (PreparedStatement ps = c.prepareStatement("explain (costs off) " + statement.sql())) {
                statement.bind(ps, 0);
                return lines(ps);
            }
        }));
    }

    /**
     * {@code statement} prepared on the server and planned generically, as PostgreSQL may plan a
     * statement PgJDBC has server-prepared after its fifth execution: the values are parameters when
     * Citus plans it, and it picks the shard when the plan runs ("deferred pruning"). Returns the plan of
     * {@code EXPLAIN EXECUTE}, then runs the statement for real in a unit rolled back, and adds a line
     * {@code executed: <SQLSTATE>} if it failed other than by a constraint (class 23: a write repeated
     * with the values it was recorded with may meet its own first row).
     *
     * <p>A statement Citus cannot plan without its values (0A000 {@code could not create distributed
     * plan}: the routed {@code create_notification}, whose organization is a parameter inside a
     * subquery) is one PostgreSQL never plans generically: Citus prices such a generic plan out of the
     * choice ({@code DissuadePlannerFromUsingPlan}), so each execution gets a custom plan, which the
     * caller checks. For it the statement runs {@value #EXECUTIONS} times under the default
     * {@code plan_cache_mode}, past PostgreSQL's switch after five, and the plan returned is one line
     * saying so.
     */
    private List<String> genericPlan(RoutedOperations.Operation op, StatementRecorder.Executed statement) {
        List<String> plan;
        boolean customOnly = false;
        try {
            plan = new ArrayList<>(inPreparedUnit(op, statement, true, (s, execute) -> {
                try (ResultSet rs = s.executeQuery("explain (costs off) " + execute)) {
                    return lines(rs);
                }
            }));
        } catch (DataAccessFailureException e) {
            if (!"0A000".equals(e.sqlState())) {
                throw e;
            }
            plan = new ArrayList<>(List.of(CUSTOM_ONLY));
            customOnly = true;
        }
        int executions = customOnly ? EXECUTIONS : 1;
        try {
            inPreparedUnit(op, statement, !customOnly, (s, execute) -> {
                String outcome = null;
                for (int i = 0; i < executions && outcome == null; i++) {
                    s.execute("savepoint vx_run");
                    try {
                        s.execute(execute);
                        s.execute("release savepoint vx_run");
                    } catch (SQLException e) {
                        if (!e.getSQLState().startsWith("23")) {
                            outcome = "executed: " + e.getSQLState() + " " + e.getMessage();
                        }
                        if (i + 1 < executions) {
                            s.execute("rollback to savepoint vx_run");
                        }
                    }
                }
                throw new RolledBack(outcome);
            });
        } catch (RolledBack run) {
            if (run.outcome != null) {
                plan.add(run.outcome);
            }
        }
        return plan;
    }

    /** The plan's line for a statement PostgreSQL plans per execution only. */
    private static final String CUSTOM_ONLY = "planned per execution only";

    /** How often a statement planned per execution only runs: PostgreSQL considers a generic plan after five. */
    private static final int EXECUTIONS = 8;

    private interface GenericWork<T> {
        T run(Statement statement, String execute) throws SQLException;
    }

    /**
     * Runs {@code work} in a unit bound as {@code op}'s, with {@code statement} prepared as {@code execute}'s
     * target and, if {@code generic}, {@code plan_cache_mode = force_generic_plan}. A prepared statement
     * outlives its transaction: the kit's login data source opens a connection per unit, so one left by
     * a unit that failed ends with its connection.
     */
    private <T> T inPreparedUnit(RoutedOperations.Operation op, StatementRecorder.Executed statement, boolean generic,
                                 GenericWork<T> work) {
        String name = "vx_generic_" + prepared++;
        String sql = numberedParameters(statement.sql(), statement.binds().size());
        String values = statement.binds().stream().map(CitusRoutingTest::literal).collect(Collectors.joining(", "));
        return explaining.run(claims(op), dsl -> dsl.connectionResult(c -> {
            try (Statement s = c.createStatement()) {
                if (generic) {
                    s.execute("set local plan_cache_mode = force_generic_plan");
                }
                s.execute("prepare " + name + " as " + sql);
                T result = work.run(s, "execute " + name + (values.isEmpty() ? "" : "(" + values + ")"));
                s.execute("deallocate " + name);
                return result;
            }
        }));
    }

    /** Ends a unit that ran a statement for real, so that nothing it wrote stays. */
    private static final class RolledBack extends RuntimeException {
        final String outcome;

        RolledBack(String outcome) {
            super(null, null, false, false);
            this.outcome = outcome;
        }
    }

    private int prepared;

    /** {@code sql} with its JDBC placeholders numbered ({@code $1}, {@code $2}, …), quoted text left alone. */
    private static String numberedParameters(String sql, int expected) {
        StringBuilder numbered = new StringBuilder();
        boolean quoted = false;
        int n = 0;
        for (char ch : sql.toCharArray()) {
            if (ch == '\'') {
                quoted = !quoted;
            }
            if (ch == '?' && !quoted) {
                numbered.append('$').append(++n);
            } else {
                numbered.append(ch);
            }
        }
        assertThat(n).as("placeholders of " + sql).isEqualTo(expected);
        return numbered.toString();
    }

    /** A bound value as an untyped SQL literal: the prepared statement's parameter type reads it. */
    private static String literal(StatementRecorder.Bind bind) {
        Object value = bind.setter().getName().equals("setNull") ? null : bind.args()[1];
        return value == null ? "null" : "'" + value.toString().replace("'", "''") + "'";
    }

    private static List<String> lines(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            return lines(rs);
        }
    }

    private static List<String> lines(ResultSet rs) throws SQLException {
        List<String> lines = new ArrayList<>();
        while (rs.next()) {
            lines.add(rs.getString(1));
        }
        return lines;
    }

    private RequestClaims claims(RoutedOperations.Operation op) {
        return op.as() == RoutedOperations.As.USER
                ? RequestClaims.user(fixture.org(), fixture.ann.userId())
                : RequestClaims.service();
    }

    /** The port of the worker holding {@code org}'s shards (every tenant table is colocated with organizations). */
    private int workerOf(UUID org) throws SQLException {
        try (Connection c = admin.getConnection();
             PreparedStatement ps = c.prepareStatement("select nodeport from citus_shards where table_name = 'public.contacts'::regclass"
                     + " and shardid = get_shard_id_for_distribution_column('public.contacts', ?::uuid)")) {
            ps.setString(1, org.toString());
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getInt(1);
            }
        }
    }
}
