package com.voxanne.sample.intake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.voxanne.schema.VerifyReport;
import com.voxanne.testkit.Admin;
import com.voxanne.testkit.DatabaseScope;
import com.voxanne.testkit.Organization;
import com.voxanne.testkit.RlsAssert;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import java.time.OffsetDateTime;
import java.util.UUID;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The service's own tenant table, built by the README's recipe, holds every guarantee Voxanne's tables
 * hold; and a database with the service's migrations beside Voxanne's passes {@code verify}.
 */
@VoxannePostgres(migrations = IntakeSchema.LOCATION, historyTable = IntakeSchema.HISTORY_TABLE,
        scope = DatabaseScope.PER_METHOD)
class IntakeSchemaTest {

    private static final String INSERT = "insert into public.call_intakes (org_id, call_id) values (?, ?)";

    private Organization clinicA;
    private User ann;
    private User bob;

    @BeforeEach
    void setUp(Tenants tenants) {
        clinicA = tenants.organization("Clinic A");
        ann = clinicA.user("ann");
        bob = tenants.organization("Clinic B").user("bob");
    }

    @Test
    void migratingAgainChangesNothingAndVerifyPasses(@Admin DataSource admin, @Admin DSLContext adminDsl) {
        int applied = adminDsl.fetchCount(adminDsl.selectFrom("public." + IntakeSchema.HISTORY_TABLE));

        VerifyReport report = IntakeSchema.migrateAndVerify(admin);

        assertTrue(report.passed(), () -> "verify failed:\n" + report);
        assertEquals(applied, adminDsl.fetchCount(adminDsl.selectFrom("public." + IntakeSchema.HISTORY_TABLE)));
    }

    @Test
    void theTableIsIsolatedByRowLevelSecurity(Tenants tenants, DataSource loginRole) {
        tenants.asUser(ann).run(dsl -> dsl.execute(INSERT, clinicA.id(), "call-1"));

        RlsAssert.assertThat(loginRole).loginRoleBypassesNothing();
        RlsAssert.assertThat(loginRole).table("call_intakes")
                .hasRowLevelSecurityEnabledAndForced()
                .hasPoliciesOnlyForAuthenticatedAndServiceRole()
                .rowsOf(clinicA).areInvisibleTo(bob).areInvisibleToAnon();
        RlsAssert.assertThat(loginRole).table("call_intakes")
                .write(INSERT, clinicA.id(), "spoofed")
                .isRefusedTo(bob)
                .isRefusedToAnon();
    }

    @Test
    void orgIdNeverChanges(Tenants tenants) {
        tenants.asUser(ann).run(dsl -> dsl.execute(INSERT, clinicA.id(), "call-1"));

        String sqlState = tenants.asService().call(dsl -> {
            try {
                dsl.execute("update public.call_intakes set org_id = ? where call_id = 'call-1'", bob.organization().id());
                return "none";
            } catch (org.jooq.exception.DataAccessException e) {
                return e.sqlState();
            }
        });

        assertEquals("VX002", sqlState, "prevent_org_id_change refuses the move, even to service_role");
    }

    @Test
    void updatedAtMovesAndEveryWriteIsAuditedWithItsUser(Tenants tenants, @Admin DSLContext admin) {
        UUID id = tenants.asUser(ann).call(dsl -> dsl.fetchSingle(
                "insert into public.call_intakes (org_id, call_id) values (?, 'call-1') returning id", clinicA.id())
                .get(0, UUID.class));
        OffsetDateTime created = updatedAt(admin, id);

        tenants.asUser(ann).run(dsl -> dsl.execute("update public.call_intakes set outcome = 'booked' where id = ?", id));

        assertNotEquals(created, updatedAt(admin, id));
        assertEquals(2, admin.fetchCount(admin.selectFrom("public.audit_logs")
                .where("table_name = 'call_intakes' and org_id = ? and authenticated_user = ?", clinicA.id(), ann.id())),
                "the insert and the update, each attributed to ann");
    }

    @Test
    void anInsertNamingAnotherClinicsContactIsRefused(Tenants tenants) {
        UUID bobsContact = tenants.asUser(bob).call(dsl -> dsl.fetchSingle(
                "insert into public.contacts (org_id, name, phone) values (?, 'Other Clinic Patient', '+12125550177') returning id",
                bob.organization().id()).get(0, UUID.class));

        String sqlState = tenants.asUser(ann).call(dsl -> {
            try {
                dsl.execute("insert into public.call_intakes (org_id, call_id, contact_id) values (?, 'call-x', ?)",
                        clinicA.id(), bobsContact);
                return "none";
            } catch (org.jooq.exception.DataAccessException e) {
                return e.sqlState();
            }
        });

        assertEquals("23503", sqlState, "the composite key (org_id, contact_id) keeps references in the clinic");
    }

    private static OffsetDateTime updatedAt(DSLContext admin, UUID id) {
        return admin.fetchSingle("select updated_at from public.call_intakes where id = ?", id).get(0, OffsetDateTime.class);
    }
}
