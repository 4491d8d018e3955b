package com.voxanne.schema;

import static com.voxanne.schema.SchemaTestSupport.admin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.schema.session.RequestBinding;
import com.voxanne.schema.session.RequestBinding.Placement;
import com.voxanne.schema.session.RequestClaims;
import com.voxanne.schema.session.RoleTimeouts;
import com.voxanne.testkit.postgres.TestDatabase;
import java.lang.reflect.Modifier;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The binding's two forms on one server: the single-server form is {@code BIND_SQL} alone, whatever the
 * claims; the distributed form (BIND_SQL, then {@code SET LOCAL} literals) binds exactly the same, so a
 * database's kind decides only what reaches the workers. And the attack on the distributed form's
 * literals: nothing but a UUID, the fixed role names, whole milliseconds and empty strings reaches its
 * text. On a single server a database is found {@link Placement#SINGLE_SERVER}.
 */
class RequestBindingFormsTest {

    private static TestDatabase db;
    private static UUID org;
    private static UUID user;
    private static UUID otherOrg;

    @BeforeAll
    static void database() throws SQLException {
        db = SchemaTestSupport.migratedDatabase();
        org = SchemaTestSupport.organization(db, "A");
        user = SchemaTestSupport.user(db, org);
        otherOrg = SchemaTestSupport.organization(db, "B");
        admin(db, "insert into public.contacts (org_id, name) values (?, 'of A'), (?, 'of B')", org, otherOrg);
    }

    @AfterAll
    static void close() {
        db.close();
    }

    @Test
    void aSingleServerIsFoundSingleServerAndKeepsTheConstantBinding() throws SQLException {
        try (Connection c = db.loginDataSource().getConnection()) {
            assertThat(RequestBinding.placementOf(c)).isEqualTo(Placement.SINGLE_SERVER);
        }
        assertThat(RequestBinding.bindSql(Placement.SINGLE_SERVER, RequestClaims.user(org, user), RoleTimeouts.defaults()))
                .isSameAs(RequestBinding.BIND_SQL);
        assertThat(Placement.SINGLE_SERVER.statements()).isEqualTo(1);
    }

    /** What the transaction's statements see is the same in both forms, and nothing outlives the commit. */
    @Test
    void bothFormsBindTheSame() throws SQLException {
        RoleTimeouts timeouts = RoleTimeouts.defaults().withLockTimeout(com.voxanne.schema.session.ApiRole.AUTHENTICATED,
                Duration.ofMillis(1234));
        String probe = "select current_user, public.auth_org_id()::text, public.auth_user_id()::text,"
                + " current_setting('statement_timeout'), current_setting('lock_timeout'), current_setting('search_path'),"
                + " current_setting('request.jwt.claim.sub', true), (select count(*) from public.contacts)::text";
        List<List<String>> seen = new ArrayList<>();
        for (Placement placement : Placement.values()) {
            try (Connection c = db.loginDataSource().getConnection()) {
                try (Statement s = c.createStatement()) {
                    // what an earlier borrower may have left on the session
                    s.execute("select set_config('request.jwt.claim.sub', '" + UUID.randomUUID() + "', false),"
                            + " set_config('lock_timeout', '0', false)");
                }
                c.setAutoCommit(false);
                RequestBinding.bind(c, RequestClaims.user(org, user), timeouts, placement);
                seen.add(row(c, probe));
                c.commit();
                c.setAutoCommit(true);
                assertThat(row(c, "select current_user::text, current_setting('request.jwt.claims', true)"))
                        .as("nothing after the commit").containsExactly(db.server().loginRole(), "");
            }
        }
        assertThat(seen.get(0)).containsExactly("authenticated", org.toString(), user.toString(), "8s", "1234ms",
                RequestBinding.SEARCH_PATH, "", "1");
        assertThat(seen.get(1)).isEqualTo(seen.get(0));
    }

    /** The distributed form prefixed to a query, in one string, one execution: the query's result comes after the binding's. */
    @Test
    void theDistributedFormPrefixesAQueryInOneString() throws SQLException {
        RequestClaims claims = RequestClaims.user(org, user);
        String sql = RequestBinding.bindSql(Placement.DISTRIBUTED, claims, RoleTimeouts.defaults())
                + ";\nselect count(*) from public.contacts where org_id = ?";
        try (Connection c = db.loginDataSource().getConnection()) {
            c.setAutoCommit(false);
            for (int run = 0; run < 7; run++) {   // past PgJDBC's server-prepare threshold
                try (PreparedStatement ps = c.prepareStatement(sql)) {
                    RequestBinding.setParameters(ps, 1, claims);
                    ps.setObject(RequestBinding.PARAMETER_COUNT + 1, otherOrg);
                    ps.execute();
                    for (int skip = 0; skip < Placement.DISTRIBUTED.statements(); skip++) {
                        ps.getMoreResults();
                    }
                    try (ResultSet rs = ps.getResultSet()) {
                        rs.next();
                        assertThat(rs.getLong(1)).as("B's contacts, as A").isZero();
                    }
                }
            }
            c.rollback();
        }
    }

    /**
     * The attack: a claim value that is not a UUID. The public API takes {@link UUID}s only, and
     * {@link UUID} is final, so no subclass can return another text; the claims JSON and timeouts are
     * checked for their shape before they are quoted, and a literal with a backslash or a NUL is refused.
     * The control: every literal of a real binding has the expected shape.
     */
    @Test
    void nothingButAUuidReachesTheDistributedBindingsText() throws Exception {
        assertThat(Modifier.isFinal(UUID.class.getModifiers())).isTrue();
        assertThatThrownBy(() -> RequestClaims.user(UUID.fromString("x'; reset role; --"), user))
                .isInstanceOf(IllegalArgumentException.class);

        String sql = RequestBinding.bindSql(Placement.DISTRIBUTED, RequestClaims.user(org, user), RoleTimeouts.defaults());
        String[] statements = sql.split(";\n");
        assertThat(statements).hasSize(Placement.DISTRIBUTED.statements());
        assertThat(statements[0]).isEqualTo(RequestBinding.BIND_SQL);
        assertThat(statements[1]).isEqualTo("set local \"request.jwt.claims\" = '{\"sub\":\"" + user
                + "\",\"role\":\"authenticated\",\"app_metadata\":{\"org_id\":\"" + org + "\"}}'");
        for (int i = 2; i < statements.length; i++) {
            assertThat(statements[i]).matches("set local (\"request\\.jwt\\.claim[a-z_.]*\" = ''"
                    + "|(statement|lock)_timeout = '[0-9]+ms'|search_path = pg_catalog, public, pg_temp)");
        }
        for (RequestClaims claims : List.of(RequestClaims.service(), RequestClaims.service(org), RequestClaims.anonymous())) {
            assertThat(RequestBinding.bindSql(Placement.DISTRIBUTED, claims, RoleTimeouts.defaults()).split(";\n")[1])
                    .matches("set local \"request\\.jwt\\.claims\" = '\\{[a-z_\":,{}0-9-]+\\}'");
        }

        // the package's own guards, reached as the binding reaches them
        java.lang.reflect.Method literal = RequestBinding.class.getDeclaredMethod("literal", String.class);
        literal.setAccessible(true);
        assertThat(literal.invoke(null, "it's")).isEqualTo("'it''s'");
        for (String refused : new String[] {"a\\'; reset role; --", "a\0b"}) {
            assertThatThrownBy(() -> invoke(literal, refused)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageNotContaining(refused);
        }
        java.lang.reflect.Method checked = RequestBinding.class.getDeclaredMethod("checked", String.class,
                java.util.regex.Pattern.class, String.class);
        checked.setAccessible(true);
        java.util.regex.Pattern claimsShape = java.util.regex.Pattern.compile("\\{[a-z_\":,{}0-9-]{0,200}\\}");
        for (String forged : new String[] {"{\"sub\":\"x'; reset role; --\"}", "{\"role\":\"service_role\"} ", "{\"a\":\"\\u0027\"}"}) {
            assertThatThrownBy(() -> invoke(checked, forged, claimsShape, "claims")).isInstanceOf(IllegalStateException.class)
                    .hasMessageNotContaining(forged);
        }
    }

    private static Object invoke(java.lang.reflect.Method method, Object... args) throws Throwable {
        try {
            return method.invoke(null, args);
        } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
        }
    }

    private static List<String> row(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            List<String> values = new ArrayList<>();
            for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                values.add(rs.getString(i));
            }
            return values;
        }
    }
}
