package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.voxanne.schema.session.RequestBinding;
import com.voxanne.testkit.Admin;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import com.voxanne.testkit.postgres.TestDatabase;
import com.voxanne.testkit.postgres.TestPostgresConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Whoever can run SQL on a pooled connection may leave settings on its session
 * ({@code set_config(…, false)}, {@code SET}) for the next borrower. Supabase's functions prefer the older
 * per-claim settings ({@code request.jwt.claim.app_metadata}, {@code request.jwt.claim},
 * {@code request.jwt.claim.sub}, …) to {@code request.jwt.claims}, so a binding that set only the role and
 * {@code request.jwt.claims} let such a leftover decide the organization and the user of the next unit of
 * work. The binding now blanks them transaction-locally: the claims a unit binds are the only ones its
 * statements see.
 */
@VoxannePostgres
class PoisonedConnectionAttackTest {

    /** The binding as it was: role and claims JSON only. */
    private static final String ROLE_AND_CLAIMS_ONLY =
            "select set_config('role', ?, true), set_config('request.jwt.claims', ?, true)";

    /**
     * A per-claim setting an earlier borrower left on the session pointing at Bob of clinic B, the function
     * that reads it, what that function returns under the attack and what it returns for Ann's own claims.
     */
    enum LegacyClaim {
        APP_METADATA("request.jwt.claim.app_metadata", "public.auth_org_id()::text",
                bob -> "{\"org_id\":\"" + bob.organization().id() + "\"}",
                bob -> bob.organization().id().toString(), ann -> ann.organization().id().toString()),
        CLAIM("request.jwt.claim", "public.auth_org_id()::text", bob -> bob.claims().toJson(),
                bob -> bob.organization().id().toString(), ann -> ann.organization().id().toString()),
        SUB("request.jwt.claim.sub", "concat_ws(' ', auth.uid(), public.auth_user_id())", bob -> bob.id().toString(),
                bob -> bob.id() + " " + bob.id(), ann -> ann.id() + " " + ann.id()),
        ROLE("request.jwt.claim.role", "auth.role()", bob -> "service_role",
                bob -> "service_role", ann -> "authenticated"),
        EMAIL("request.jwt.claim.email", "auth.email()", bob -> "someone@clinic-b.example",
                bob -> "someone@clinic-b.example", ann -> null);   // the DAO's claims carry no e-mail

        final String setting;
        final String probe;
        final Function<User, String> poison;
        final Function<User, String> underAttack;
        final Function<User, String> bound;

        LegacyClaim(String setting, String probe, Function<User, String> poison, Function<User, String> underAttack,
                    Function<User, String> bound) {
            this.setting = setting;
            this.probe = probe;
            this.poison = poison;
            this.underAttack = underAttack;
            this.bound = bound;
        }
    }

    /**
     * On a raw connection of the login role: with a per-claim setting left on the session, a transaction
     * bound by role and claims alone sees the attacker's value (the attack is real); bound by
     * {@link RequestBinding#BIND_SQL} it sees its own claims and the per-claim settings read as unset. The
     * session's leftover is untouched afterwards: the binding blanks it for its own transaction only.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(LegacyClaim.class)
    void aLeftoverPerClaimSettingDecidedWhoTheOldBindingWasAndNoLongerDoes(LegacyClaim claim, DataSource login,
                                                                         Tenants tenants) throws SQLException {
        assumeFalse(TestPostgresConfig.fromEnvironment().loginUrl().isPresent(), "the login role's connections go"
                + " through a pooler (voxanne.test.login-url): in transaction mode a session setting stays on whichever"
                + " server connection ran it, so the raw attack's premise (the leftover on the next transaction's"
                + " session) cannot be set up; the pool-level poison tests still run");
        User ann = tenants.organization("Raw A " + UUID.randomUUID()).user("ann");
        User bob = tenants.organization("Raw B " + UUID.randomUUID()).user("bob");
        try (Connection c = login.getConnection()) {
            setOnSession(c, claim.setting, claim.poison.apply(bob));
            c.setAutoCommit(false);

            try (PreparedStatement old = c.prepareStatement(ROLE_AND_CLAIMS_ONLY)) {
                old.setString(1, ann.claims().role().roleName());
                old.setString(2, ann.claims().toJson());
                old.execute();
            }
            assertThat(scalar(c, "select " + claim.probe)).as("bound by role and claims only: the leftover wins")
                    .isEqualTo(claim.underAttack.apply(bob));
            c.rollback();

            RequestBinding.bind(c, ann.claims());
            assertThat(scalar(c, "select " + claim.probe)).as("bound by BIND_SQL: the unit's own claims")
                    .isEqualTo(claim.bound.apply(ann));
            assertThat(scalar(c, "select concat_ws('|', current_setting('request.jwt.claim', true),"
                    + " current_setting('request.jwt.claim.sub', true), current_setting('request.jwt.claim.role', true),"
                    + " current_setting('request.jwt.claim.email', true), current_setting('request.jwt.claim.app_metadata', true))"))
                    .as("every per-claim setting blank inside the unit").isEqualTo("||||");
            c.rollback();

            c.setAutoCommit(true);
            assertThat(scalar(c, "select current_setting('" + claim.setting + "', true)"))
                    .as("the session's own value, after the transaction").isEqualTo(claim.poison.apply(bob));
        }
    }

    /** What an earlier borrower of the pool's one connection leaves on its session, pointing at clinic B. */
    enum Poison {
        NONE(bob -> List.of()),
        CLAIM_APP_METADATA(bob -> List.of(setOnSession("request.jwt.claim.app_metadata",
                "{\"org_id\":\"" + bob.organization().id() + "\"}"))),
        CLAIM(bob -> List.of(setOnSession("request.jwt.claim", bob.claims().toJson()))),
        CLAIM_SUB(bob -> List.of(setOnSession("request.jwt.claim.sub", bob.id().toString()))),
        CLAIM_ROLE(bob -> List.of(setOnSession("request.jwt.claim.role", "service_role"))),
        CLAIM_EMAIL(bob -> List.of(setOnSession("request.jwt.claim.email", "someone@clinic-b.example"))),
        CLAIMS(bob -> List.of(setOnSession("request.jwt.claims", bob.claims().toJson()))),
        SET_ROLE_SERVICE_ROLE(bob -> List.of("set role service_role")),
        SET_ROLE_AUTHENTICATED(bob -> List.of("set role authenticated")),
        ALL_AT_ONCE(bob -> Stream.of(values()).filter(p -> p.name().startsWith("CLAIM"))
                .flatMap(p -> p.statements.apply(bob).stream())
                .collect(Collectors.toCollection(() -> new ArrayList<>(List.of("set role service_role")))));

        final Function<User, List<String>> statements;

        Poison(Function<User, List<String>> statements) {
            this.statements = statements;
        }
    }

    /**
     * Through a HikariCP pool of one connection, so that the poisoned connection is the one every unit gets:
     * after the attacker's leftovers, per-call reads and writes and a transaction of clinic A's Ann see A's
     * rows only, write into A, and the audit trail names Ann and A. {@link Poison#NONE} is the control. The
     * leftovers are still on the session afterwards: the units really ran on the poisoned connection.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(Poison.class)
    void aUnitOnAPoisonedPooledConnectionSeesAndWritesOnlyItsOwnOrganization(Poison poison, TestDatabase db,
            @Admin DataSource admin, Tenants tenants) throws SQLException {
        User ann = tenants.organization("Poisoned A " + UUID.randomUUID()).user("ann");
        User bob = tenants.organization("Poisoned B " + UUID.randomUUID()).user("bob");
        OrgContext annInA = OrgContext.of(ann.organization().id(), ann.id());
        OrgContext bobInB = OrgContext.of(bob.organization().id(), bob.id());
        try (HikariDataSource pool = ConnectionHygieneTest.poolOfOne(db)) {
            Voxanne voxanne = Voxanne.create(pool);
            Contact a1 = voxanne.contacts(annInA).create(NewContact.named("Ann's first"));
            Contact b1 = voxanne.contacts(bobInB).create(NewContact.named("Bob's first"));

            String poisoned;
            try (Connection c = pool.getConnection()) {
                try (Statement s = c.createStatement()) {
                    for (String sql : poison.statements.apply(bob)) {
                        s.execute(sql);
                    }
                }
                poisoned = sessionState(c);
            }

            assertThat(voxanne.contacts(annInA).list(ContactQuery.all()).items()).as("a per-call read")
                    .containsExactly(a1);
            assertThat(voxanne.contacts(annInA).countsByLeadStatus().values().stream().mapToLong(Long::longValue).sum())
                    .as("a per-call count").isEqualTo(1L);
            Contact a2 = voxanne.contacts(annInA).create(NewContact.named("Ann's second"));
            List<Contact> written = new ArrayList<>();
            List<Contact> seenInTransaction = voxanne.inOrg(annInA, tx -> {
                written.add(tx.contacts().create(NewContact.named("Ann's third")));
                return tx.contacts().list(ContactQuery.all()).items();
            });
            Contact a3 = written.get(0);

            assertThat(seenInTransaction).as("read in the transaction that wrote").containsExactlyInAnyOrder(a1, a2, a3);
            assertThat(List.of(a2, a3)).extracting(Contact::organizationId).containsOnly(annInA.organizationId());
            assertThat(contactsOf(admin, bob.organization().id())).as("clinic B, read as admin").containsExactly(b1.id());
            assertThat(contactsOf(admin, ann.organization().id())).as("clinic A, read as admin")
                    .containsExactlyInAnyOrder(a1.id(), a2.id(), a3.id());
            assertThat(auditedInserts(admin, a2.id(), a3.id())).as("the audit trail of both writes")
                    .containsExactly(ann.id() + " " + ann.organization().id() + " " + ann.organization().id() + " authenticated",
                            ann.id() + " " + ann.organization().id() + " " + ann.organization().id() + " authenticated");

            try (Connection c = pool.getConnection()) {
                assertThat(sessionState(c)).as("the same connection, its leftovers still there").isEqualTo(poisoned);
            }
        }
    }

    /**
     * The DAO's SQL names built-in types without a schema ({@code cast(? as uuid)}). Where the pool's
     * login role may create temporary objects (TEMPORARY granted back here: V14 revokes it, but a database
     * cloned or restored loses that revoke), an earlier borrower can leave a temporary domain {@code uuid}
     * whose CHECK runs its own function: with the session's search_path, which searches pg_temp first for
     * types, the next unit's casts would run it as that unit's user, with that user's claims. The binding's
     * search_path names pg_temp last: the unit uses the built-in uuid, and the trap never fires.
     */
    @Test
    void aTemporaryTypeLeftOnThePooledConnectionIsNotTheOneAUnitUses(TestDatabase db, @Admin DataSource admin,
                                                                     Tenants tenants) throws SQLException {
        User ann = tenants.organization("Shadowed A " + UUID.randomUUID()).user("ann");
        OrgContext annInA = OrgContext.of(ann.organization().id(), ann.id());
        String grantee = scalarOf(admin, "select quote_ident(?)", db.server().loginRole());
        String database = scalarOf(admin, "select quote_ident(current_database())", null);
        execute(admin, "grant temporary on database " + database + " to " + grantee);
        try (HikariDataSource pool = ConnectionHygieneTest.poolOfOne(db)) {
            Voxanne voxanne = Voxanne.create(pool);
            Contact a1 = voxanne.contacts(annInA).create(NewContact.named("Ann's first"));
            try (Connection c = pool.getConnection(); Statement s = c.createStatement()) {
                s.execute("create function pg_temp.trap(pg_catalog.uuid) returns boolean language plpgsql as"
                        + " $$ begin raise exception 'PWNED as %', current_user; end $$");
                s.execute("create domain pg_temp.uuid as pg_catalog.uuid check (pg_temp.trap(value))");
                // the trap is real: the session's own search_path finds it for a bare uuid
                assertThat(catchThrowable(() -> s.execute("select cast('"
                        + a1.id() + "' as uuid)"))).hasMessageContaining("PWNED");
                // and a transaction bound by role and claims alone (no search_path) walks into it too
                c.setAutoCommit(false);
                try (PreparedStatement old = c.prepareStatement(ROLE_AND_CLAIMS_ONLY)) {
                    old.setString(1, ann.claims().role().roleName());
                    old.setString(2, ann.claims().toJson());
                    old.execute();
                }
                assertThat(catchThrowable(() -> s.execute("select cast('"
                        + a1.id() + "' as uuid)"))).hasMessageContaining("PWNED as authenticated");
                c.rollback();
                c.setAutoCommit(true);
            }

            assertThat(voxanne.contacts(annInA).get(a1.id())).as("a per-call read by id").isEqualTo(a1);
            assertThat(voxanne.contacts(annInA).list(ContactQuery.all()).items()).as("a per-call list").containsExactly(a1);
            Contact a2 = voxanne.inOrg(annInA, tx -> tx.contacts().create(NewContact.named("Ann's second")));
            assertThat(contactsOf(admin, ann.organization().id())).containsExactlyInAnyOrder(a1.id(), a2.id());

            try (Connection c = pool.getConnection()) {
                assertThat(scalar(c, "select count(*) from pg_catalog.pg_type t where t.typname = 'uuid'"
                        + " and t.typnamespace = pg_catalog.pg_my_temp_schema()"))
                        .as("the trap is still on the connection the units used").isEqualTo("1");
            }
        } finally {
            execute(admin, "revoke temporary on database " + database + " from " + grantee);
        }
    }

    private static String scalarOf(DataSource admin, String sql, String parameter) throws SQLException {
        try (Connection c = admin.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            if (parameter != null) {
                ps.setString(1, parameter);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private static void execute(DataSource admin, String sql) throws SQLException {
        try (Connection c = admin.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static String setOnSession(String setting, String value) {
        return "select set_config('" + setting + "', '" + value + "', false)";
    }

    private static void setOnSession(Connection c, String setting, String value) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute(setOnSession(setting, value));
        }
    }

    /** The backend, the session's role and every claim setting: what an attacker may have changed. */
    private static String sessionState(Connection c) throws SQLException {
        return scalar(c, "select concat_ws(' | ', pg_backend_pid(), current_user, current_setting('request.jwt.claims', true),"
                + " current_setting('request.jwt.claim', true), current_setting('request.jwt.claim.sub', true),"
                + " current_setting('request.jwt.claim.role', true), current_setting('request.jwt.claim.email', true),"
                + " current_setting('request.jwt.claim.app_metadata', true))");
    }

    private static List<UUID> contactsOf(DataSource admin, UUID organizationId) throws SQLException {
        List<UUID> ids = new ArrayList<>();
        try (Connection c = admin.getConnection();
             PreparedStatement ps = c.prepareStatement("select id from public.contacts where org_id = ?")) {
            ps.setObject(1, organizationId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    ids.add(rs.getObject(1, UUID.class));
                }
            }
        }
        return ids;
    }

    /** Per audited insert of the contacts: acting user, row's organization, claims' organization, database role. */
    private static List<String> auditedInserts(DataSource admin, UUID... contactIds) throws SQLException {
        List<String> rows = new ArrayList<>();
        try (Connection c = admin.getConnection(); PreparedStatement ps = c.prepareStatement(
                "select authenticated_user, org_id, claims_org_id, database_user from public.audit_logs"
                        + " where table_name = 'contacts' and operation = 'INSERT' and (row_data ->> 'id')::uuid = any(?)"
                        + " order by id")) {
            ps.setArray(1, c.createArrayOf("uuid", contactIds));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(rs.getString(1) + " " + rs.getString(2) + " " + rs.getString(3) + " " + rs.getString(4));
                }
            }
        }
        return rows;
    }

    private static String scalar(Connection c, String sql) throws SQLException {
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
