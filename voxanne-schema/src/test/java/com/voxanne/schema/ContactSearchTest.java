package com.voxanne.schema;

import static com.voxanne.schema.SchemaTestSupport.admin;
import static com.voxanne.schema.SchemaTestSupport.adminColumn;
import static com.voxanne.schema.SchemaTestSupport.as;
import static com.voxanne.schema.SchemaTestSupport.column;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.schema.session.RequestClaims;
import com.voxanne.testkit.postgres.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code public.search_contact_ids(text)} (V11) runs as its owner, past row-level security: its own
 * organization filter is the isolation. Checked through the non-superuser login role acting as users
 * and the service role of two clinics whose contacts have the same names, and as the admin, whom
 * nothing else filters.
 */
class ContactSearchTest {

    private static final String NAMES = "select c.name from public.contacts c"
            + " where c.id in (select public.search_contact_ids(?)) order by c.name";

    private static TestDatabase db;
    private static UUID orgA;
    private static UUID orgB;
    private static RequestClaims userA;
    private static RequestClaims userB;

    @BeforeAll
    static void twoClinicsWithTheSameNames() throws SQLException {
        db = SchemaTestSupport.migratedDatabase();
        orgA = SchemaTestSupport.organization(db, "Clinic A");
        orgB = SchemaTestSupport.organization(db, "Clinic B");
        userA = RequestClaims.user(orgA, SchemaTestSupport.user(db, orgA));
        userB = RequestClaims.user(orgB, SchemaTestSupport.user(db, orgB));
        for (UUID org : List.of(orgA, orgB)) {
            String suffix = org.equals(orgA) ? "1" : "2";
            admin(db, "insert into public.contacts (org_id, name, phone, email) values"
                    + " (?, 'Ann Lee', '+1212555019" + suffix + "', 'ann.lee@example.com'),"
                    + " (?, '100% Sure_Thing', null, 'sure@example.org'),"
                    + " (?, 'Back\\slash', null, null),"
                    + " (?, 'Bob', '+4930123456" + suffix + "', 'bob@clinic.test'),"
                    + " (?, 'Joanna ' || ?, null, null)", org, org, org, org, org, suffix);
        }
    }

    @AfterAll
    static void drop() {
        db.close();
    }

    private static List<String> search(RequestClaims claims, String text) throws SQLException {
        return column(db, claims, NAMES, text);
    }

    @Test
    void eachCallerFindsOnlyItsOwnOrganizationsContacts() throws SQLException {
        assertThat(search(userA, "ann")).containsExactly("Ann Lee", "Joanna 1");
        assertThat(search(userB, "ann")).containsExactly("Ann Lee", "Joanna 2");
        assertThat(search(RequestClaims.service(orgB), "ann")).containsExactly("Ann Lee", "Joanna 2");
        // the ids themselves, without RLS on the outer query: only org A's
        assertThat(column(db, userA, "select count(*)::text from public.search_contact_ids('') s")).containsExactly("5");
        List<String> idsOfA = column(db, userA, "select s::text from public.search_contact_ids('') s order by 1");
        assertThat(adminColumn(db, "select id::text from public.contacts where org_id = ? order by 1", orgA))
                .containsExactlyElementsOf(idsOfA);
    }

    @Test
    void theAdminBypassingRlsStillGetsOnlyTheClaimsOrganization() throws SQLException {
        try (Connection c = db.adminDataSource().getConnection()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("select set_config('request.jwt.claims', '" + userA.toJson() + "', true)");
            }
            assertThat(SchemaTestSupport.column(c, NAMES, "Joanna")).containsExactly("Joanna 1");
            assertThat(SchemaTestSupport.column(c, "select count(*)::text from public.contacts")).containsExactly("10");
            c.rollback();
        }
    }

    @Test
    void aCallerWithoutAnOrganizationIsRefused() {
        assertThatThrownBy(() -> search(RequestClaims.service(), "ann")).isInstanceOf(SQLException.class)
                .hasMessageContaining("no organization")
                .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("42501");
        // an org_id that is not a uuid is no organization either
        assertThatThrownBy(() -> as(db, RequestClaims.service(), c -> {
            try (Statement s = c.createStatement()) {
                s.execute("select set_config('request.jwt.claims', '{\"role\":\"authenticated\",\"app_metadata\":"
                        + "{\"org_id\":\"" + orgA.toString().replace("-", "") + "\"}}', true),"
                        + " set_config('role', 'authenticated', true)");
            }
            return SchemaTestSupport.column(c, NAMES, "ann");
        })).isInstanceOf(SQLException.class).extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("42501");
        // anon may not execute it at all
        assertThatThrownBy(() -> column(db, RequestClaims.anonymous(), "select * from public.search_contact_ids('ann')"))
                .isInstanceOf(SQLException.class)
                .hasMessageContaining("permission denied for function search_contact_ids");
    }

    @Test
    void theTextIsLiteralAndCaseInsensitive() throws SQLException {
        assertThat(search(userA, "ANN LEE")).containsExactly("Ann Lee");
        assertThat(search(userA, "CLINIC.TEST")).containsExactly("Bob");
        assertThat(search(userA, "%")).containsExactly("100% Sure_Thing");
        assertThat(search(userA, "_")).containsExactly("100% Sure_Thing");
        assertThat(search(userA, "\\")).containsExactly("Back\\slash");
        assertThat(search(userA, "0% s")).containsExactly("100% Sure_Thing");
        assertThat(search(userA, "a%e")).isEmpty();
        assertThat(search(userA, "A_n")).isEmpty();
        assertThat(search(userA, "k\\s")).containsExactly("Back\\slash");
        assertThat(search(userA, "\\s")).containsExactly("Back\\slash");
        assertThat(search(userA, "\\%")).isEmpty();
    }

    @Test
    void phoneLikeTextAlsoMatchesTheDigitsOfThePhone() throws SQLException {
        assertThat(search(userA, "5550191")).containsExactly("Ann Lee");
        assertThat(search(userA, "(212) 555-0191")).containsExactly("Ann Lee");
        assertThat(search(userA, "+1 212.555.0191")).containsExactly("Ann Lee");
        assertThat(search(userA, "555 0191\t")).containsExactly("Ann Lee");
        assertThat(search(userB, "(212) 555-0191")).isEmpty();
        // not phone-like (a letter): literal only, and no contact has "x555" anywhere
        assertThat(search(userA, "x555")).isEmpty();
        // no digit: not phone-like either; "()" is in no name, email or phone
        assertThat(search(userA, "()")).isEmpty();
        assertThat(search(userA, "30 123")).containsExactly("Bob");
    }

    @Test
    void nullFindsNothingAndOverlongTextIsRefused() throws SQLException {
        assertThat(column(db, userA, "select count(*)::text from public.search_contact_ids(null)")).containsExactly("0");
        assertThat(column(db, userA, "select count(*)::text from public.search_contact_ids(?)", "é".repeat(200)))
                .containsExactly("0");
        assertThatThrownBy(() -> search(userA, "x".repeat(201))).isInstanceOf(SQLException.class)
                .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("22023");
    }

    @Test
    void findsTheSameWithoutTheTrigramIndex() throws SQLException {
        try (TestDatabase plain = SchemaTestSupport.migratedDatabase()) {
            UUID org = SchemaTestSupport.organization(plain, "Clinic");
            RequestClaims user = RequestClaims.user(org, SchemaTestSupport.user(plain, org));
            admin(plain, "insert into public.contacts (org_id, name, phone) values (?, 'Ann Lee', '+12125550191'),"
                    + " (?, '100% Sure', null)", org, org);
            admin(plain, "drop index if exists public.idx_contacts_search_trgm");
            assertThat(column(plain, user, NAMES, "ann")).containsExactly("Ann Lee");
            assertThat(column(plain, user, NAMES, "(212) 555-0191")).containsExactly("Ann Lee");
            assertThat(column(plain, user, NAMES, "%")).containsExactly("100% Sure");
        }
    }

    @Test
    void isDeclaredAsASafeSecurityDefiner() throws SQLException {
        assertThat(adminColumn(db, "select p.prosecdef || ' ' || p.provolatile::text || ' ' || p.prorows || ' '"
                + " || array_to_string(p.proconfig, ',') || ' ' || pg_get_function_result(p.oid)"
                + " from pg_proc p where p.oid = 'public.search_contact_ids(text)'::regprocedure"))
                .containsExactly("true s 100 search_path=\"\",plan_cache_mode=force_custom_plan SETOF uuid");
        assertThat(adminColumn(db, "select coalesce(string_agg(r.rolname, ',' order by r.rolname), '') from pg_roles r"
                + " where r.rolname in ('anon', 'authenticated', 'service_role', ?)"
                + " and has_function_privilege(r.oid, 'public.search_contact_ids(text)', 'execute')", db.server().loginRole()))
                .containsExactly("authenticated,service_role");
        assertThat(adminColumn(db, "select count(*)::text from pg_proc p, aclexplode(p.proacl) a"
                + " where p.oid = 'public.search_contact_ids(text)'::regprocedure and a.grantee = 0"))
                .as("no EXECUTE for PUBLIC").containsExactly("0");
        // the owner must bypass RLS, else (FORCE ROW LEVEL SECURITY) the function would find nothing
        assertThat(adminColumn(db, "select (r.rolsuper or r.rolbypassrls)::text from pg_proc p join pg_roles r"
                + " on r.oid = p.proowner where p.oid = 'public.search_contact_ids(text)'::regprocedure"))
                .containsExactly("true");
        assertThat(adminColumn(db, "select r.rolsuper::text || r.rolbypassrls::text from pg_roles r where r.rolname = ?",
                db.server().loginRole())).as("the tests' login role").containsExactly("falsefalse");
    }

    @Test
    void theRowsItReturnsAreStillReadUnderRowLevelSecurity() throws SQLException {
        // a user of org B asking with org B's claims for org A's ids directly gets nothing from contacts
        List<String> idsOfA = adminColumn(db, "select id::text from public.contacts where org_id = ?", orgA);
        assertThat(column(db, userB, "select count(*)::text from public.contacts where id = any(?::uuid[])",
                (Object) idsOfA.toArray(String[]::new))).containsExactly("0");
        assertThat(search(userB, "")).hasSize(5).allSatisfy(name -> assertThat(name).isNotEqualTo("Joanna 1"));
        assertThat(search(userA, "")).hasSize(5).contains("Joanna 1");
    }
}
