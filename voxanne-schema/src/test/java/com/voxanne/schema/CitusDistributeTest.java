package com.voxanne.schema;

import static com.voxanne.schema.SchemaTestSupport.admin;
import static com.voxanne.schema.SchemaTestSupport.adminColumn;
import static com.voxanne.schema.SchemaTestSupport.migratedDatabase;
import static com.voxanne.schema.SchemaTestSupport.organization;
import static com.voxanne.schema.SchemaTestSupport.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.schema.session.RequestBinding;
import com.voxanne.schema.session.RequestClaims;
import com.voxanne.testkit.postgres.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * {@link VoxanneSchema#distribute()} on a migrated database with rows in it, on the Citus backend, and
 * what holds on the cluster afterwards: where the tables are, what the result says, a second run, whether
 * the claims reach the workers that run a tenant's shard queries, routing, the audit trail, org_id
 * immutability and that nothing NOTIFYs. Facts for docs/citus.md. Runs only with VOXANNE_TEST_BACKEND=citus.
 */
@EnabledIf(value = "com.voxanne.schema.CitusSupport#onCitus", disabledReason = "needs the Citus backend (VOXANNE_TEST_BACKEND=citus)")
class CitusDistributeTest {

    private static TestDatabase db;
    private static DistributionResult first;
    private static UUID orgA;
    private static UUID orgB;
    private static UUID userA;

    @BeforeAll
    static void distribute() throws Exception {
        db = migratedDatabase();
        // Rows that exist before distribution: an existing database moved onto the cluster.
        orgA = organization(db, "Clinic A");
        orgB = organization(db, "Clinic B");
        userA = user(db, orgA);
        for (int i = 0; i < 5; i++) {
            admin(db, "insert into public.contacts (org_id, name) values (?, ?)", orgA, "A" + i);
        }
        for (int i = 0; i < 7; i++) {
            admin(db, "insert into public.contacts (org_id, name) values (?, ?)", orgB, "B" + i);
        }
        first = CitusSupport.schema(db).distribute();
        CitusSupport.configureWorkers(db, first);
    }

    @AfterAll
    static void drop() {
        if (db != null) {
            db.close();
        }
    }

    @Test
    void theResultSaysWhatWasPlacedChangedAndAdded() throws SQLException {
        assertThat(first.changed()).isTrue();
        assertThat(first.tables()).extracting(DistributionResult.Table::name).containsExactly("public.audit_logs",
                "public.organizations", "public.contacts", "public.appointments", "public.processed_webhook_events",
                "public.notifications", "auth.users");
        assertThat(first.tables()).allMatch(DistributionResult.Table::placedNow);
        assertThat(first.tables()).filteredOn(DistributionResult.Table::primaryKeyChanged)
                .extracting(DistributionResult.Table::name).containsExactly("public.audit_logs", "public.contacts",
                        "public.appointments", "public.processed_webhook_events", "public.notifications");
        assertThat(first.tables()).extracting(t -> t.name() + "=" + t.policiesRewritten()).containsExactly(
                "public.audit_logs=0", "public.organizations=1", "public.contacts=4", "public.appointments=4",
                "public.processed_webhook_events=0", "public.notifications=2", "auth.users=0");
        assertThat(first.tables()).extracting(DistributionResult.Table::toString)
                .contains("public.organizations: distributed by id now; 1 policy rewritten to auth_org_id()",
                        "auth.users: reference table now");
        assertThat(first.settingsAdded()).containsExactly("citus.propagate_set_commands=local", "citus.enable_unsafe_triggers=on");
        assertThat(first.workers()).extracting(DistributionResult.Worker::port).map(String::valueOf)
                .containsExactlyInAnyOrderElementsOf(adminColumn(db, "select nodeport from pg_dist_node where groupid <> 0"));
        // No policy on the coordinator keeps a subquery; the keys are (org_id, id).
        assertThat(adminColumn(db, "select count(*) from pg_policies where schemaname = 'public'"
                + " and (qual ilike '%select%' or with_check ilike '%select%')")).containsExactly("0");
        assertThat(adminColumn(db, "select pg_get_constraintdef(oid) from pg_constraint where conname = 'contacts_pkey'"))
                .containsExactly("PRIMARY KEY (org_id, id)");
        assertThat(adminColumn(db, "select count(*) from pg_constraint where conname in"
                + " ('uq_appointments_org_id_id', 'uq_notifications_org_id_id')")).containsExactly("0");
        assertThat(adminColumn(db, "select pg_get_constraintdef(oid) from pg_constraint where conname = 'notifications_user_id_fkey'"))
                .containsExactly("FOREIGN KEY (user_id) REFERENCES auth.users(id) ON DELETE CASCADE");
    }

    @Test
    void existingRowsMovedWithoutBeingAuditedAgainAndTheirLocalCopiesAreGone() throws SQLException {
        assertThat(adminColumn(db, "select count(*) from public.contacts where org_id = ?", orgB)).containsExactly("7");
        // The seven inserts were audited once, on one server; moving them into shards wrote nothing.
        assertThat(adminColumn(db, "select count(*) from public.audit_logs where org_id = ? and table_name = 'contacts'", orgB))
                .containsExactly("7");
        assertThat(adminColumn(db, "select count(*) from public.audit_logs where org_id = ? and table_name = 'organizations'", orgB))
                .containsExactly("1");
        // The coordinator's own copies, invisible once the table is distributed, are removed (audit_logs' too).
        assertThat(adminColumn(db, "select c.relname || '=' || pg_relation_size(c.oid) from pg_class c"
                + " where c.oid in ('public.contacts'::regclass, 'public.organizations'::regclass,"
                + " 'public.audit_logs'::regclass, 'auth.users'::regclass) order by 1"))
                .containsExactly("audit_logs=0", "contacts=0", "organizations=0", "users=0");
    }

    @Test
    void aSecondRunFindsEverythingPlacedAndChangesNothing() throws SQLException {
        List<String> policies = adminColumn(db, "select tablename || policyname || coalesce(qual, '') || coalesce(with_check, '')"
                + " from pg_policies order by 1");
        DistributionResult second = CitusSupport.schema(db).distribute();
        assertThat(second.changed()).as(second.toString()).isFalse();
        assertThat(second.tables()).noneMatch(DistributionResult.Table::changed);
        assertThat(second.settingsAdded()).isEmpty();
        // the operator's step is done: nothing left on any worker
        assertThat(second.workers()).hasSize(2).allMatch(w -> w.rolesWithoutLogin().isEmpty() && w.statements().isEmpty());
        assertThat(second.tables()).extracting(DistributionResult.Table::toString)
                .contains("public.contacts: already distributed by org_id", "auth.users: already reference table");
        assertThat(adminColumn(db, "select tablename || policyname || coalesce(qual, '') || coalesce(with_check, '')"
                + " from pg_policies order by 1")).isEqualTo(policies);
    }

    @Test
    void verifysDistributionSectionPasses() throws SQLException {
        VerifyReport report = CitusSupport.schema(db).verify();
        for (VerifyCheck id : List.of(VerifyCheck.DISTRIBUTED_TABLES, VerifyCheck.REFERENCE_TABLES, VerifyCheck.POLICY_FORM,
                VerifyCheck.DISTRIBUTION_SETTINGS, VerifyCheck.POLICIES, VerifyCheck.SERVICE_TABLES_ANON)) {
            assertThat(report.check(id)).as(report.toString()).hasValueSatisfying(
                    c -> assertThat(c.status()).as(c.toString()).isEqualTo(VerifyReport.Status.PASS));
        }
        assertThat(report.check(VerifyCheck.POLICY_FORM).orElseThrow().reason()).startsWith("distributed: ");
        // Citus's own views in public (citus_tables, citus_schemas) are the extension's, not a service's tables
        assertThat(adminColumn(db, "select count(*) from pg_views where schemaname = 'public' and viewname like 'citus%'"))
                .singleElement().asString().isNotEqualTo("0");
    }

    @Test
    void everyTenantTableIsDistributedByOrganizationAndColocated() throws SQLException {
        assertThat(adminColumn(db, "select table_name || ':' || citus_table_type || ':' || distribution_column"
                + " from citus_tables order by 1")).containsExactly(
                "appointments:distributed:org_id",
                "audit_logs:distributed:org_id",
                "auth.users:reference:<none>",
                "contacts:distributed:org_id",
                "notifications:distributed:org_id",
                "organizations:distributed:id",
                "processed_webhook_events:distributed:org_id");
        assertThat(adminColumn(db, "select count(distinct colocation_id) from citus_tables"
                + " where citus_table_type = 'distributed'")).containsExactly("1");
    }

    @Test
    void claimsSetWithSetLocalReachTheWorkers() throws SQLException {
        assertThat(shardPort(orgA)).isNotEqualTo(db.server().port());
        try (Connection c = db.loginDataSource().getConnection(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("set local citus.propagate_set_commands = 'local'");
            s.execute("set local role authenticated");
            s.execute("set local \"request.jwt.claims\" = '" + RequestClaims.user(orgA, userA).toJson().replace("'", "''") + "'");
            assertThat(SchemaTestSupport.column(c, "select count(*) from public.contacts")).containsExactly("5");
            assertThat(SchemaTestSupport.column(c, "select count(*) from public.contacts where org_id = ?", orgB))
                    .containsExactly("0");
            assertThat(SchemaTestSupport.column(c, "select count(*) from public.contacts where org_id = ?", orgA))
                    .containsExactly("5");
            c.rollback();
        }
    }

    @Test
    void bindingAndQueryInOneJdbcStringReachTheWorkers() throws SQLException {
        // As the DAO sends them (ADR 0004): one string, one round trip; PgJDBC's extended protocol gives each
        // statement its own Parse, so Citus propagates the SET LOCAL's own text. (In one simple-protocol
        // query string, psql -c or pgbench's \;, Citus sends the whole string as the SET and the worker
        // refuses: "cannot execute a distributed query from a query on a shard"; docs/citus.md, fact 19.)
        try (Connection c = db.loginDataSource().getConnection()) {
            c.setAutoCommit(false);
            String sql = "select set_config('role', 'authenticated', true);\n"
                    + "set local \"request.jwt.claims\" = '" + RequestClaims.user(orgA, userA).toJson() + "';\n"
                    + "select count(*) from public.contacts where org_id = ?";
            for (int run = 0; run < 7; run++) {
                try (java.sql.PreparedStatement ps = c.prepareStatement(sql)) {
                    ps.setObject(1, orgA);
                    assertThat(ps.execute()).isTrue();
                    assertThat(ps.getMoreResults()).isFalse();
                    assertThat(ps.getMoreResults()).isTrue();
                    try (java.sql.ResultSet rs = ps.getResultSet()) {
                        rs.next();
                        assertThat(rs.getLong(1)).as("run " + run).isPositive();
                    }
                }
                c.rollback();
            }
        }
    }

    @Test
    void claimsBoundWithSetConfigDoNotReachTheWorkersAndTheShardsShowNothing() throws SQLException {
        try (Connection c = db.loginDataSource().getConnection(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("set local citus.propagate_set_commands = 'local'");
            RequestBinding.bind(c, RequestClaims.user(orgA, userA));
            // The coordinator has the claims ...
            assertThat(SchemaTestSupport.column(c, "select public.auth_org_id()")).containsExactly(orgA.toString());
            // ... the workers' shard queries do not: unbound, their policies match no row. Never B's rows.
            assertThat(SchemaTestSupport.column(c, "select count(*) from public.contacts")).containsExactly("0");
            assertThat(SchemaTestSupport.column(c, "select count(*) from public.contacts where org_id = ?", orgA))
                    .containsExactly("0");
            assertThat(SchemaTestSupport.column(c, "select count(*) from public.contacts where org_id = ?", orgB))
                    .containsExactly("0");
            c.rollback();
        }
    }

    @Test
    void setLocalRoleIsPropagatedTooAndTakesADefinerFunctionsRightsOnTheWorker() throws SQLException {
        try (Connection c = db.loginDataSource().getConnection(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("set local citus.propagate_set_commands = 'local'");
            s.execute("set local role authenticated");
            s.execute("set local \"request.jwt.claims\" = '" + RequestClaims.user(orgA, userA).toJson() + "'");
            assertThatThrownBy(() -> SchemaTestSupport.column(c,
                    "select public.create_notification(?, ?, 'system_alert', 't', 'm')", orgA, userA))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("permission denied for table notifications_");
            c.rollback();
        }
    }

    @Test
    void roleBySetConfigAndClaimsBySetLocalServeReadsDefinerFunctionsAndTheAuditTrail() throws SQLException {
        UUID id;
        try (Connection c = db.loginDataSource().getConnection(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("set local citus.propagate_set_commands = 'local'");
            s.execute("select set_config('role', 'authenticated', true)");
            s.execute("set local \"request.jwt.claims\" = '" + RequestClaims.user(orgA, userA).toJson() + "'");
            assertThat(SchemaTestSupport.column(c, "select count(*) from public.contacts where org_id = ?", orgA))
                    .singleElement().asString().isNotEqualTo("0");
            assertThat(SchemaTestSupport.column(c, "select count(*) from public.contacts where org_id = ?", orgB))
                    .containsExactly("0");
            // The definer function still refuses another clinic: its checks run with the claims.
            assertThatThrownBy(() -> SchemaTestSupport.column(c,
                    "select public.create_notification(?, ?, 'system_alert', 't', 'm')", orgB, userA))
                    .isInstanceOf(SQLException.class).hasMessageContaining("only notify within its own organization");
            c.rollback();
        }
        try (Connection c = db.loginDataSource().getConnection(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("set local citus.propagate_set_commands = 'local'");
            s.execute("select set_config('role', 'authenticated', true)");
            s.execute("set local \"request.jwt.claims\" = '" + RequestClaims.user(orgA, userA).toJson() + "'");
            id = UUID.fromString(SchemaTestSupport.column(c,
                    "select public.create_notification(?, ?, 'system_alert', 'definer', 'm')", orgA, userA).get(0));
            // The caller's own write to the same clinic's shard group, after the definer's, is refused.
            assertThatThrownBy(() -> s.execute("insert into public.contacts (org_id, name) values ('" + orgA + "', 'Mixed')"))
                    .isInstanceOf(SQLException.class)
                    .hasMessageContaining("cannot perform query on placements that were modified in this transaction by a different user");
            c.rollback();
        }
        try (Connection c = db.loginDataSource().getConnection(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("set local citus.propagate_set_commands = 'local'");
            s.execute("select set_config('role', 'authenticated', true)");
            s.execute("set local \"request.jwt.claims\" = '" + RequestClaims.user(orgA, userA).toJson() + "'");
            id = UUID.fromString(SchemaTestSupport.column(c,
                    "select public.create_notification(?, ?, 'system_alert', 'definer', 'm')", orgA, userA).get(0));
            c.commit();
        }
        // The worker's audit row has the acting user from the propagated claims, and the definer as database user.
        assertThat(adminColumn(db, "select table_name || '|' || database_user || '|' || authenticated_user"
                + " from public.audit_logs where org_id = ? and row_data ->> 'id' = ?", orgA, id.toString()))
                .containsExactly("notifications|postgres|" + userA);
    }

    @Test
    void workersRefuseAnApiRoleThatCannotLogInThereSoNothingRunsUnbound() throws SQLException {
        try {
            admin(db, "select run_command_on_workers('set citus.enable_ddl_propagation to off; alter role authenticated nologin')");
            try (Connection c = db.loginDataSource().getConnection(); Statement s = c.createStatement()) {
                c.setAutoCommit(false);
                s.execute("set local citus.propagate_set_commands = 'local'");
                s.execute("set local role authenticated");
                s.execute("set local \"request.jwt.claims\" = '" + RequestClaims.user(orgA, userA).toJson() + "'");
                assertThatThrownBy(() -> SchemaTestSupport.column(c, "select count(*) from public.contacts where org_id = ?", orgA))
                        .isInstanceOf(SQLException.class)
                        .hasMessageContaining("role \"authenticated\" is not permitted to log in");
                c.rollback();
            }
        } finally {
            admin(db, "select run_command_on_workers('set citus.enable_ddl_propagation to off; alter role authenticated login')");
        }
    }

    @Test
    void aSingleClinicReadWithItsOrgIdIsOneTaskOnOneWorker() throws SQLException {
        List<String> plan = adminColumn(db, "explain (costs off) select id, name from public.contacts where org_id = '"
                + orgA + "' order by updated_at desc limit 50");
        assertThat(plan).contains("  Task Count: 1").anySatisfy(line -> assertThat(line).contains("port=" + shardPort(orgA)));
        // Without the org_id in the query, the policy alone does not route: every shard gets a task.
        List<String> policyOnly = adminColumn(db, "explain (costs off) select id from public.contacts where name = 'x'");
        assertThat(policyOnly).contains("  Task Count: 32");
    }

    @Test
    void aWriteOnAWorkerIsAuditedWithTheActingUserAndTheShardsStatement() throws SQLException {
        try (Connection c = db.loginDataSource().getConnection(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("set local citus.propagate_set_commands = 'local'");
            s.execute("set local role authenticated");
            s.execute("set local \"request.jwt.claims\" = '" + RequestClaims.user(orgA, userA).toJson() + "'");
            s.execute("insert into public.contacts (org_id, name) values ('" + orgA + "', 'Audited')");
            c.commit();
        }
        List<String> audit = adminColumn(db, "select table_name || '|' || database_user || '|' || authenticated_user"
                + " || '|' || claims_org_id || '|' || left(statement_text, 35) from public.audit_logs"
                + " where org_id = ? and operation = 'INSERT' and row_data ->> 'name' = 'Audited'", orgA);
        assertThat(audit).singleElement().asString()
                .startsWith("contacts|authenticated|" + userA + "|" + orgA + "|INSERT INTO public.contacts_");
    }

    @Test
    void citusRefusesAnOrgIdChangeBeforeTheImmutabilityTrigger() {
        assertThatThrownBy(() -> admin(db, "update public.contacts set org_id = ? where org_id = ?", orgB, orgA))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("modifying the partition value of rows is not allowed")
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("0A000"));
    }

    /**
     * The notifications' NOTIFY trigger is off on the cluster (ADR 0022): a new notification NOTIFYs on no
     * node, and a change of notifications on two workers in one transaction (expiry across clinics), which
     * Citus commits with PREPARE TRANSACTION, commits; PostgreSQL refuses to prepare a transaction that
     * notified (0A000).
     */
    @Test
    void noNodeNotifiesAndAChangeOfNotificationsOnTwoWorkersCommits() throws Exception {
        List<Integer> ports = new ArrayList<>();
        ports.add(db.server().port());
        for (String port : adminColumn(db, "select nodeport from pg_dist_node where groupid <> 0 order by nodeport")) {
            ports.add(Integer.parseInt(port));
        }
        UUID elsewhere = orgB;
        while (shardPort(elsewhere) == shardPort(orgA)) {
            elsewhere = organization(db, "Clinic elsewhere " + UUID.randomUUID());
        }
        UUID userElsewhere = user(db, elsewhere);
        List<Connection> listeners = new ArrayList<>();
        try {
            for (int port : ports) {
                PGSimpleDataSource ds = new PGSimpleDataSource();
                ds.setServerNames(new String[] {db.server().host()});
                ds.setPortNumbers(new int[] {port});
                ds.setDatabaseName(db.name());
                ds.setUser("postgres");
                Connection listener = ds.getConnection();
                try (Statement s = listener.createStatement()) {
                    s.execute("listen voxanne_notifications");
                }
                listeners.add(listener);
            }
            String mine = adminColumn(db, "select public.create_notification(?, ?, 'system_alert', 't', 'm')", orgA, userA).get(0);
            String theirs = adminColumn(db, "select public.create_notification(?, ?, 'system_alert', 't', 'm')",
                    elsewhere, userElsewhere).get(0);
            for (int i = 0; i < ports.size(); i++) {
                PGNotification[] received = listeners.get(i).unwrap(PGConnection.class).getNotifications(500);
                assertThat(received == null ? new PGNotification[0] : received).as("NOTIFYs on port " + ports.get(i)).isEmpty();
            }
            admin(db, "update public.notifications set expires_at = now() - interval '1 day' where org_id = ? and id = ?::uuid",
                    orgA, mine);
            admin(db, "update public.notifications set expires_at = now() - interval '1 day' where org_id = ? and id = ?::uuid",
                    elsewhere, theirs);
            assertThat(adminColumn(db, "select public.expire_old_notifications()")).as("expired on both workers").containsExactly("2");
            assertThat(adminColumn(db, "select status::text from public.notifications where id in (?::uuid, ?::uuid)", mine, theirs))
                    .containsExactly("archived", "archived");
        } finally {
            for (Connection listener : listeners) {
                listener.close();
            }
        }
    }

    /**
     * create_notification with a caller's id on the keys of the cluster (step 9 of distribute): the id
     * is unique per organization, a retry returns the first notification, another user's notification
     * of the same organization with the id is refused as a collision, and another organization's id
     * makes that organization's own.
     */
    @Test
    void aNotificationWithACallersIdIsCreatedOnceAndItsIdIsUniquePerOrganization() throws SQLException {
        String create = "select public.create_notification(p_org_id => ?, p_user_id => ?, p_type => 'system_alert',"
                + " p_title => 't', p_message => 'm', p_id => ?::uuid)";
        String id = UUID.randomUUID().toString();
        assertThat(adminColumn(db, create, orgA, userA, id)).containsExactly(id);
        assertThat(adminColumn(db, create, orgA, userA, id)).as("the retry").containsExactly(id);
        UUID colleague = user(db, orgA);
        assertThatThrownBy(() -> adminColumn(db, create, orgA, colleague, id)).isInstanceOf(SQLException.class)
                .satisfies(e -> assertThat(((SQLException) e).getSQLState()).isEqualTo("23505"))
                .hasMessageContaining("notifications_pkey");
        assertThat(adminColumn(db, create, orgB, user(db, orgB), id)).as("another organization's own").containsExactly(id);
        assertThat(adminColumn(db, "select org_id::text from public.notifications where id = ?::uuid order by 1", id))
                .containsExactlyInAnyOrder(orgA.toString(), orgB.toString());
    }

    /** The attack: a NOTIFY trigger enabled again (a migration's CREATE OR REPLACE TRIGGER) fails verify; distribute fixes it. */
    @Test
    void aNotifyTriggerEnabledAgainFailsVerifyAndDistributeDisablesIt() throws Exception {
        List<String> disabled = adminColumn(db, "select tgname from pg_trigger where tgrelid = 'public.notifications'::regclass"
                + " and tgfoid = 'public.notifications_notify()'::regprocedure and tgenabled = 'D' order by 1");
        assertThat(disabled).as("disabled by distribute").hasSize(2);
        admin(db, "alter table public.notifications enable trigger " + disabled.get(0));
        try {
            VerifyReport.Check settings = CitusSupport.schema(db).verify().check(VerifyCheck.DISTRIBUTION_SETTINGS).orElseThrow();
            assertThat(settings.status()).isEqualTo(VerifyReport.Status.FAIL);
            assertThat(settings.reason()).contains("alter table public.notifications disable trigger " + disabled.get(0));
        } finally {
            CitusSupport.schema(db).distribute();
        }
        assertThat(CitusSupport.schema(db).verify().check(VerifyCheck.DISTRIBUTION_SETTINGS).orElseThrow().status())
                .isEqualTo(VerifyReport.Status.PASS);
        assertThat(adminColumn(db, "select count(*) from pg_trigger where tgrelid = 'public.notifications'::regclass"
                + " and tgfoid = 'public.notifications_notify()'::regprocedure and tgenabled <> 'D'")).containsExactly("0");
    }

    /**
     * Fact 12: create_notification called from a query routed to the clinic's worker runs there, in the
     * caller's own transaction, so the caller's write to the same clinic after it is not refused (25001;
     * called on the coordinator it still is: the test before). The service's call on the worker passes the caller check by
     * its session; an authenticated one with the service's claims does not. Removing either of distribute's
     * changes fails verify, and distribute restores it.
     */
    @Test
    void createNotificationRunsOnTheClinicsWorkerBesideTheCallersWrites() throws Exception {
        String routed = "select public.create_notification(?, ?, 'system_alert', 'routed', 'm')"
                + " from (select count(*) from public.organizations where id = ?) o";
        try (Connection c = db.loginDataSource().getConnection(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("select set_config('role', 'authenticated', true)");
            s.execute("set local \"request.jwt.claims\" = '" + RequestClaims.user(orgA, userA).toJson() + "'");
            String id = SchemaTestSupport.column(c, routed, orgA, userA, orgA).get(0);
            s.execute("insert into public.contacts (org_id, name) values ('" + orgA + "', 'After the routed call')");
            assertThat(SchemaTestSupport.column(c, "select count(*) from public.notifications where org_id = ? and id = ?::uuid",
                    orgA, id)).containsExactly("1");
            c.rollback();
        }
        try (Connection c = db.loginDataSource().getConnection(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            s.execute("select set_config('role', 'authenticated', true)");
            s.execute("set local \"request.jwt.claims\" = '" + RequestClaims.service().toJson() + "'");
            assertThatThrownBy(() -> SchemaTestSupport.column(c, routed, orgA, userA, orgA)).isInstanceOf(SQLException.class)
                    .hasMessageContaining("not authenticated");
            c.rollback();
            s.execute("select set_config('role', 'service_role', true)");
            s.execute("set local \"request.jwt.claims\" = '" + RequestClaims.service().toJson() + "'");
            assertThat(SchemaTestSupport.column(c, routed, orgA, userA, orgA)).hasSize(1);
            c.rollback();
        }
        String function = "public.create_notification(uuid, uuid, public.notification_type, text, text, uuid, text,"
                + " public.notification_priority, text, jsonb, timestamptz, uuid)";
        admin(db, "alter function " + function + " reset citus.allow_nested_distributed_execution");
        try {
            VerifyReport.Check settings = CitusSupport.schema(db).verify().check(VerifyCheck.DISTRIBUTION_SETTINGS).orElseThrow();
            assertThat(settings.status()).isEqualTo(VerifyReport.Status.FAIL);
            assertThat(settings.reason()).contains("create_notification is not set up for Citus")
                    .contains("set citus.allow_nested_distributed_execution = on");
        } finally {
            CitusSupport.schema(db).distribute();
        }
        assertThat(CitusSupport.schema(db).verify().check(VerifyCheck.DISTRIBUTION_SETTINGS).orElseThrow().status())
                .isEqualTo(VerifyReport.Status.PASS);
        // the body as V15 wrote it (a migration replacing the function) fails verify too, until distribute runs
        admin(db, "do $$ begin execute replace(pg_get_functiondef('" + function + "'::regprocedure),"
                + " '  if not (public.is_service_role_caller()' || chr(10) || '          or (coalesce(pg_catalog.current_setting(''role'', true),"
                + " ''none'') = ''none'' and session_user = ''service_role'')) then', '  if not public.is_service_role_caller() then'); end $$");
        assertThat(adminColumn(db, "select strpos(prosrc, 'session_user') from pg_proc where oid = '" + function + "'::regprocedure"))
                .as("V15's check back").containsExactly("0");
        try {
            VerifyReport.Check settings = CitusSupport.schema(db).verify().check(VerifyCheck.DISTRIBUTION_SETTINGS).orElseThrow();
            assertThat(settings.status()).isEqualTo(VerifyReport.Status.FAIL);
            assertThat(settings.reason()).contains("does not accept the service's session on a worker");
        } finally {
            CitusSupport.schema(db).distribute();
        }
        assertThat(CitusSupport.schema(db).verify().check(VerifyCheck.DISTRIBUTION_SETTINGS).orElseThrow().status())
                .isEqualTo(VerifyReport.Status.PASS);
        assertThat(adminColumn(db, "select count(*) from pg_dist_object where objid = '" + function + "'::regprocedure"
                + " and distribution_argument_index is not null")).as("no distribution argument (ADR 0023)").containsExactly("0");
    }

    /**
     * Attack on the cluster itself: a function distributed with a distribution argument lets any role end
     * the coordinator's server process (ADR 0023), so verify fails it, names it, and gives the fix; the
     * fix makes it pass again. The crashing query itself is not sent.
     */
    @Test
    void aFunctionWithADistributionArgumentFailsVerifyUntilTheGivenFixIsRun() throws SQLException {
        admin(db, "create function public.test_routed(p_org uuid) returns integer language sql as 'select 1'");
        try {
            admin(db, "select create_distributed_function('public.test_routed(uuid)', 'p_org', colocate_with => 'contacts')");
            VerifyReport.Check settings = CitusSupport.schema(db).verify().check(VerifyCheck.DISTRIBUTION_SETTINGS).orElseThrow();
            assertThat(settings.status()).isEqualTo(VerifyReport.Status.FAIL);
            assertThat(settings.reason()).contains("test_routed(uuid)", "distribution argument");
            Matcher fix = Pattern.compile("select create_distributed_function\\('[^']+'\\)")
                    .matcher(settings.reason());
            assertThat(fix.find()).isTrue();
            admin(db, fix.group());
            assertThat(CitusSupport.schema(db).verify().check(VerifyCheck.DISTRIBUTION_SETTINGS).orElseThrow().status())
                    .isEqualTo(VerifyReport.Status.PASS);
        } finally {
            admin(db, "drop function public.test_routed(uuid)");
        }
    }

    private static int shardPort(UUID org) throws SQLException {
        return Integer.parseInt(adminColumn(db, "select nodeport from citus_shards where table_name = 'public.contacts'::regclass"
                + " and shardid = get_shard_id_for_distribution_column('public.contacts', ?::uuid)", org.toString()).get(0));
    }
}
