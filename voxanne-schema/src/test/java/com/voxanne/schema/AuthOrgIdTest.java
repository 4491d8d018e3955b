package com.voxanne.schema;

import static com.voxanne.schema.SchemaTestSupport.admin;
import static com.voxanne.schema.SchemaTestSupport.adminColumn;
import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.testkit.postgres.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code public.auth_org_id()} as V12 defines it (one inlined SQL expression) against V11's plpgsql
 * body, restored by U12 and installed next to it as {@code public.auth_org_id_v11()}: for every source,
 * precedence and value, an organization V11 found is found by V12, and where V11 gave NULL V12 gives
 * NULL, raises a data exception (claims that are no JSON, an org_id that is no uuid: ADR 0007), or
 * reads a uuid V11 refused only for its spelling. Also: inlined, and deaf to the caller's search_path.
 */
class AuthOrgIdTest {

    private static final String ORG = "0a1b2c3d-1111-4222-8333-444455556666";
    private static final String OTHER = "9f8e7d6c-1111-4222-8333-444455556666";

    private static TestDatabase db;

    @BeforeAll
    static void withV11AlongsideV12() throws Exception {
        db = SchemaTestSupport.migratedDatabase();
        String u12 = MigrationLifecycleTest.read("db/voxanne/rollback/U12__cheaper_rls_helpers.sql");
        int start = u12.indexOf("create or replace function public.auth_org_id()");
        int end = u12.indexOf("$$;", start) + 3;
        admin(db, u12.substring(start, end).replace("public.auth_org_id()", "public.auth_org_id_v11()"));
    }

    @AfterAll
    static void drop() {
        db.close();
    }

    /** Settings: request.jwt.claim.app_metadata, request.jwt.claim, request.jwt.claims (null = unset). */
    private static String[] call(String function, String appMetadata, String claim, String claims) throws SQLException {
        try (Connection c = db.adminDataSource().getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement("select set_config(name, value, true) from (values"
                    + " ('request.jwt.claim.app_metadata', ?), ('request.jwt.claim', ?), ('request.jwt.claims', ?)) s (name, value)"
                    + " where value is not null")) {
                ps.setString(1, appMetadata);
                ps.setString(2, claim);
                ps.setString(3, claims);
                ps.execute();
            }
            try (PreparedStatement ps = c.prepareStatement("select public." + function + "()::text");
                 ResultSet rs = ps.executeQuery()) {
                rs.next();
                return new String[] {rs.getString(1)};
            } catch (SQLException e) {
                return new String[] {null, e.getSQLState()};
            } finally {
                c.rollback();
            }
        }
    }

    private static String claims(String appMetadata) {
        return "{\"sub\":\"" + UUID.randomUUID() + "\",\"role\":\"authenticated\",\"app_metadata\":" + appMetadata + "}";
    }

    /** Values for the org_id key, and whole app_metadata values, that V5 answered without error. */
    private static final List<String> ORG_VALUES = List.of(
            "\"" + ORG + "\"", "\"" + ORG.toUpperCase() + "\"", "\"0A1b2C3d-1111-4222-8333-444455556666\"",
            "\"" + ORG.replace("-", "") + "\"", "\"{" + ORG + "}\"", "\"" + ORG + " \"", "\" " + ORG + "\"",
            "\"" + ORG + "\\n\"", "\"0a1b2c3d1-111-4222-8333-444455556666\"", "\"0a1b-2c3d-1111-4222-8333444455556666\"",
            "\"za1b2c3d-1111-4222-8333-444455556666\"", "\"0a1b2c3d-1111-4222-8333-44445555666\"",
            "\"0a1b2c3d-1111-4222-8333-4444555566667\"", "\"0a1b2c3d-1111-4222-8333-44445555666é\"",
            "\"0a1b2c3d_1111_4222_8333_444455556666\"", "\"\"", "null", "123", "true", "[\"" + ORG + "\"]",
            "{\"id\":\"" + ORG + "\"}");

    private static final List<String> APP_METADATA_VALUES = List.of(
            "null", "[]", "\"" + ORG + "\"", "123", "{}", "{\"org\":\"" + ORG + "\"}");

    private static final List<String> MALFORMED = List.of("{", "{\"org_id\":", "nul", "{\"app_metadata\":{\"org_id\":\"" + ORG
            + "\"}", "'", " ", "\"\\ud800\"", "{\"org_id\":\"" + ORG + "\"}x");

    @Test
    void findsEveryOrganizationV11FoundAndOtherwiseNullOrAnError() throws SQLException {
        List<String[]> cases = new ArrayList<>();
        List<String> apps = new ArrayList<>(APP_METADATA_VALUES);
        ORG_VALUES.forEach(v -> apps.add("{\"org_id\":" + v + "}"));
        apps.add("{\"org_id\":\"" + OTHER + "\",\"org_id\":\"" + ORG + "\"}"); // duplicate key: the last one
        apps.add("{\"provider\":\"email\",\"providers\":[\"email\"],\"org_id\":\"" + ORG + "\"}");
        for (String app : apps) {
            cases.add(new String[] {app, null, null});
            cases.add(new String[] {null, claims(app), null});
            cases.add(new String[] {null, null, claims(app)});
            cases.add(new String[] {null, "", claims(app)});
            cases.add(new String[] {"", "", claims(app)});
        }
        for (String bad : MALFORMED) {
            cases.add(new String[] {bad, null, claims("{\"org_id\":\"" + ORG + "\"}")});
            cases.add(new String[] {null, bad, claims("{\"org_id\":\"" + ORG + "\"}")});
            cases.add(new String[] {null, null, bad});
        }
        // precedence: the old per-claim settings win over the claims JSON, even when they name no organization
        String other = "{\"org_id\":\"" + OTHER + "\"}";
        cases.add(new String[] {other, null, claims("{\"org_id\":\"" + ORG + "\"}")});
        cases.add(new String[] {null, claims(other), claims("{\"org_id\":\"" + ORG + "\"}")});
        cases.add(new String[] {other, claims("{\"org_id\":\"" + ORG + "\"}"), null});
        cases.add(new String[] {"{}", null, claims("{\"org_id\":\"" + ORG + "\"}")});
        cases.add(new String[] {null, "{\"role\":\"authenticated\"}", claims("{\"org_id\":\"" + ORG + "\"}")});
        cases.add(new String[] {null, "[]", claims("{\"org_id\":\"" + ORG + "\"}")});
        cases.add(new String[] {null, null, null});
        cases.add(new String[] {"", "", ""});
        cases.add(new String[] {null, null, "{\"sub\":\"x\",\"role\":\"anon\"}"});
        cases.add(new String[] {null, null, "[]"});
        cases.add(new String[] {null, null, "\"text\""});

        int found = 0;
        int raised = 0;
        int respelled = 0;
        for (String[] c : cases) {
            String[] v11 = call("auth_org_id_v11", c[0], c[1], c[2]);
            String[] v12 = call("auth_org_id", c[0], c[1], c[2]);
            assertThat(v11).as("V11 answers %s without error", Arrays.toString(c)).hasSize(1);
            if (v11[0] != null) {
                assertThat(v12).as("V12 for %s", Arrays.toString(c)).containsExactly(v11[0]);
                found++;
            } else if (v12.length == 2) {
                assertThat(v12[1]).as("V12's SQLSTATE for %s", Arrays.toString(c)).startsWith("22");
                raised++;
            } else if (v12[0] != null) {
                // a spelling of ORG that uuid_in reads and V11's canonical-form test refused
                assertThat(v12[0]).as("V12 for %s", Arrays.toString(c)).isEqualTo(ORG);
                respelled++;
            }
        }
        // the matrix is not all NULLs: canonical org_ids (either case) are found through each source
        assertThat(found).isGreaterThan(15);
        assertThat(raised).isGreaterThan(10);
        assertThat(respelled).isGreaterThan(0);
        assertThat(call("auth_org_id", null, null, claims("{\"org_id\":\"" + ORG.toUpperCase() + "\"}"))).containsExactly(ORG);
        assertThat(call("auth_org_id", "{\"org_id\":\"" + OTHER + "\"}", null, claims("{\"org_id\":\"" + ORG + "\"}")))
                .containsExactly(OTHER);
    }

    @Test
    void absentValuesAreNull() throws SQLException {
        for (String app : List.of("{}", "null", "[]", "\"" + ORG + "\"", "{\"org_id\":null}", "{\"org_id\":\"\"}",
                "{\"org\":\"" + ORG + "\"}")) {
            assertThat(call("auth_org_id", null, null, claims(app))).as(app).containsExactly((String) null);
            assertThat(call("auth_org_id", app, null, null)).as(app).containsExactly((String) null);
        }
        assertThat(call("auth_org_id", null, null, null)).containsExactly((String) null);
        assertThat(call("auth_org_id", "", "", "")).containsExactly((String) null);
        assertThat(call("auth_org_id", null, null, "{\"sub\":\"x\",\"role\":\"anon\"}")).containsExactly((String) null);
    }

    @Test
    void claimsThatAreNoJsonOrNameNoUuidAreAnErrorNotNull() throws SQLException {
        String valid = claims("{\"org_id\":\"" + ORG + "\"}");
        for (String bad : MALFORMED) {
            assertThat(call("auth_org_id", null, null, bad)).as(bad).containsExactly(null, "22P02");
            assertThat(call("auth_org_id", bad, null, valid)).as(bad).containsExactly(null, "22P02");
        }
        assertThat(call("auth_org_id", null, null, claims("{\"org_id\":\"" + ORG + "\",\"note\":\"\\u0000\"}")))
                .containsExactly(null, "22P05");
        assertThat(call("auth_org_id", null, null, claims("{\"org_id\":\"" + ORG + "\",\"n\":1e1000000}")))
                .containsExactly(null, "22003");
        for (String notUuid : List.of("\"nope\"", "123", "true", "\"" + ORG + "x\"", "\"za1b2c3d-1111-4222-8333-444455556666\"")) {
            assertThat(call("auth_org_id", null, null, claims("{\"org_id\":" + notUuid + "}"))).as(notUuid)
                    .containsExactly(null, "22P02");
        }
        // a valid organization next to a broken per-claim setting is not used: the broken setting is read first
        assertThat(call("auth_org_id", "{", null, valid)).containsExactly(null, "22P02");
    }

    @Test
    void readsEverySpellingOfAUuid() throws SQLException {
        for (String spelling : List.of(ORG.toUpperCase(), "{" + ORG + "}", ORG.replace("-", ""),
                "0a1b-2c3d-1111-4222-8333-4444-5555-6666")) {
            assertThat(call("auth_org_id", null, null, claims("{\"org_id\":\"" + spelling + "\"}"))).as(spelling)
                    .containsExactly(ORG);
        }
    }

    @Test
    void isInlinedIntoTheQueryThatCallsIt() throws SQLException {
        String plan = String.join("\n", adminColumn(db, "explain (verbose, costs off) select (select public.auth_org_id())"));
        assertThat(plan).contains("current_setting('request.jwt.claims'").doesNotContain("auth_org_id");
    }

    /**
     * A caller that puts its own schema before pg_catalog, with its own {@code current_setting} and
     * {@code ->>}, gets the same organization: the body was bound to pg_catalog's when it was created.
     */
    @Test
    void theCallersSearchPathCannotRedirectIt() throws SQLException {
        try (Connection c = db.adminDataSource().getConnection()) {
            c.setAutoCommit(false);
            try (var s = c.createStatement()) {
                s.execute("create schema trap");
                s.execute("create function trap.current_setting(text, boolean) returns text language sql"
                        + " as $$ select '{\"app_metadata\":{\"org_id\":\"" + OTHER + "\"}}' $$");
                s.execute("create function trap.pick(jsonb, text) returns text language sql as $$ select '" + OTHER + "' $$");
                s.execute("create operator trap.->> (leftarg = jsonb, rightarg = text, function = trap.pick)");
                s.execute("select set_config('request.jwt.claims', '" + claims("{\"org_id\":\"" + ORG + "\"}") + "', true)");
                s.execute("set local search_path = trap, pg_catalog");
                try (ResultSet rs = s.executeQuery("select public.auth_org_id()::text,"
                        + " (current_setting('request.jwt.claims', true)::jsonb -> 'app_metadata' ->> 'org_id')")) {
                    rs.next();
                    assertThat(rs.getString(1)).isEqualTo(ORG);
                    assertThat(rs.getString(2)).as("the trap works on unbound SQL").isEqualTo(OTHER);
                }
            } finally {
                c.rollback();
            }
        }
    }

    @Test
    void keepsItsDeclaration() throws SQLException {
        assertThat(adminColumn(db, "select l.lanname || ' ' || p.provolatile::text || ' ' || p.prosecdef || ' '"
                + " || coalesce(array_to_string(p.proconfig, ','), 'no settings') || ' ' || (p.prosqlbody is not null)"
                + " || ' ' || pg_get_function_result(p.oid) || ' ' || pg_get_function_identity_arguments(p.oid)"
                + " from pg_proc p join pg_language l on l.oid = p.prolang where p.oid = 'public.auth_org_id()'::regprocedure"))
                .containsExactly("sql s false no settings true uuid ");
        assertThat(adminColumn(db, "select r.rolname from pg_roles r where r.rolname in ('anon', 'authenticated', 'service_role')"
                + " and has_function_privilege(r.oid, 'public.auth_org_id()', 'execute') order by 1"))
                .containsExactly("authenticated", "service_role");
        assertThat(adminColumn(db, "select count(*)::text from pg_proc p, aclexplode(p.proacl) a"
                + " where p.oid = 'public.auth_org_id()'::regprocedure and a.grantee = 0")).containsExactly("0");
    }
}
