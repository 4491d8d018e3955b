package com.voxanne.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.table;

import com.voxanne.schema.session.ApiRole;
import java.util.UUID;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every assertion passing on tables built by the rules (ours, and the consumer's {@code notes}) and
 * failing, with the table, the user and the rows in its message, on tables that break them
 * ({@code leaky}: RLS not forced, one policy for everyone; {@code open_notes}: no RLS).
 */
@VoxannePostgres(migrations = TestMigrations.LOCATION)
class RlsAssertTest {

    private static Organization clinicA;
    private static Organization clinicB;
    private static Organization emptyClinic;
    private static User a1;
    private static User b1;
    private static UUID contactOfA;
    private static UUID leakyOfA;

    @BeforeAll
    static void twoClinicsWithRows(Tenants tenants) {
        clinicA = tenants.organization("A");
        clinicB = tenants.organization("B");
        emptyClinic = tenants.organization("Empty");
        a1 = clinicA.user("a1");
        b1 = clinicB.user("b1");
        tenants.asUser(a1).run(dsl -> dsl.execute("insert into public.notes (org_id, body) values (?, 'A only')", clinicA.id()));
        contactOfA = tenants.asUser(a1).call(dsl -> dsl.fetchSingle(
                "insert into public.contacts (org_id, name) values (?, 'Ann') returning id", clinicA.id()).get(0, UUID.class));
        leakyOfA = tenants.asService().call(dsl -> dsl.fetchSingle(
                "insert into public.leaky (org_id, note) values (?, 'secret of A') returning id", clinicA.id()).get(0, UUID.class));
    }

    // --- the login role -------------------------------------------------------------------------------

    @Test
    void theLoginRoleBypassesNothing(DataSource ds) {
        RlsAssert.assertThat(ds).loginRoleBypassesNothing();
    }

    @Test
    void anAdminConnectionBypassesEverything(@Admin DataSource admin, @Admin DSLContext adminDsl) {
        String adminRole = String.valueOf(adminDsl.fetchValue("select session_user"));
        assertThatThrownBy(() -> RlsAssert.assertThat(admin).loginRoleBypassesNothing())
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Expected the role this DataSource logs in as, " + adminRole + ", to bypass nothing")
                .hasMessageContaining("SUPERUSER")
                .hasMessageContaining("it owns")
                .hasMessageContaining("auth.users, public.appointments");
    }

    // --- enabled and forced ---------------------------------------------------------------------------

    @Test
    void rlsIsEnabledAndForcedOnOurTablesAndTheConsumers(DataSource ds) {
        for (String table : new String[] {"contacts", "appointments", "notifications", "organizations", "public.notes"}) {
            RlsAssert.assertThat(ds).table(table).hasRowLevelSecurityEnabledAndForced();
        }
    }

    @Test
    void rlsNotForcedFailsNamingTheTableAndItsOwner(DataSource ds, @Admin DSLContext admin) {
        String owner = String.valueOf(admin.fetchValue("select session_user"));
        assertThatThrownBy(() -> RlsAssert.assertThat(ds).table("leaky").hasRowLevelSecurityEnabledAndForced())
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("public.leaky")
                .hasMessageContaining("not forced: its owner " + owner + " bypasses every policy");
    }

    @Test
    void rlsNotEnabledFails(DataSource ds) {
        assertThatThrownBy(() -> RlsAssert.assertThat(ds).table("open_notes").hasRowLevelSecurityEnabledAndForced())
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("public.open_notes")
                .hasMessageContaining("not even enabled");
    }

    @Test
    void anUnknownTableFails(DataSource ds) {
        assertThatThrownBy(() -> RlsAssert.assertThat(ds).table("no_such_table"))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Expected a table named no_such_table");
    }

    // --- policies -------------------------------------------------------------------------------------

    @Test
    void ourPoliciesAndTheConsumersAreForAuthenticatedAndServiceRole(DataSource ds) {
        for (String table : new String[] {"contacts", "appointments", "notifications", "organizations", "notes"}) {
            RlsAssert.assertThat(ds).table(table).hasPoliciesOnlyForAuthenticatedAndServiceRole();
        }
        RlsAssert.assertThat(ds).table("processed_webhook_events").hasPoliciesOnlyFor(ApiRole.SERVICE_ROLE);
    }

    @Test
    void aPolicyForEveryoneFailsNamingThePolicyAndItsRoles(DataSource ds) {
        assertThatThrownBy(() -> RlsAssert.assertThat(ds).table("leaky").hasPoliciesOnlyForAuthenticatedAndServiceRole())
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Expected every policy on public.leaky to apply only to authenticated or service_role")
                .hasMessageContaining("leaky_all (ALL) TO public");
        assertThatThrownBy(() -> RlsAssert.assertThat(ds).table("contacts").hasPoliciesOnlyFor(ApiRole.SERVICE_ROLE))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("contacts_select_org (SELECT) TO authenticated");
    }

    // --- rows of one organization invisible to another ------------------------------------------------

    @Test
    void rowsOfOneClinicAreInvisibleToTheOtherOnOurTablesAndTheConsumers(DataSource ds) {
        RlsAssert.assertThat(ds).table("contacts").rowsOf(clinicA).areInvisibleTo(b1).areInvisibleToAnon();
        RlsAssert.assertThat(ds).table("notes").rowsOf(a1).areInvisibleTo(b1).areInvisibleToAnon();
    }

    @Test
    void visibleRowsFailNamingTheTableTheUserAndTheRows(DataSource ds) {
        assertThatThrownBy(() -> RlsAssert.assertThat(ds).table("leaky").rowsOf(clinicA).areInvisibleTo(b1))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Expected the 1 row(s) of organization 'A' (" + clinicA.id() + ") in public.leaky")
                .hasMessageContaining("to be invisible to user 'b1' (" + b1.id() + ") of organization 'B' (" + clinicB.id() + ")")
                .hasMessageContaining("a SELECT as that user returned 1 of them")
                .hasMessageContaining("id=" + leakyOfA + ", org_id=" + clinicA.id() + ", note=secret of A");
        assertThatThrownBy(() -> RlsAssert.assertThat(ds).table("leaky").rowsOf(clinicA).areInvisibleToAnon())
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("to be invisible to anon")
                .hasMessageContaining("id=" + leakyOfA);
    }

    @Test
    void anOrganizationWithoutRowsProvesNothingAndFails(DataSource ds) {
        assertThatThrownBy(() -> RlsAssert.assertThat(ds).table("contacts").rowsOf(emptyClinic).areInvisibleTo(b1))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("rows of organization 'Empty'")
                .hasMessageContaining("public.contacts")
                .hasMessageContaining("has none there");
    }

    @Test
    void aUserOfTheSameOrganizationIsAMistake(DataSource ds) {
        assertThatThrownBy(() -> RlsAssert.assertThat(ds).table("contacts").rowsOf(clinicA).areInvisibleTo(a1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("user 'a1'");
    }

    // --- writes refused -------------------------------------------------------------------------------

    @Test
    void writesIntoAnotherClinicAreRefused(DataSource ds) {
        RlsAssert.assertThat(ds).table("contacts")
                // refused outright: the new row fails the policy's WITH CHECK (42501)
                .write("insert into public.contacts (org_id, name) values (?, 'Mallory')", clinicA.id())
                .isRefusedTo(b1)
                .isRefusedToAnon();
        RlsAssert.assertThat(ds).table("contacts")
                // refused silently: row-level security hides the row, so nothing is updated
                .write("update public.contacts set name = 'Hacked' where id = ?", contactOfA)
                .isRefusedTo(b1);
        RlsAssert.assertThat(ds).table("notes")
                .write(dsl -> dsl.deleteFrom(table("public.notes")).execute())
                .isRefusedTo(b1);
    }

    @Test
    void anAllowedInsertFailsNamingTheTableTheUserAndTheRow(DataSource ds) {
        assertThatThrownBy(() -> RlsAssert.assertThat(ds).table("leaky")
                .write("insert into public.leaky (org_id, note) values (?, 'planted by B')", clinicA.id())
                .isRefusedTo(b1))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Expected this write on public.leaky to be refused to user 'b1' (" + b1.id()
                        + ") of organization 'B' (" + clinicB.id() + ")")
                .hasMessageContaining("insert into public.leaky (org_id, note) values (?, 'planted by B')")
                .hasMessageContaining("with parameters [" + clinicA.id() + "]")
                .hasMessageContaining("but it was allowed and changed 1 row(s)")
                .hasMessageContaining("inserted: id=")
                .hasMessageContaining("org_id=" + clinicA.id() + ", note=planted by B");
    }

    @Test
    void anAllowedUpdateAndDeleteFailNamingTheRows(DataSource ds) {
        assertThatThrownBy(() -> RlsAssert.assertThat(ds).table("leaky")
                .write(dsl -> dsl.update(table("public.leaky")).set(field("note"), "changed by B").execute())
                .isRefusedTo(b1))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("public.leaky")
                .hasMessageContaining("user 'b1'")
                .hasMessageContaining("(a lambda)")
                .hasMessageContaining("updated:  id=" + leakyOfA + ", org_id=" + clinicA.id() + ", note=changed by B");
        assertThatThrownBy(() -> RlsAssert.assertThat(ds).table("leaky")
                .write("delete from public.leaky")
                .isRefusedToAnon())
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("to be refused to anon")
                .hasMessageContaining("deleted:  id=" + leakyOfA + ", org_id=" + clinicA.id() + ", note=secret of A");
    }

    @Test
    void assertionsLeaveNothingBehind(DataSource ds, @Admin DSLContext admin) {
        assertThatThrownBy(() -> RlsAssert.assertThat(ds).table("leaky")
                .write("insert into public.leaky (org_id, note) values (?, 'planted by B')", clinicA.id())
                .isRefusedTo(b1)).isInstanceOf(AssertionError.class);
        assertThat(admin.fetch("select note from public.leaky").getValues(0, String.class)).containsExactly("secret of A");
    }

    @Test
    void aWriteFailingForAnotherReasonProvesNothing(DataSource ds) {
        String tooLong = "insert into public.notes (org_id, body) values (?, repeat('x', 101))";
        assertThatThrownBy(() -> RlsAssert.assertThat(ds).table("notes").write(tooLong, clinicB.id()).isRefusedTo(b1))
                .isInstanceOf(AssertionError.class)
                .hasMessageContaining("Expected this write on public.notes to be refused to user 'b1'")
                .hasMessageContaining("but it failed with SQLSTATE 23514")
                .hasMessageContaining("orFailingWith(\"23514\")");
        RlsAssert.assertThat(ds).table("notes").write(tooLong, clinicB.id()).orFailingWith("23514").isRefusedTo(b1);
    }
}
