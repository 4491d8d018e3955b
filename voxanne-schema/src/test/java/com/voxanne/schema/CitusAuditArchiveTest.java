package com.voxanne.schema;

import static com.voxanne.schema.SchemaTestSupport.admin;
import static com.voxanne.schema.SchemaTestSupport.adminColumn;
import static com.voxanne.schema.SchemaTestSupport.organization;
import static com.voxanne.schema.SchemaTestSupport.user;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.schema.session.RequestBinding;
import com.voxanne.schema.session.RequestClaims;
import com.voxanne.testkit.postgres.TestDatabase;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import org.assertj.core.api.AbstractThrowableAssert;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * The audit archive on a distributed database (ADR 0024): {@code archive_old_audit_logs} as distribute's
 * step 11 rewrites it deletes the old rows of clinics on two workers, keeps the recent ones, records one
 * event per clinic in that clinic's trail, and leaves the flag off on the workers when it returns; API
 * sessions that set the flag themselves are refused; the function as V14 wrote it fails there and fails
 * verify, naming the fix; a second distribute changes nothing. Runs only with VOXANNE_TEST_BACKEND=citus.
 */
@EnabledIf(value = "com.voxanne.schema.CitusSupport#onCitus", disabledReason = "needs the Citus backend (VOXANNE_TEST_BACKEND=citus)")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CitusAuditArchiveTest {

    private static final String ARCHIVE = "public.archive_old_audit_logs(integer, bigint)";

    private static TestDatabase db;
    private static DistributionResult first;

    @BeforeAll
    static void distribute() throws Exception {
        db = SchemaTestSupport.migratedDatabase();
        first = CitusSupport.schema(db).distribute();
        CitusSupport.configureWorkers(db, first);
    }

    @AfterAll
    static void drop() {
        if (db != null) {
            db.close();
        }
    }

    private static AbstractThrowableAssert<?, ? extends Throwable> assertRefused(ThrowingCallable call, String sqlState) {
        return assertThatThrownBy(call).isInstanceOf(SQLException.class).hasFieldOrPropertyWithValue("SQLState", sqlState);
    }

    /** Two new clinics whose shards are on different workers. */
    private static UUID[] clinicsOnTwoWorkers() throws SQLException {
        UUID a = organization(db, "Archived clinic A");
        for (int i = 0; i < 50; i++) {
            UUID b = organization(db, "Archived clinic B" + i);
            if (shardPort(a) != shardPort(b)) {
                return new UUID[] {a, b};
            }
        }
        throw new AssertionError("no two clinics on different workers in 50 tries");
    }

    private static int shardPort(UUID org) throws SQLException {
        return Integer.parseInt(adminColumn(db, "select nodeport from citus_shards where table_name = 'public.audit_logs'::regclass"
                + " and shardid = get_shard_id_for_distribution_column('public.audit_logs', ?::uuid)", org.toString()).get(0));
    }

    /** {@code count} audit rows of {@code org} (table contacts), {@code daysAgo} days old; as the owner (inserting is not refused). */
    private static void rows(UUID org, int count, int daysAgo) throws SQLException {
        admin(db, "insert into public.audit_logs (event_type, operation, table_name, org_id, row_data, event_time)"
                + " select 'WRITE', 'INSERT', 'contacts', ?::uuid, jsonb_build_object('n', g),"
                + " now() - make_interval(days => ?) + g * interval '1 second' from generate_series(1, ?) g", org, daysAgo, count);
    }

    private static String count(UUID org, String condition) throws SQLException {
        return adminColumn(db, "select count(*) from public.audit_logs where org_id = ? and " + condition, org).get(0);
    }

    /** The highest id of the rows older than {@code days}: what an export of them reached. */
    private static long exportedThrough(int days) throws SQLException {
        return Long.parseLong(adminColumn(db, "select coalesce(max(id), 0) from public.audit_logs"
                + " where event_time < now() - make_interval(days => ?)", days).get(0));
    }

    /** A transaction of the login role bound as {@code claims} in the distributed form, as the DAO's units are. */
    private static <T> T as(RequestClaims claims, SchemaTestSupport.SqlWork<T> work) throws SQLException {
        return SchemaTestSupport.as(db, claims, RequestBinding.Placement.DISTRIBUTED, work);
    }

    /** A query's first column as text, in a transaction of the service bound as the DAO binds it. */
    private static List<String> asService(String sql, Object... params) throws SQLException {
        return as(RequestClaims.service(), c -> SchemaTestSupport.column(c, sql, params));
    }

    @Test
    @Order(1)
    void oldRowsOfTwoClinicsOnTwoWorkersAreArchivedAndEachClinicsTrailRecordsIt() throws SQLException {
        UUID[] clinics = clinicsOnTwoWorkers();
        UUID a = clinics[0];
        UUID b = clinics[1];
        rows(a, 30, 100);
        rows(a, 3, 5);
        rows(b, 20, 200);
        rows(b, 2, 1);
        long through = exportedThrough(30);
        String allOld = adminColumn(db, "select count(*) from public.audit_logs where event_time < now() - interval '30 days'").get(0);

        String deleted = as(RequestClaims.service(), c -> SchemaTestSupport.column(c,
                "select public.archive_old_audit_logs(30, ?)::text", through).get(0));

        assertThat(deleted).isEqualTo(allOld);
        assertThat(count(a, "event_time < now() - interval '30 days'")).isEqualTo("0");
        assertThat(count(b, "event_time < now() - interval '30 days'")).isEqualTo("0");
        assertThat(count(a, "table_name = 'contacts'")).as("recent rows stay").isEqualTo("3");
        assertThat(count(b, "table_name = 'contacts'")).as("recent rows stay").isEqualTo("2");
        // one event per clinic, with its own count and the run's parameters, by the service
        for (Object[] expected : new Object[][] {{a, 30}, {b, 20}}) {
            assertThat(adminColumn(db, "select concat_ws(' ', event_type, operation, table_name, database_user,"
                    + " row_data ->> 'deleted', row_data ->> 'retention_days', row_data ->> 'exported_through_id',"
                    + " (row_data ->> 'cutoff') is not null) from public.audit_logs where org_id = ? and event_type = 'MAINTENANCE'",
                    expected[0])).containsExactly("MAINTENANCE ARCHIVE audit_logs service_role " + expected[1] + " 30 " + through + " t");
        }
        // the clinic's own trail, as the service reads it, shows its archive
        assertThat(asService("select operation || ' ' || (row_data ->> 'deleted')"
                + " from public.get_org_audit_logs(?, null, null) where event_type = 'MAINTENANCE'", a))
                .containsExactly("ARCHIVE 30");

        // a run with nothing old records nothing: no organization to attribute it to
        String events = adminColumn(db, "select count(*) from public.audit_logs where event_type = 'MAINTENANCE'").get(0);
        assertThat(asService("select public.archive_old_audit_logs(30, ?)::text", exportedThrough(30))).containsExactly("0");
        assertThat(adminColumn(db, "select count(*) from public.audit_logs where event_type = 'MAINTENANCE'")).containsExactly(events);
    }

    /**
     * A call that is a statement of its own (auto-commit, outside a transaction block): Citus propagates a SET
     * LOCAL only inside what it takes for a multi-statement transaction, which the function's DO block is.
     */
    @Test
    @Order(2)
    void aCallThatIsAStatementOfItsOwnArchivesToo() throws SQLException {
        UUID org = organization(db, "Auto-commit clinic");
        rows(org, 7, 100);
        rows(org, 1, 1);
        assertThat(shardPort(org)).isNotEqualTo(db.server().port());
        try (Connection c = db.adminDataSource().getConnection()) {
            assertThat(c.getAutoCommit()).isTrue();
            // the owner, a superuser with no role set, passes the service check
            assertThat(SchemaTestSupport.column(c, "select public.archive_old_audit_logs(30, ?)::text", exportedThrough(30)))
                    .containsExactly("7");
        }
        assertThat(count(org, "table_name = 'contacts'")).isEqualTo("1");
        assertThat(count(org, "event_type = 'MAINTENANCE' and row_data ->> 'deleted' = '7'")).isEqualTo("1");
    }

    /**
     * The flag reaches the workers only for the archive's delete: in the same transaction, right after the
     * call, the owner's own delete (which privileges allow, so only the trigger stands in the way) is refused
     * on the worker holding the clinic's shard.
     */
    @Test
    @Order(3)
    void theFlagIsOffOnTheWorkersWhenTheArchiveReturns() throws SQLException {
        UUID org = organization(db, "Flag clinic");
        rows(org, 5, 100);
        rows(org, 4, 1);
        assertThat(shardPort(org)).isNotEqualTo(db.server().port());
        try (Connection c = db.adminDataSource().getConnection(); Statement s = c.createStatement()) {
            c.setAutoCommit(false);
            // the owner, a superuser with no role set, passes the service check
            assertThat(SchemaTestSupport.column(c, "select public.archive_old_audit_logs(30, ?)::text", exportedThrough(30)))
                    .singleElement().satisfies(n -> assertThat(Long.parseLong(n)).isGreaterThanOrEqualTo(5));
            assertThat(SchemaTestSupport.column(c, "select current_setting('voxanne.audit_archive', true)"
                    + " from public.audit_logs where org_id = ? limit 1", org)).as("read on the clinic's worker").containsExactly("off");
            assertRefused(() -> s.execute("delete from public.audit_logs where org_id = '" + org + "'"), "42501")
                    .hasMessageContaining("append-only: DELETE refused");
            c.rollback();
        }
        assertThat(count(org, "table_name = 'contacts'")).isEqualTo("9");
    }

    /** Control for the attacks: the owner's delete without the flag is refused by the trigger on the worker. */
    @Test
    @Order(4)
    void theWorkersAppendOnlyTriggerRefusesADeleteWithoutTheFlag() throws SQLException {
        UUID org = organization(db, "Guarded clinic");
        rows(org, 3, 100);
        assertRefused(() -> admin(db, "delete from public.audit_logs where org_id = ?", org), "42501")
                .hasMessageContaining("append-only: DELETE refused").hasMessageContaining("while executing command on");
        assertThat(count(org, "table_name = 'contacts'")).isEqualTo("3");
    }

    /**
     * The attacks: an API session sets the flag itself by SET LOCAL (which the cluster propagates) and deletes,
     * or calls the archive; authenticated and service_role alike hold no DELETE on audit_logs, and only the
     * service may archive.
     */
    @Test
    @Order(5)
    void aSessionSettingTheFlagItselfCannotDeleteAndOnlyTheServiceArchives() throws SQLException {
        UUID org = organization(db, "Attacked clinic");
        UUID alice = user(db, org);
        rows(org, 6, 100);
        long through = exportedThrough(30);
        for (RequestClaims claims : List.of(RequestClaims.user(org, alice), RequestClaims.service())) {
            assertRefused(() -> as(claims, c -> {
                try (Statement s = c.createStatement()) {
                    s.execute("set local voxanne.audit_archive = 'on'");
                    return s.executeUpdate("delete from public.audit_logs where org_id = '" + org + "'");
                }
            }), "42501").as(claims.toString()).hasMessageContaining("permission denied for table audit_logs");
        }
        assertRefused(() -> as(RequestClaims.user(org, alice), c -> {
            try (Statement s = c.createStatement()) {
                s.execute("set local voxanne.audit_archive = 'on'");
            }
            return SchemaTestSupport.column(c, "select public.archive_old_audit_logs(1, ?)", through);
        }), "42501").hasMessageContaining("permission denied for function archive_old_audit_logs");
        // the service's claims in an authenticated session are not the service
        assertRefused(() -> {
            try (Connection c = db.loginDataSource().getConnection(); Statement s = c.createStatement()) {
                c.setAutoCommit(false);
                s.execute("select set_config('role', 'authenticated', true)");
                s.execute("set local \"request.jwt.claims\" = '" + RequestClaims.service().toJson() + "'");
                s.execute("set local voxanne.audit_archive = 'on'");
                s.execute("select public.archive_old_audit_logs(1, " + through + ")");
            }
        }, "42501");
        assertThat(count(org, "table_name = 'contacts'")).isEqualTo("6");
    }

    @Test
    @Order(6)
    void aSecondDistributeChangesNothing() throws SQLException {
        String definition = "select pg_get_functiondef('" + ARCHIVE + "'::regprocedure) || array_to_string(proconfig, ',')"
                + " from pg_proc where oid = '" + ARCHIVE + "'::regprocedure";
        List<String> before = adminColumn(db, definition);
        assertThat(before.get(0)).contains("set local voxanne.audit_archive = 'on'").doesNotContain("set_config('voxanne.audit_archive'")
                .contains("plan_cache_mode=force_custom_plan");
        DistributionResult second = CitusSupport.schema(db).distribute();
        assertThat(second.changed()).as(second.toString()).isFalse();
        assertThat(adminColumn(db, definition)).isEqualTo(before);
        // the workers have the same function (a distributed object)
        assertThat(adminColumn(db, "select distinct result from run_command_on_workers($$select strpos(prosrc,"
                + " 'set local voxanne.audit_archive') > 0 from pg_proc where oid = '" + ARCHIVE + "'::regprocedure$$)"))
                .containsExactly("t");
    }

    /**
     * The function as V14 wrote it (a migration replacing it, or a database distributed before step 11): the
     * archive fails on the workers and verify's DISTRIBUTION_SETTINGS FAILs naming what is wrong and the fix;
     * distribute rewrites it, and the archive works again.
     */
    @Test
    @Order(7)
    void theFunctionAsV14WroteItFailsVerifyNamingTheFixAndDistributeRewritesIt() throws Exception {
        admin(db, v14Definition());
        assertThat(adminColumn(db, "select strpos(prosrc, 'set_config(''voxanne.audit_archive'', ''on'', true)') > 0"
                + " from pg_proc where oid = '" + ARCHIVE + "'::regprocedure")).as("V14's body back").containsExactly("t");
        UUID org = organization(db, "Unprepared clinic");
        rows(org, 4, 100);
        assertRefused(() -> as(RequestClaims.service(), c -> SchemaTestSupport.column(c,
                "select public.archive_old_audit_logs(30, ?)", exportedThrough(30))), "42501")
                .as("the workers' trigger does not see set_config's flag").hasMessageContaining("append-only: DELETE refused");

        VerifyReport.Check settings = CitusSupport.schema(db).verify().check(VerifyCheck.DISTRIBUTION_SETTINGS).orElseThrow();
        assertThat(settings.status()).isEqualTo(VerifyReport.Status.FAIL);
        assertThat(settings.reason()).contains("archive_old_audit_logs is not set up for Citus")
                .contains("its body is not the distributed form")
                .contains("alter function " + ARCHIVE + " set plan_cache_mode = force_custom_plan")
                .contains("Fix: voxanne distribute");

        CitusSupport.schema(db).distribute();
        assertThat(CitusSupport.schema(db).verify().check(VerifyCheck.DISTRIBUTION_SETTINGS).orElseThrow().status())
                .isEqualTo(VerifyReport.Status.PASS);
        String allOld = adminColumn(db, "select count(*) from public.audit_logs where event_time < now() - interval '30 days'").get(0);
        assertThat(asService("select public.archive_old_audit_logs(30, ?)::text", exportedThrough(30))).containsExactly(allOld);
        assertThat(count(org, "table_name = 'contacts'")).isEqualTo("0");
        assertThat(count(org, "event_type = 'MAINTENANCE' and row_data ->> 'deleted' = '4'")).isEqualTo("1");
    }

    /**
     * An audit event without an organization has no shard there (org_id is audit_logs' distribution value):
     * log_audit_event refuses it in its own words, naming the parameter and the rule, and writes nothing; an
     * event of a clinic is recorded. With V14's body back, verify FAILs naming the fix, and distribute adds
     * the refusal again.
     */
    @Test
    @Order(8)
    void anAuditEventWithoutAnOrganizationIsRefusedByTheFunctionItself() throws Exception {
        UUID org = organization(db, "Clinic with an event");
        String events = "select count(*) from public.audit_logs where event_type = 'ACCESS_DENIED'";
        String before = adminColumn(db, events).get(0);
        assertRefused(() -> asService("select public.log_audit_event(null::uuid, 'access_denied', 'select', 'contacts')"),
                "22004").hasMessageContaining("voxanne log_audit_event: p_org_id is required on a distributed database");
        assertThat(adminColumn(db, events)).as("nothing written").containsExactly(before);
        assertThat(asService("select (public.log_audit_event(?, 'access_denied', 'select', 'contacts') is not null)::text", org))
                .as("control: a clinic's event").containsExactly("true");
        assertThat(count(org, "event_type = 'ACCESS_DENIED'")).isEqualTo("1");

        admin(db, v14Definition("log_audit_event"));
        VerifyReport.Check settings = CitusSupport.schema(db).verify().check(VerifyCheck.DISTRIBUTION_SETTINGS).orElseThrow();
        assertThat(settings.status()).isEqualTo(VerifyReport.Status.FAIL);
        assertThat(settings.reason()).contains("log_audit_event is not set up for Citus").contains("Fix: voxanne distribute");
        CitusSupport.schema(db).distribute();
        assertThat(CitusSupport.schema(db).verify().check(VerifyCheck.DISTRIBUTION_SETTINGS).orElseThrow().status())
                .isEqualTo(VerifyReport.Status.PASS);
        assertRefused(() -> asService("select public.log_audit_event(null::uuid, 'access_denied', 'select', 'contacts')"),
                "22004");
    }

    /** V14's {@code create or replace function public.archive_old_audit_logs}, from the migration itself. */
    private static String v14Definition() throws IOException {
        return v14Definition("archive_old_audit_logs");
    }

    /** V14's {@code create or replace function public.<name>}, from the migration itself. */
    private static String v14Definition(String name) throws IOException {
        try (InputStream in = CitusAuditArchiveTest.class.getClassLoader()
                .getResourceAsStream("db/voxanne/migration/V14__security_hardening.sql")) {
            String sql = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int start = sql.indexOf("create or replace function public." + name + "(");
            int end = sql.indexOf("$$;", sql.indexOf("as $$", start) + 5) + 3;
            return sql.substring(start, end);
        }
    }
}
