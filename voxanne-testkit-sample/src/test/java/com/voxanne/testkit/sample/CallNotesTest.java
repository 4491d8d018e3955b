package com.voxanne.testkit.sample;

import static org.jooq.impl.DSL.table;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.voxanne.testkit.RlsAssert;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** A service's own table, call_notes (src/test/resources/db/sample/migration), keeps clinics apart. */
@VoxannePostgres(migrations = "classpath:db/sample/migration")
class CallNotesTest {

    @Test
    void eachClinicSeesOnlyItsOwnNotes(Tenants tenants, DataSource ds) {
        User ann = tenants.organization("Clinic A").user("ann");
        User bob = tenants.organization("Clinic B").user("bob");
        tenants.asUser(ann).run(dsl -> dsl.execute(
                "insert into call_notes (org_id, body) values (?, 'wants botox')", ann.organization().id()));

        int seenByAnn = tenants.asUser(ann).call(dsl -> dsl.fetchCount(table("call_notes")));
        int seenByBob = tenants.asUser(bob).call(dsl -> dsl.fetchCount(table("call_notes")));
        assertEquals(1, seenByAnn);
        assertEquals(0, seenByBob);

        RlsAssert.assertThat(ds).loginRoleBypassesNothing();
        RlsAssert.assertThat(ds).table("call_notes")
                .hasRowLevelSecurityEnabledAndForced()
                .hasPoliciesOnlyForAuthenticatedAndServiceRole()
                .rowsOf(ann.organization()).areInvisibleTo(bob).areInvisibleToAnon();
        RlsAssert.assertThat(ds).table("call_notes")
                .write("insert into call_notes (org_id, body) values (?, 'spoofed')", ann.organization().id())
                .isRefusedTo(bob);
    }
}
