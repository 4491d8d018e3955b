package com.voxanne.schema;

import static com.voxanne.schema.SchemaTestSupport.admin;
import static com.voxanne.schema.SchemaTestSupport.adminColumn;
import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.schema.VerifyReport.Check;
import com.voxanne.schema.VerifyReport.Status;
import com.voxanne.schema.session.RequestClaims;
import com.voxanne.testkit.postgres.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The checks of what the API roles could do around Voxanne's functions: shadow a name a function
 * resolves with a temporary object, create temporary objects at all, and get EXECUTE by default on a
 * function the migrating role creates. Each passes on a freshly migrated database, fails (or warns) when
 * broken in the test's own database, gives SQL that fixes it, and passes again once fixed.
 */
class VerifySecurityChecksTest {

    private static final VerifyCheck NAME_RESOLUTION = VerifyCheck.FUNCTION_NAME_RESOLUTION;
    private static final VerifyCheck TEMPORARY_OBJECTS = VerifyCheck.TEMPORARY_OBJECTS;
    private static final VerifyCheck DEFAULT_PRIVILEGES = VerifyCheck.DEFAULT_FUNCTION_PRIVILEGES;
    private static final VerifyCheck ROLE_TIME_LIMITS = VerifyCheck.API_ROLE_TIME_LIMITS;

    private static VerifyReport verify(TestDatabase db) {
        return VoxanneSchema.configure().dataSource(db.adminDataSource()).load().verify();
    }

    private static Check item(TestDatabase db, VerifyCheck id) {
        return item(verify(db), id);
    }

    private static Check item(VerifyReport report, VerifyCheck id) {
        return report.check(id).orElseThrow(() -> new AssertionError("no check " + id + " in\n" + report));
    }

    private static void assertStatus(Check check, Status status) {
        assertThat(check.status()).as(check.item() + ": " + check.reason()).isEqualTo(status);
    }

    @Test
    void aFreshlyMigratedDatabasePassesAllFour() {
        try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
            VerifyReport report = verify(db);
            for (VerifyCheck id : List.of(NAME_RESOLUTION, TEMPORARY_OBJECTS, DEFAULT_PRIVILEGES, ROLE_TIME_LIMITS)) {
                assertStatus(item(report, id), Status.PASS);
            }
            // placed after the function grants, in checklist order
            List<VerifyCheck> ids = report.checks().stream().map(Check::id).toList();
            assertThat(ids).containsSubsequence(VerifyCheck.FUNCTION_GRANTS_AND_SEARCH_PATH, NAME_RESOLUTION, TEMPORARY_OBJECTS,
                    DEFAULT_PRIVILEGES, ROLE_TIME_LIMITS);
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Function name resolution
    // ---------------------------------------------------------------------------------------------

    /** Runs the fixes a name-resolution detail gives, statement by statement. */
    private static void applyFunctionFixes(TestDatabase db, String reason) throws SQLException {
        Matcher fix = Pattern.compile("alter function \\S+\\(.*?\\) set search_path = pg_catalog, pg_temp").matcher(reason);
        int applied = 0;
        while (fix.find()) {
            admin(db, fix.group());
            applied++;
        }
        assertThat(applied).as(reason).isPositive();
    }

    @Test
    void anEmptySearchPathFailsNamingTheFunctionAndItsFixRestoresAPass() throws SQLException {
        try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
            admin(db, "alter function public.set_updated_at() set search_path = ''");
            Check check = item(db, NAME_RESOLUTION);
            assertStatus(check, Status.FAIL);
            assertThat(check.reason()).contains("public.set_updated_at()", "pg_temp is searched first",
                    "alter function public.set_updated_at() set search_path = pg_catalog, pg_temp");
            applyFunctionFixes(db, check.reason());
            assertStatus(item(db, NAME_RESOLUTION), Status.PASS);
        }
    }

    /**
     * public before pg_temp is safe only while no API role may create in public: the same setting fails
     * once authenticated may, and passes again when that grant is revoked.
     */
    @Test
    void aSchemaAnApiRoleMayCreateInFailsTheSamePathThatPassesWithoutThatRight() throws SQLException {
        try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
            admin(db, "alter function public.set_updated_at() set search_path = public, pg_temp");
            assertStatus(item(db, NAME_RESOLUTION), Status.PASS);

            admin(db, "grant create on schema public to authenticated");
            Check check = item(db, NAME_RESOLUTION);
            assertStatus(check, Status.FAIL);
            assertThat(check.reason()).contains("public.set_updated_at()", "authenticated may create in public");

            admin(db, "revoke create on schema public from authenticated");
            assertStatus(item(db, NAME_RESOLUTION), Status.PASS);
        }
    }

    /**
     * Schema names as the server stores them in the setting (quoted where needed): a quoted schema no API
     * role may create in is safe; once service_role may, it is not; "$user" names a schema per caller.
     */
    @Test
    void quotedSchemaNamesAreReadAsTheServerStoresThem() throws SQLException {
        try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
            admin(db, "create schema \"Vx Lookup\"");
            admin(db, "alter function public.set_updated_at() set search_path = \"Vx Lookup\", pg_catalog, pg_temp");
            assertStatus(item(db, NAME_RESOLUTION), Status.PASS);

            admin(db, "grant create on schema \"Vx Lookup\" to service_role");
            Check check = item(db, NAME_RESOLUTION);
            assertStatus(check, Status.FAIL);
            assertThat(check.reason()).contains("public.set_updated_at()", "service_role may create in Vx Lookup");

            admin(db, "alter function public.set_updated_at() set search_path = \"$user\", pg_temp");
            check = item(db, NAME_RESOLUTION);
            assertStatus(check, Status.FAIL);
            assertThat(check.reason()).contains("public.set_updated_at()", "$user is the caller's own schema");
        }
    }

    @Test
    void pgTempNotLastOrNoPathOrAMissingSchemaFails() throws SQLException {
        try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
            String[][] cases = {
                {"alter function public.prevent_org_id_change() set search_path = pg_temp, pg_catalog",
                    "public.prevent_org_id_change()", "pg_temp is searched before pg_catalog"},
                {"alter function public.prevent_org_id_change() set search_path = pg_catalog",
                    "public.prevent_org_id_change()", "pg_temp is not named"},
                {"alter function public.is_service_role_caller() reset search_path",
                    "public.is_service_role_caller()", "no search_path of its own"},
                {"alter function public.notifications_notify() set search_path = vx_not_created_yet, pg_temp",
                    "public.notifications_notify()", "schema vx_not_created_yet does not exist"},
            };
            for (String[] c : cases) {
                admin(db, c[0]);
                Check check = item(db, NAME_RESOLUTION);
                assertStatus(check, Status.FAIL);
                assertThat(check.reason()).as(c[0]).contains(c[1], c[2]);
                applyFunctionFixes(db, check.reason());
                assertStatus(item(db, NAME_RESOLUTION), Status.PASS);
            }
        }
    }

    /**
     * The auth shim (plain PostgreSQL) counts as Voxanne's: a shim function whose body is resolved at run
     * time without a safe search_path fails; the same function marked as the platform's is not checked.
     */
    @Test
    void theAuthShimIsCheckedOnlyWhereItIsVoxannes() throws SQLException {
        try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
            List<String> comment = adminColumn(db, "select coalesce(obj_description(to_regprocedure('auth.uid()'), 'pg_proc'), '')");
            Assumptions.assumeTrue(comment.get(0).startsWith("voxanne auth shim"), "the auth schema is the platform's");
            assertStatus(item(db, NAME_RESOLUTION), Status.PASS);

            // CREATE OR REPLACE keeps the comment and the owner: still the shim, now with a string body
            admin(db, "create or replace function auth.uid() returns uuid language sql stable as $$"
                    + " select nullif(pg_catalog.current_setting('request.jwt.claim.sub', true), '')::uuid $$");
            Check check = item(db, NAME_RESOLUTION);
            assertStatus(check, Status.FAIL);
            assertThat(check.reason()).contains("auth.uid()", "no search_path of its own");

            admin(db, "comment on function auth.uid() is 'the platform''s auth.uid()'");
            assertStatus(item(db, NAME_RESOLUTION), Status.PASS);
        }
    }

    /** A service's own SECURITY DEFINER function in public: a warning naming it, not a failure. */
    @Test
    void anotherSecurityDefinerFunctionInPublicWarns() throws SQLException {
        try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
            admin(db, "create function public.svc_purge_cache() returns void language plpgsql security definer"
                    + " set search_path = '' as $$ begin end $$");
            admin(db, "revoke execute on function public.svc_purge_cache() from public");
            // an invoker function of the service's is the caller's business: not reported
            admin(db, "create function public.svc_format(p text) returns text language plpgsql"
                    + " set search_path = '' as $$ begin return p; end $$");
            VerifyReport report = verify(db);
            Check check = item(report, NAME_RESOLUTION);
            assertStatus(check, Status.WARN);
            assertThat(check.reason()).contains("public.svc_purge_cache()", "does not manage", "pg_temp is searched first")
                    .doesNotContain("svc_format");

            admin(db, "alter function public.svc_purge_cache() set search_path = pg_catalog, pg_temp");
            assertStatus(item(db, NAME_RESOLUTION), Status.PASS);
            admin(db, "alter function public.svc_purge_cache() reset search_path");
            assertThat(item(db, NAME_RESOLUTION).reason()).contains("public.svc_purge_cache()", "no search_path of its own");
            admin(db, "drop function public.svc_purge_cache()");
            assertStatus(item(db, NAME_RESOLUTION), Status.PASS);
        }
    }

    @Test
    void theContactSearchFunctionsRequirePgCatalogThenPgTemp() throws SQLException {
        try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
            admin(db, "alter function public.search_contact_ids(text) set search_path = ''");
            admin(db, "alter function public.contact_search_tokens(uuid, text, text, text) set search_path = ''");
            VerifyReport report = verify(db);
            Map<VerifyCheck, String> expected = Map.of(
                    VerifyCheck.CONTACT_SEARCH_FUNCTION, "search_path is not fixed to pg_catalog, pg_temp",
                    VerifyCheck.CONTACT_SEARCH_INDEX, "search_path is not fixed to pg_catalog, pg_temp",
                    VerifyCheck.FUNCTION_GRANTS_AND_SEARCH_PATH, "search_contact_ids",
                    NAME_RESOLUTION, "public.contact_search_tokens(uuid, text, text, text)");
            expected.forEach((id, mentions) -> {
                Check check = item(report, id);
                assertStatus(check, Status.FAIL);
                assertThat(check.reason()).contains(mentions);
            });
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Temporary objects
    // ---------------------------------------------------------------------------------------------

    /** Whether a request acting as authenticated may create a temporary table (SQLSTATE 42501 when not). */
    private static boolean authenticatedMayCreateTempTable(TestDatabase db) throws SQLException {
        try {
            SchemaTestSupport.as(db, RequestClaims.user(UUID.randomUUID(), UUID.randomUUID()), c -> {
                try (Statement s = c.createStatement()) {
                    s.execute("create temporary table vx_shadow (id int) on commit drop");
                }
                return null;
            });
            return true;
        } catch (SQLException e) {
            assertThat(e.getSQLState()).isEqualTo("42501");
            return false;
        }
    }

    private static String fixOf(Check check) {
        Matcher fix = Pattern.compile("Fix: ([^.(]*)").matcher(check.reason());
        assertThat(fix.find()).as(check.reason()).isTrue();
        return fix.group(1).trim();
    }

    // ---------------------------------------------------------------------------------------------
    // API role time limits
    // ---------------------------------------------------------------------------------------------

    /**
     * A session acting as authenticated may lift its own role's limits (PostgreSQL lets any role change
     * its own settings): verify warns, naming what is missing, and its fix puts the limit back.
     */
    @Test
    void aRoleSettingLiftedByItsOwnRoleWarnsAndTheGivenFixRestoresAPass() throws SQLException {
        try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
            assertStatus(item(db, ROLE_TIME_LIMITS), Status.PASS);
            try (Connection c = db.loginDataSource().getConnection(); Statement s = c.createStatement()) {
                c.setAutoCommit(false);
                s.execute("select set_config('role', 'authenticated', true)");
                if (CitusSupport.onCitus()) {
                    // on a Citus coordinator the change would go to the workers as authenticated, which may not
                    // log in there; a session of the role can keep it to the coordinator, where verify looks
                    s.execute("set local citus.enable_ddl_propagation = off");
                }
                s.execute("alter role authenticated in database " + quoted(db) + " set lock_timeout = 0");
                s.execute("alter role authenticated in database " + quoted(db) + " reset statement_timeout");
                c.commit();
            }
            Check check = item(db, ROLE_TIME_LIMITS);
            assertStatus(check, Status.WARN);
            assertThat(check.reason()).contains("authenticated lock_timeout = 0 (no limit)",
                    "authenticated statement_timeout not set", "DAO units are not affected")
                    .doesNotContain("anon");

            Matcher fix = Pattern.compile("alter role authenticated in database \\S+ set \\w+ = '\\w+'")
                    .matcher(check.reason());
            int applied = 0;
            while (fix.find()) {
                admin(db, fix.group());
                applied++;
            }
            assertThat(applied).isEqualTo(2);
            assertStatus(item(db, ROLE_TIME_LIMITS), Status.PASS);
        }
    }

    @Test
    void temporaryGrantedToPublicFailsAndTheGivenRevokeRestoresAPass() throws SQLException {
        try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
            assertStatus(item(db, TEMPORARY_OBJECTS), Status.PASS);
            assertThat(authenticatedMayCreateTempTable(db)).isFalse();

            admin(db, "grant temporary on database " + quoted(db) + " to public");
            // the attack the check is about is now open
            assertThat(authenticatedMayCreateTempTable(db)).isTrue();
            Check check = item(db, TEMPORARY_OBJECTS);
            assertStatus(check, Status.FAIL);
            assertThat(check.reason()).startsWith("PUBLIC, anon, authenticated, service_role may create temporary")
                    .contains("revoke temporary on database " + db.name() + " from public, anon, authenticated, service_role",
                            "from a template", "restored");

            admin(db, fixOf(check));
            assertStatus(item(db, TEMPORARY_OBJECTS), Status.PASS);
            assertThat(authenticatedMayCreateTempTable(db)).isFalse();
        }
    }

    @Test
    void temporaryGrantedToAuthenticatedAloneFailsNamingIt() throws SQLException {
        try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
            admin(db, "grant temporary on database " + quoted(db) + " to authenticated");
            assertThat(authenticatedMayCreateTempTable(db)).isTrue();
            Check check = item(db, TEMPORARY_OBJECTS);
            assertStatus(check, Status.FAIL);
            assertThat(check.reason()).startsWith("authenticated may create temporary").doesNotContain("PUBLIC");

            admin(db, "revoke temporary on database " + quoted(db) + " from authenticated");
            assertStatus(item(db, TEMPORARY_OBJECTS), Status.PASS);
        }
    }

    /** A role an API role inherits from carries the grant: the fix revokes from it too. */
    @Test
    void temporaryInheritedFromAnotherRoleFailsAndTheFixNamesThatRole() throws SQLException {
        String holder = "vx_temp_holder_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
            // the API roles are NOINHERIT: only a membership granted WITH INHERIT passes privileges on, and
            // only PostgreSQL 16 and later can grant one (on 15 a NOINHERIT role inherits nothing at all)
            assumeInheritableMemberships(db);
            try {
                admin(db, "create role " + holder + " nologin");
                admin(db, "grant " + holder + " to authenticated with inherit true");
                admin(db, "grant temporary on database " + quoted(db) + " to " + holder);
                assertThat(authenticatedMayCreateTempTable(db)).isTrue();
                Check check = item(db, TEMPORARY_OBJECTS);
                assertStatus(check, Status.FAIL);
                assertThat(check.reason()).startsWith("authenticated may create temporary").contains("inherited from " + holder);
                admin(db, fixOf(check));
                assertStatus(item(db, TEMPORARY_OBJECTS), Status.PASS);
                assertThat(authenticatedMayCreateTempTable(db)).isFalse();
            } finally {
                admin(db, "revoke all on database " + quoted(db) + " from " + holder);
                admin(db, "drop role if exists " + holder);
            }
        }
    }

    /**
     * A database without an ACL of its own has the built-in default, TEMPORARY for PUBLIC. The name in
     * the fix is quoted where it needs to be.
     */
    @Test
    void aDatabaseWithTheDefaultAclFailsAndTheFixQuotesItsName() throws SQLException {
        String name = "Vx Default Acl " + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
            admin(db, "create database \"" + name + "\"");
            try {
                assertThat(adminColumn(db, "select (datacl is null)::text from pg_database where datname = ?", name))
                        .containsExactly("true");
                VerifyReport report = VoxanneSchema.configure().dataSource(db.server().adminDataSource(name)).load().verify();
                Check check = item(report, TEMPORARY_OBJECTS);
                assertStatus(check, Status.FAIL);
                assertThat(check.reason()).contains("no ACL of its own",
                        "revoke temporary on database \"" + name + "\" from public, anon, authenticated, service_role");
            } finally {
                admin(db, "drop database if exists \"" + name + "\" with (force)");
            }
        }
    }

    private static void assumeInheritableMemberships(TestDatabase db) throws SQLException {
        Assumptions.assumeTrue(Integer.parseInt(adminColumn(db, "show server_version_num").get(0)) >= 160000,
                "GRANT ... WITH INHERIT needs PostgreSQL 16 or later");
    }

    private static String quoted(TestDatabase db) {
        return "\"" + db.name().replace("\"", "\"\"") + "\"";
    }

    // ---------------------------------------------------------------------------------------------
    // Default privileges on new functions
    // ---------------------------------------------------------------------------------------------

    /**
     * Who may execute a function the admin (the role verify runs as) creates in public now, as the server
     * decides when it creates one: created and inspected in a transaction that is rolled back.
     */
    private static List<String> newFunctionExecutableBy(TestDatabase db) throws SQLException {
        try (Connection c = db.adminDataSource().getConnection()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("create function public.vx_default_acl_probe() returns int language sql return 1");
                List<String> who = new ArrayList<>(SchemaTestSupport.column(c, "select 'PUBLIC' from pg_proc p,"
                        + " aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a"
                        + " where p.oid = 'public.vx_default_acl_probe()'::regprocedure and a.grantee = 0"
                        + " and a.privilege_type = 'EXECUTE'"));
                who.addAll(SchemaTestSupport.column(c, "select r.rolname::text from pg_roles r"
                        + " where r.rolname in ('anon', 'authenticated')"
                        + " and has_function_privilege(r.oid, 'public.vx_default_acl_probe()'::regprocedure, 'execute')"
                        + " order by 1"));
                return who;
            } finally {
                c.rollback();
            }
        }
    }

    @Test
    void aFreshDatabaseGivesNewFunctionsToNobody() throws SQLException {
        try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
            assertStatus(item(db, DEFAULT_PRIVILEGES), Status.PASS);
            assertThat(newFunctionExecutableBy(db)).isEmpty();
        }
    }

    @Test
    void executeForPublicByDefaultFailsAndTheGivenFixRestoresAPass() throws SQLException {
        try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
            admin(db, "alter default privileges grant execute on functions to public");
            assertThat(newFunctionExecutableBy(db)).containsExactly("PUBLIC", "anon", "authenticated");
            Check check = item(db, DEFAULT_PRIVILEGES);
            assertStatus(check, Status.FAIL);
            assertThat(check.reason()).contains("PUBLIC (so anon, authenticated)")
                    .contains("revoke execute on functions from public").doesNotContain("in schema public revoke");

            for (String fix : fixOf(check).split("; ")) {
                admin(db, fix);
            }
            assertStatus(item(db, DEFAULT_PRIVILEGES), Status.PASS);
            assertThat(newFunctionExecutableBy(db)).isEmpty();
        }
    }

    @Test
    void executeForAnApiRoleInSchemaPublicFailsNamingIt() throws SQLException {
        for (String role : List.of("anon", "authenticated")) {
            try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
                admin(db, "alter default privileges in schema public grant execute on functions to " + role);
                assertThat(newFunctionExecutableBy(db)).containsExactly(role);
                Check check = item(db, DEFAULT_PRIVILEGES);
                assertStatus(check, Status.FAIL);
                assertThat(check.reason()).contains(role + " by the default privileges in schema public",
                        "in schema public revoke execute on functions from " + role);

                for (String fix : fixOf(check).split("; ")) {
                    admin(db, fix);
                }
                assertStatus(item(db, DEFAULT_PRIVILEGES), Status.PASS);
                assertThat(newFunctionExecutableBy(db)).isEmpty();
            }
        }
    }

    /** An API role reached through a role it inherits from: that role is revoked from. */
    @Test
    void executeThroughAnInheritedRoleFailsAndTheFixNamesThatRole() throws SQLException {
        String holder = "vx_exec_holder_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
            // the API roles are NOINHERIT: only a membership granted WITH INHERIT passes privileges on, and
            // only PostgreSQL 16 and later can grant one (on 15 a NOINHERIT role inherits nothing at all)
            assumeInheritableMemberships(db);
            try {
                admin(db, "create role " + holder + " nologin");
                admin(db, "grant " + holder + " to anon with inherit true");
                admin(db, "alter default privileges grant execute on functions to " + holder);
                assertThat(newFunctionExecutableBy(db)).containsExactly("anon");
                Check check = item(db, DEFAULT_PRIVILEGES);
                assertStatus(check, Status.FAIL);
                assertThat(check.reason()).contains(holder + " (so anon) by the global default privileges");
                for (String fix : fixOf(check).split("; ")) {
                    admin(db, fix);
                }
                assertStatus(item(db, DEFAULT_PRIVILEGES), Status.PASS);
            } finally {
                admin(db, "alter default privileges revoke all on functions from " + holder);
                admin(db, "drop role if exists " + holder);
            }
        }
    }

    /** service_role may get EXECUTE on new functions by default (Supabase grants it so): not a failure. */
    @Test
    void executeForServiceRoleByDefaultPasses() throws SQLException {
        try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
            admin(db, "alter default privileges in schema public grant execute on functions to service_role");
            assertStatus(item(db, DEFAULT_PRIVILEGES), Status.PASS);
            assertThat(newFunctionExecutableBy(db)).isEmpty();
        }
    }
}
