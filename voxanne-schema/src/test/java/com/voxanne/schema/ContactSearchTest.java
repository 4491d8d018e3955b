package com.voxanne.schema;

import static com.voxanne.schema.SchemaTestSupport.admin;
import static com.voxanne.schema.SchemaTestSupport.adminColumn;
import static com.voxanne.schema.SchemaTestSupport.as;
import static com.voxanne.schema.SchemaTestSupport.column;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.schema.session.RequestBinding;
import com.voxanne.schema.session.RequestClaims;
import com.voxanne.testkit.postgres.TestDatabase;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code public.search_contact_ids(text)} (V11; since V13 its candidates come from the per-organization
 * token index) runs as its owner, past row-level security: its own organization filter is the
 * isolation. Checked through the non-superuser login role acting as users and the service role of two
 * clinics whose contacts have the same names, and as the admin, whom nothing else filters; and compared
 * with a plain query for texts with and without tokens, many calls in one session, whose kept plans
 * must use the token index.
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
        // an org_id that is not a uuid is an error (auth_org_id(), ADR 0007), never some organization's contacts
        assertThatThrownBy(() -> as(db, RequestClaims.service(), c -> {
            try (Statement s = c.createStatement()) {
                s.execute("select set_config('request.jwt.claims', '{\"role\":\"authenticated\",\"app_metadata\":"
                        + "{\"org_id\":\"" + orgA + "-x\"}}', true),"
                        + " set_config('role', 'authenticated', true)");
            }
            return SchemaTestSupport.column(c, NAMES, "ann");
        })).isInstanceOf(SQLException.class).extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("22P02");
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

    /** Three consecutive ASCII letters or digits (what pg_trgm would index). */
    private static final Pattern TRIGRAM_RUN = Pattern.compile("[0-9A-Za-z]{3}");

    /** Texts with such a run: every arm has tokens, and the token index narrows the candidates. */
    private static final List<String> RUN_TEXTS = List.of("ann", "ANN LEE", "lee", "Joanna 7", "c12.o", "c11.o1@",
            "lee@ex", "bench.example", "EXAMPLE.COM", "x555", "0198", "5550198", "+1 212", "555-0198",
            "(212) 555-0191", "+1 212.555.0191", "555 0191\t", "12125550191", "Sure_Thing", "100%", "100% s",
            "k\\sla", "50%off", "José", "under_sc", "sure_thing%1@", "%ann%", "zzz", "STRASSE", "straße 3", "ΣΟΦΟΣ str");

    /**
     * Texts without such a run: those of 3 characters or more still have tokens (any 3 characters, wildcards
     * and non-ASCII letters too); those with an arm under 3 characters read the organization's rows.
     */
    private static final List<String> SHORT_TEXTS = List.of("", " ", "1", "12", "a", "A", "@", ".", "c1.o", "o1@",
            "-", "1-2", "(1) 2", "+1 2", "12 19", "%", "_", "\\", "0% s", "a%e", "A_n", "k\\s", "\\%", "%_\\", "é",
            "É", "()", "e.c", "@b", "ñ", "5%", "%o", "a_n_n", "e_Th", "NÚÑ", "C1.O1@", "c1.o1", "σοφοσ",
            "ΣΟΦΟΣ", "σοφος", "aße", "ß", "%%%", "\\\\\\", "ez ");

    /**
     * Each org: 60 contacts whose names, e-mails and phones share fragments, wildcards and backslashes; the
     * two organizations' phones overlap (org 1: +12125550161 to 0220, org 2: 0171 to 0230).
     */
    private static void someContacts(TestDatabase db, UUID org, int suffix) throws SQLException {
        admin(db, "insert into public.contacts (org_id, name, email, phone)"
                + " select ?, n.name || ' ' || g,"
                + "        case g % 5 when 0 then null"
                + "                   when 1 then 'c' || g || '.o' || ? || '@bench.example'"
                + "                   when 2 then lower(translate(n.name, ' ', '.')) || g || '@example.com'"
                + "                   when 3 then 'sure_thing%' || g || '@x.org'"
                + "                   else 'back\\' || g || '@b.c' end,"
                + "        case when g % 4 = 0 then null else '+1212555' || lpad((150 + g + 10 * ?)::text, 4, '0') end"
                + "   from generate_series(1, 60) g"
                + "   join unnest(array['Ann Lee', 'Joanna', 'Leeann Park', '100% Sure_Thing', 'Back\\slash', 'José Núñez',"
                + "        'Bob', 'under_score', 'C1.O Test', '50%off', 'ΣΟΦΟΣ Straße']) with ordinality as n (name, i)"
                + "   on n.i = 1 + g % 11",
                org, suffix, suffix);
    }

    /** The digits a phone-like text also matches (Java's reading of the DAO's rule: [+\d\s().-]* with a digit), else null. */
    private static String phoneDigits(String text) {
        return text.matches("[+\\d\\s().-]*") && Pattern.compile("[0-9]").matcher(text).find()
                ? text.replaceAll("[^0-9]", "") : null;
    }

    /** What the function must return, by a plain query as the admin: literal, case-insensitive containment. */
    private static List<String> expected(TestDatabase db, UUID org, String text) throws SQLException {
        String digits = phoneDigits(text);
        return adminColumn(db, "select id::text from public.contacts where org_id = ?"
                + " and (strpos(lower(name), lower(?)) > 0 or strpos(lower(email), lower(?)) > 0"
                + "      or strpos(lower(phone), lower(?)) > 0 or strpos(phone, ?::text) > 0) order by 1",
                org, text, text, text, digits);
    }

    @Test
    void findsExactlyWhatAPlainQueryFindsAndNothingOfAnotherOrganization() throws SQLException {
        assertThat(RUN_TEXTS).allMatch(t -> TRIGRAM_RUN.matcher(t).find());
        assertThat(SHORT_TEXTS).noneMatch(t -> TRIGRAM_RUN.matcher(t).find());
        try (TestDatabase many = SchemaTestSupport.migratedDatabase()) {
            UUID a = SchemaTestSupport.organization(many, "Clinic A");
            UUID b = SchemaTestSupport.organization(many, "Clinic B");
            someContacts(many, a, 1);
            someContacts(many, b, 2);
            admin(many, "analyze public.contacts");
            Map<UUID, RequestClaims> users = new LinkedHashMap<>();
            users.put(a, RequestClaims.user(a, SchemaTestSupport.user(many, a)));
            users.put(b, RequestClaims.service(b));
            Map<UUID, List<String>> idsOf = new LinkedHashMap<>();
            for (UUID org : users.keySet()) {
                idsOf.put(org, adminColumn(many, "select id::text from public.contacts where org_id = ?", org));
            }

            // texts with and without a trigram alternate, twice over, the second time in reverse
            List<String> calls = new ArrayList<>();
            for (int i = 0; i < Math.max(RUN_TEXTS.size(), SHORT_TEXTS.size()); i++) {
                if (i < RUN_TEXTS.size()) {
                    calls.add(RUN_TEXTS.get(i));
                }
                if (i < SHORT_TEXTS.size()) {
                    calls.add(SHORT_TEXTS.get(i));
                }
            }
            List<String> reversed = new ArrayList<>(calls);
            Collections.reverse(reversed);
            calls.addAll(reversed);

            Map<String, Map<UUID, List<String>>> expected = new LinkedHashMap<>();
            for (String text : calls) {
                if (!expected.containsKey(text)) {
                    Map<UUID, List<String>> perOrg = new LinkedHashMap<>();
                    for (UUID org : users.keySet()) {
                        perOrg.put(org, expected(many, org, text));
                    }
                    expected.put(text, perOrg);
                }
            }
            assertThat(expected.values()).as("the texts find something in some cases and nothing in others")
                    .anyMatch(e -> e.get(a).isEmpty()).anyMatch(e -> e.get(a).size() == 60)
                    .anyMatch(e -> e.get(a).size() > 0 && e.get(a).size() < 60);

            // one session (so plpgsql's cached plans are reused), the two organizations in turn, each call in
            // a transaction of its own and a few in one transaction
            try (Connection c = many.loginDataSource().getConnection()) {
                c.setAutoCommit(false);
                int n = 0;
                int tokenSearches = 0;
                for (String text : calls) {
                    for (Map.Entry<UUID, RequestClaims> caller : users.entrySet()) {
                        RequestBinding.bind(c, caller.getValue());
                        List<String> before = SchemaTestSupport.column(c, SCANS);
                        List<String> found = SchemaTestSupport.column(c,
                                "select s::text from public.search_contact_ids(?) s order by 1", text);
                        assertThat(found).as("%s for org %s (call %d)", text, caller.getKey(), ++n)
                                .containsExactlyElementsOf(expected.get(text).get(caller.getKey()))
                                .isSubsetOf(idsOf.get(caller.getKey()));
                        List<String> after = SchemaTestSupport.column(c, SCANS);
                        if (hasTokens(text)) {
                            tokenSearches++;
                            assertThat(Long.parseLong(after.get(0))).as("token index scans for %s (call %d)", text, n)
                                    .isGreaterThan(Long.parseLong(before.get(0)));
                            assertThat(after.get(1)).as("sequential scans of contacts for %s (call %d)", text, n)
                                    .isEqualTo(before.get(1));
                        } else {
                            assertThat(after).as("token index scans for %s (call %d)", text, n).first().isEqualTo(before.get(0));
                        }
                        if (n % 3 != 0) {
                            c.commit();
                        }
                    }
                }
                assertThat(n).isGreaterThan(100);
                assertThat(tokenSearches).isGreaterThan(n / 2).isLessThan(n);

                // the search means the same whatever collation the caller gives its argument: its patterns and
                // tokens are lowered as the columns and the token index are (the database's default)
                RequestBinding.bind(c, users.get(a));
                for (String text : List.of("NÚÑ", "josé", "ΣΟΦΟΣ str", "straße 3", "Ann Lee", "C1.O")) {
                    assertThat(SchemaTestSupport.column(c, "select s::text from public.search_contact_ids(cast(? as text)"
                            + " collate \"C\") s order by 1", text)).as("%s collated \"C\"", text)
                            .isNotEmpty().containsExactlyElementsOf(expected(many, a, text));
                }

                // after all of that, the guards still hold
                assertThat(SchemaTestSupport.column(c, "select count(*)::text from public.search_contact_ids(null)"))
                        .containsExactly("0");
                for (String overlong : List.of("x".repeat(201), ".".repeat(201))) {
                    Savepoint sp = c.setSavepoint();
                    assertThatThrownBy(() -> SchemaTestSupport.column(c, "select * from public.search_contact_ids(?)", overlong))
                            .isInstanceOf(SQLException.class)
                            .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("22023");
                    c.rollback(sp);
                }
                RequestBinding.bind(c, RequestClaims.service());
                for (String text : List.of("ann", "a")) {
                    Savepoint sp = c.setSavepoint();
                    assertThatThrownBy(() -> SchemaTestSupport.column(c, "select * from public.search_contact_ids(?)", text))
                            .isInstanceOf(SQLException.class)
                            .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo("42501");
                    c.rollback(sp);
                }
                c.rollback();
            }
        }
    }

    /** This transaction's scans of the token index, and its sequential scans of contacts. */
    private static final String SCANS = "select pg_stat_get_xact_numscans(x)::text"
            + " from unnest(array['public.idx_contacts_search_tokens'::regclass, 'public.contacts'::regclass]) x";

    /** Whether every arm of the search has 3 characters or more, i.e. tokens: the text, and its digits if phone-like. */
    private static boolean hasTokens(String text) {
        String digits = phoneDigits(text);
        return text.codePointCount(0, text.length()) >= 3
                && (digits == null || digits.equals(text) || digits.length() >= 3);
    }

    /** Without the token index the function is slower (every row's tokens are computed), never wrong. */
    @Test
    void findsTheSameWithoutTheTrigramOrTokenIndexes() throws SQLException {
        try (TestDatabase plain = SchemaTestSupport.migratedDatabase()) {
            UUID org = SchemaTestSupport.organization(plain, "Clinic");
            RequestClaims user = RequestClaims.user(org, SchemaTestSupport.user(plain, org));
            admin(plain, "insert into public.contacts (org_id, name, phone) values (?, 'Ann Lee', '+12125550191'),"
                    + " (?, '100% Sure', null)", org, org);
            admin(plain, "drop index if exists public.idx_contacts_search_trgm");
            admin(plain, "drop index public.idx_contacts_search_tokens");
            assertThat(column(plain, user, NAMES, "ann")).containsExactly("Ann Lee");
            assertThat(column(plain, user, NAMES, "(212) 555-0191")).containsExactly("Ann Lee");
            assertThat(column(plain, user, NAMES, "%")).containsExactly("100% Sure");
            assertThat(column(plain, user, NAMES, "1")).containsExactly("100% Sure", "Ann Lee");
            assertThat(column(plain, user, NAMES, "555-0191")).containsExactly("Ann Lee");
        }
    }

    @Test
    void isDeclaredAsASafeSecurityDefiner() throws SQLException {
        assertThat(adminColumn(db, "select p.prosecdef || ' ' || p.provolatile::text || ' ' || p.prorows || ' '"
                + " || array_to_string(p.proconfig, ',') || ' ' || pg_get_function_result(p.oid)"
                + " from pg_proc p where p.oid = 'public.search_contact_ids(text)'::regprocedure"))
                .containsExactly("true s 100 search_path=pg_catalog, pg_temp,plan_cache_mode=force_generic_plan,"
                        + "max_parallel_workers_per_gather=0 SETOF uuid");
        assertThat(executors("public.search_contact_ids(text)")).containsExactly("authenticated,service_role");
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

    /** Which of the API roles and the tests' login role may execute the function with this signature. */
    private static List<String> executors(String signature) throws SQLException {
        return adminColumn(db, "select coalesce(string_agg(r.rolname, ',' order by r.rolname), '') from pg_roles r"
                + " where r.rolname in ('anon', 'authenticated', 'service_role', ?)"
                + " and has_function_privilege(r.oid, ?::regprocedure, 'execute')", db.server().loginRole(), signature);
    }

    @Test
    void theTokenFunctionIsAnImmutableInvokerFunctionTheInsertingRolesMayRun() throws SQLException {
        String fn = "'public.contact_search_tokens(uuid, text, text, text)'::regprocedure";
        assertThat(adminColumn(db, "select p.prosecdef || ' ' || p.provolatile::text || ' ' || p.proparallel::text || ' '"
                + " || p.procost || ' ' || array_to_string(p.proconfig, ',') || ' ' || pg_get_function_result(p.oid)"
                + " from pg_proc p where p.oid = " + fn))
                .containsExactly("false i s 1000 search_path=pg_catalog, pg_temp text[]");
        assertThat(executors("public.contact_search_tokens(uuid, text, text, text)")).containsExactly("authenticated,service_role");
        // each column lowered whole, then cut into 3 characters behind the organization's prefix
        UUID org = UUID.fromString("0a1b2c3d-0000-4000-8000-000000000000");
        assertThat(column(db, userA, "select array_to_string(public.contact_search_tokens(?, 'ÁbCd', null, '+123'), ' ')", org))
                .containsExactly("0a1b2c3dábc 0a1b2c3dbcd 0a1b2c3d+12 0a1b2c3d123");
        assertThat(column(db, userA, "select cardinality(public.contact_search_tokens(?, 'ab', '', null))::text", org))
                .containsExactly("0");
        // the login role acting as a user inserts contacts, which evaluates it for the index
        try {
            assertThat(column(db, userA, "insert into public.contacts (org_id, name, email) values (?, 'Token Test', 'tt@x.org')"
                    + " returning name", orgA)).containsExactly("Token Test");
            assertThat(search(userA, "oken tes")).containsExactly("Token Test");
        } finally {
            admin(db, "delete from public.contacts where name = 'Token Test'");
        }
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
