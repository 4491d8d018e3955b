package com.voxanne.schema;

import static com.voxanne.schema.SchemaTestSupport.admin;
import static com.voxanne.schema.SchemaTestSupport.adminColumn;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.schema.VerifyReport.Check;
import com.voxanne.schema.VerifyReport.Status;
import com.voxanne.schema.session.AuthUsers;
import com.voxanne.schema.session.RequestBinding;
import com.voxanne.schema.session.RequestBinding.Placement;
import com.voxanne.schema.session.RequestClaims;
import com.voxanne.schema.session.RoleTimeouts;
import com.voxanne.testkit.postgres.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code verify}'s probes on a distributed database, where they bind in the distributed form
 * (docs/adr/0018-binding-on-a-distributed-database.md), commit their seed apart from their checks and
 * remove it afterwards (docs/citus.md, fact 24: a transaction that writes as the verifying role and then
 * reads as a user is refused there, fact 12), and search through {@code search_contact_ids} in the form
 * Citus plans (docs/adr/0019-verify-probes-and-contact-search-on-citus.md). Every item passes; each isolation broken on
 * purpose fails its probe; nothing the probes wrote is left, whether they passed or failed. Runs only
 * with VOXANNE_TEST_BACKEND=citus.
 */
@EnabledIf(value = "com.voxanne.schema.CitusSupport#onCitus", disabledReason = "needs the Citus backend (VOXANNE_TEST_BACKEND=citus)")
class CitusVerifyProbesTest {

    /** A search function without its organization filter, in a form Citus plans (PL/pgSQL, custom plans). */
    private static final String LEAKY_SEARCH = """
            create or replace function public.search_contact_ids(p_text text) returns setof uuid
              language plpgsql stable security definer set search_path = pg_catalog, pg_temp as $$
            begin
              return query select c.id from public.contacts c where c.name ilike '%' || p_text || '%';
            end $$""";

    private static TestDatabase db;
    private static String searchFunctionDefinition;

    @BeforeAll
    static void distribute() throws Exception {
        db = SchemaTestSupport.migratedDatabase();
        CitusSupport.configureWorkers(db, CitusSupport.schema(db).distribute());
        searchFunctionDefinition = adminColumn(db,
                "select pg_get_functiondef('public.search_contact_ids(text)'::regprocedure)").get(0);
    }

    @AfterAll
    static void close() {
        db.close();
    }

    private static Check item(VerifyReport report, VerifyCheck id) {
        return report.check(id).orElseThrow(() -> new AssertionError("no check " + id + " in\n" + report));
    }

    /** What the probes could leave behind: rows of every table they write, counted as the admin (past RLS). */
    private static List<String> footprint() throws SQLException {
        return adminColumn(db, "select format('%s organizations, %s users, %s contacts, %s notifications, %s audit rows',"
                + " (select count(*) from public.organizations), (select count(*) from auth.users),"
                + " (select count(*) from public.contacts), (select count(*) from public.notifications),"
                + " (select count(*) from public.audit_logs))");
    }

    @Test
    void verifyOnADistributedDatabaseHasNoFailAndLeavesNothingBehind() throws SQLException {
        // a clinic of the operator's own, so that "nothing left" is not "nothing there"
        UUID clinic = SchemaTestSupport.organization(db, "a clinic");
        SchemaTestSupport.user(db, clinic);
        List<String> before = footprint();
        VerifyReport report = CitusSupport.schema(db).verify();
        assertThat(report.checks()).as(report.toString()).noneMatch(check -> check.status() == Status.FAIL);
        for (VerifyCheck probe : List.of(VerifyCheck.ORG_ID_IMMUTABLE_PROBE, VerifyCheck.ORG_ISOLATION_PROBE,
                VerifyCheck.USER_NOTIFICATIONS_PROBE, VerifyCheck.SEARCH_ISOLATION_PROBE, VerifyCheck.AUDIT_FUNCTIONS_PROBE)) {
            assertThat(item(report, probe).status()).as(probe.name()).isEqualTo(Status.PASS);
        }
        assertThat(footprint()).isEqualTo(before);
        assertThat(adminColumn(db, "select count(*) from public.organizations where name like 'verify probe %'")).containsExactly("0");
        assertThat(adminColumn(db, "select count(*) from auth.users where email like '%@verify.invalid'")).containsExactly("0");
    }

    /**
     * Each setting distribute gives search_contact_ids, removed: DISTRIBUTION_SETTINGS FAILs naming the fix;
     * without the plan mode the search probe FAILs too (0A000). A second distribute restores both.
     */
    @Test
    void theSearchFunctionsSettingsAreCheckedAndRestoredByDistribute() throws SQLException {
        admin(db, "alter function public.search_contact_ids(text) reset citus.allow_nested_distributed_execution");
        VerifyReport nested = CitusSupport.schema(db).verify();
        assertThat(item(nested, VerifyCheck.DISTRIBUTION_SETTINGS).status()).isEqualTo(Status.FAIL);
        assertThat(item(nested, VerifyCheck.DISTRIBUTION_SETTINGS).reason())
                .contains("set citus.allow_nested_distributed_execution = on").doesNotContain("plan_cache_mode");

        admin(db, "alter function public.search_contact_ids(text) set plan_cache_mode = force_generic_plan");
        VerifyReport generic = CitusSupport.schema(db).verify();
        assertThat(item(generic, VerifyCheck.DISTRIBUTION_SETTINGS).reason()).contains("set plan_cache_mode = force_custom_plan");
        assertThat(item(generic, VerifyCheck.SEARCH_ISOLATION_PROBE).status()).isEqualTo(Status.FAIL);
        assertThat(item(generic, VerifyCheck.SEARCH_ISOLATION_PROBE).reason()).contains("0A000");

        CitusSupport.schema(db).distribute();
        VerifyReport again = CitusSupport.schema(db).verify();
        assertThat(item(again, VerifyCheck.DISTRIBUTION_SETTINGS).status()).isEqualTo(Status.PASS);
        assertThat(item(again, VerifyCheck.SEARCH_ISOLATION_PROBE).status()).isEqualTo(Status.PASS);
    }

    static Stream<Arguments> breakages() {
        return Stream.of(
                Arguments.of("create policy contacts_peek on public.contacts for select to authenticated using (true)",
                        "drop policy contacts_peek on public.contacts", VerifyCheck.ORG_ISOLATION_PROBE, "org B"),
                // the plain form: Citus refuses a subquery in a policy of a distributed table
                Arguments.of("create policy contacts_smuggle on public.contacts for insert to authenticated with check (true)",
                        "drop policy contacts_smuggle on public.contacts", VerifyCheck.ORG_ISOLATION_PROBE, "inserted a contact into org B"),
                Arguments.of("create policy notifications_peek on public.notifications for select to authenticated"
                        + " using (org_id = public.auth_org_id())",
                        "drop policy notifications_peek on public.notifications", VerifyCheck.USER_NOTIFICATIONS_PROBE, "colleague"),
                // a probe that errors out (42501) FAILs too, and its seed is removed all the same
                Arguments.of("revoke select on public.notifications from authenticated",
                        "grant select on public.notifications to authenticated", VerifyCheck.USER_NOTIFICATIONS_PROBE, "42501"),
                Arguments.of(LEAKY_SEARCH, null, VerifyCheck.SEARCH_ISOLATION_PROBE, "probe B"));
    }

    /**
     * An isolation broken on purpose on the distributed database FAILs its probe, with the committed seed
     * as with the seed of one transaction on a single server; the seed is gone afterwards all the same.
     * Undone after each case (the search function by running the migrations' definition again).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("breakages")
    void anIsolationBrokenOnPurposeFailsItsProbe(String breakage, String undo, VerifyCheck probe, String reasonMentions)
            throws Exception {
        List<String> before = footprint();
        admin(db, breakage);
        try {
            VerifyReport report = CitusSupport.schema(db).verify();
            Check check = item(report, probe);
            assertThat(check.status()).as(report.toString()).isEqualTo(Status.FAIL);
            assertThat(check.reason()).contains(reasonMentions);
            assertThat(footprint()).isEqualTo(before);
        } finally {
            if (undo != null) {
                admin(db, undo);
            } else {
                restoreSearchFunction();
            }
        }
        assertThat(item(CitusSupport.schema(db).verify(), probe).status()).isEqualTo(Status.PASS);
    }

    @Test
    void thisDatabaseIsFoundDistributed() throws SQLException {
        try (Connection c = db.loginDataSource().getConnection()) {
            assertThat(RequestBinding.placementOf(c)).isEqualTo(Placement.DISTRIBUTED);
        }
    }

    /**
     * 25001 is fact 12, not the binding: a write as the verifying role, then a read as a user in the same
     * transaction. The control: the same binding and read in a transaction of their own see A's row only.
     */
    @Test
    void aReadAsAUserAfterAWriteAsAnotherRoleInOneTransactionIsRefused() throws SQLException {
        UUID orgA = UUID.randomUUID();
        UUID orgB = UUID.randomUUID();
        UUID userA = UUID.randomUUID();
        RequestClaims ann = RequestClaims.user(orgA, userA);
        try (Connection c = db.adminDataSource().getConnection()) {
            execute(c, "insert into public.organizations (id, name) values (?, 'A'), (?, 'B')", orgA, orgB);
            AuthUsers.create(c, userA, userA + "@verify.invalid", orgA);
            execute(c, "insert into public.contacts (org_id, name) values (?, 'of A'), (?, 'of B')", orgA, orgB);
        }
        try (Connection c = db.adminDataSource().getConnection()) {
            c.setAutoCommit(false);
            execute(c, "insert into public.contacts (org_id, name) values (?, 'seeded')", orgB);
            RequestBinding.bind(c, ann, RoleTimeouts.defaults(), Placement.DISTRIBUTED);
            assertThatThrownBy(() -> count(c, "select count(*) from public.contacts"))
                    .isInstanceOfSatisfying(SQLException.class, e -> {
                        assertThat(e.getSQLState()).isEqualTo("25001");
                        assertThat(e.getMessage()).contains("modified in this transaction by a different user");
                    });
            c.rollback();
        }
        try (Connection c = db.loginDataSource().getConnection()) {
            c.setAutoCommit(false);
            RequestBinding.bind(c, ann, RoleTimeouts.defaults(), Placement.DISTRIBUTED);
            assertThat(count(c, "select count(*) from public.contacts")).isEqualTo(1);
            assertThat(count(c, "select count(*) from public.contacts where org_id = '" + orgB + "'")).isZero();
            // the search, bound as the DAO binds: A's contact only, through either of its arms
            assertThat(count(c, "select count(*) from public.search_contact_ids('of')")).isEqualTo(1);
            assertThat(count(c, "select count(*) from public.search_contact_ids('of A')")).isEqualTo(1);
            assertThat(count(c, "select count(*) from public.search_contact_ids('of B')")).isZero();
            c.rollback();
        }
    }

    /** The search function as the migrations (and distribute) left it, to undo a breakage. */
    private static void restoreSearchFunction() throws SQLException {
        admin(db, searchFunctionDefinition);
    }

    private static void execute(Connection c, String sql, Object... params) throws SQLException {
        try (PreparedStatement ps = SchemaTestSupport.prepare(c, sql, params)) {
            ps.execute();
        }
    }

    private static long count(Connection c, String sql) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
