package com.voxanne.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.List;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.Record;
import org.jooq.exception.DataAccessException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Organizations and users as Supabase would have them, and acting as them through the login role. */
@VoxannePostgres
class TenantsTest {

    private static Organization clinicA;
    private static Organization clinicB;
    private static User ann;

    @BeforeAll
    static void twoClinics(Tenants tenants) {
        clinicA = tenants.organization("Clinic A");
        clinicB = tenants.organization("Clinic B");
        ann = clinicA.user("ann");
    }

    @Test
    void organizationsAndUsersAreCreatedOnceAndFoundAgainByName(Tenants tenants) {
        assertThat(tenants.organization("Clinic A")).isSameAs(clinicA);
        assertThat(clinicA.user("ann")).isSameAs(ann);
        assertThat(clinicB.user("ann")).isNotEqualTo(ann);
        assertThat(ann.organization()).isSameAs(clinicA);
    }

    @Test
    void theyAreRowsOfOrganizationsAndAuthUsers(@Admin DSLContext admin) {
        assertThat(admin.fetchValue("select name from public.organizations where id = ?", clinicA.id())).isEqualTo("Clinic A");
        Record user = admin.fetchOne("select email, raw_app_meta_data ->> 'org_id' as org_id, role from auth.users where id = ?",
                ann.id());
        assertThat(user.get("org_id", String.class)).isEqualTo(clinicA.id().toString());
        assertThat(user.get("email", String.class)).isEqualTo(ann.email()).startsWith("ann.").endsWith("@example.test");
        assertThat(user.get("role", String.class)).isEqualTo("authenticated");
    }

    @Test
    void actingAsAUserBindsItsRoleAndClaimsForTheTransaction(Tenants tenants) {
        Record seen = tenants.asUser(ann).call(dsl -> dsl.fetchOne(
                "select current_user as role, auth.uid() as uid, public.auth_org_id() as org"));
        assertThat(seen.get("role", String.class)).isEqualTo("authenticated");
        assertThat(seen.get("uid", UUID.class)).isEqualTo(ann.id());
        assertThat(seen.get("org", UUID.class)).isEqualTo(clinicA.id());
        List<UUID> organizations = tenants.asUser(ann).call(dsl -> dsl.fetch("select id from public.organizations")
                .getValues(0, UUID.class));
        assertThat(organizations).containsExactly(clinicA.id());
    }

    @Test
    void theServiceRoleSeesEveryOrganizationAndCanBeScopedToOne(Tenants tenants) {
        int both = tenants.asService().call(dsl -> dsl.fetchCount(dsl.selectFrom("public.organizations")
                .where("id in (?, ?)", clinicA.id(), clinicB.id())));
        assertThat(both).isEqualTo(2);
        Object scoped = tenants.asService(clinicB).call(dsl -> dsl.fetchValue("select current_user || ' ' || public.auth_org_id()"));
        assertThat(scoped).isEqualTo("service_role " + clinicB.id());
    }

    @Test
    void anonSeesNothing(Tenants tenants) {
        assertThatThrownBy(() -> tenants.asAnon().run(dsl -> dsl.fetch("select * from public.contacts")))
                .isInstanceOf(DataAccessException.class).hasMessageContaining("permission denied");
    }

    @Test
    void workCommitsWhenItReturnsAndRollsBackWhenItThrows(Tenants tenants) {
        String insert = "insert into public.contacts (org_id, name) values (?, ?)";
        tenants.asUser(ann).run(dsl -> dsl.execute(insert, clinicA.id(), "Kept"));
        assertThatThrownBy(() -> tenants.asUser(ann).run(dsl -> {
            dsl.execute(insert, clinicA.id(), "Rolled back");
            throw new IOException("the work failed");
        })).isInstanceOf(IllegalStateException.class).hasRootCauseInstanceOf(IOException.class);

        List<String> names = tenants.asUser(ann).call(dsl -> dsl.fetch("select name from public.contacts").getValues(0, String.class));
        assertThat(names).containsExactly("Kept");
    }
}
