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
 * {@code public.auth_org_id()} as V11 defines it returns exactly what V5's body returns, for every
 * source, precedence and malformed input; V5's body (restored by U11) is installed next to it as
 * {@code public.auth_org_id_v5()} for the comparison. Where V5 raised an error on input a jsonb cast
 * rejects with another SQLSTATE than 22P02, V11 returns NULL, as the contract says.
 */
class AuthOrgIdTest {

    private static final String ORG = "0a1b2c3d-1111-4222-8333-444455556666";
    private static final String OTHER = "9f8e7d6c-1111-4222-8333-444455556666";

    private static TestDatabase db;

    @BeforeAll
    static void withV5AlongsideV11() throws Exception {
        db = SchemaTestSupport.migratedDatabase();
        String u11 = MigrationLifecycleTest.read("db/voxanne/rollback/U11__fast_reads_under_rls.sql");
        int start = u11.indexOf("create or replace function public.auth_org_id()");
        int end = u11.indexOf("$$;", start) + 3;
        admin(db, u11.substring(start, end).replace("public.auth_org_id()", "public.auth_org_id_v5()"));
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
    void answersExactlyAsV5DidForEverySourceAndValue() throws SQLException {
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

        int organizations = 0;
        for (String[] c : cases) {
            String[] v5 = call("auth_org_id_v5", c[0], c[1], c[2]);
            String[] v11 = call("auth_org_id", c[0], c[1], c[2]);
            assertThat(v5).as("V5 answers %s without error", Arrays.toString(c)).hasSize(1);
            assertThat(v11).as("V11 for %s", Arrays.toString(c)).containsExactly(v5);
            if (v11[0] != null) {
                organizations++;
            }
        }
        // the matrix is not all NULLs: canonical org_ids (either case) are found through each source
        assertThat(organizations).isGreaterThan(15);
        assertThat(call("auth_org_id", null, null, claims("{\"org_id\":\"" + ORG.toUpperCase() + "\"}"))).containsExactly(ORG);
        assertThat(call("auth_org_id", "{\"org_id\":\"" + OTHER + "\"}", null, claims("{\"org_id\":\"" + ORG + "\"}")))
                .containsExactly(OTHER);
    }

    @Test
    void jsonThatJsonbCannotHoldIsNullNotAnError() throws SQLException {
        for (String unrepresentable : List.of(claims("{\"org_id\":\"" + ORG + "\",\"note\":\"\\u0000\"}"),
                claims("{\"org_id\":\"" + ORG + "\",\"n\":1e1000000}"))) {
            assertThat(call("auth_org_id", null, null, unrepresentable)).as(unrepresentable).containsExactly((String) null);
            assertThat(call("auth_org_id", unrepresentable, null, null)).as(unrepresentable).containsExactly((String) null);
            // V5 raised an error here (it caught only 22P02): the one intended difference
            assertThat(call("auth_org_id_v5", null, null, unrepresentable)).hasSize(2);
        }
    }

    @Test
    void keepsItsDeclaration() throws SQLException {
        assertThat(adminColumn(db, "select p.provolatile::text || ' ' || p.prosecdef || ' ' || array_to_string(p.proconfig, ',')"
                + " || ' ' || pg_get_function_result(p.oid) || ' ' || pg_get_function_identity_arguments(p.oid)"
                + " from pg_proc p where p.oid = 'public.auth_org_id()'::regprocedure"))
                .containsExactly("s false search_path=\"\" uuid ");
        assertThat(adminColumn(db, "select r.rolname from pg_roles r where r.rolname in ('anon', 'authenticated', 'service_role')"
                + " and has_function_privilege(r.oid, 'public.auth_org_id()', 'execute') order by 1"))
                .containsExactly("authenticated", "service_role");
        assertThat(adminColumn(db, "select count(*)::text from pg_proc p, aclexplode(p.proacl) a"
                + " where p.oid = 'public.auth_org_id()'::regprocedure and a.grantee = 0")).containsExactly("0");
    }
}
