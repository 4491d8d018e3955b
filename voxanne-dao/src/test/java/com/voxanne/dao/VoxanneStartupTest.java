package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.testkit.Admin;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/** Voxanne refuses a login role that would bypass row-level security, unless told loudly. */
@VoxannePostgres
class VoxanneStartupTest {

    @Test
    void aSuperuserPoolIsRefused(@Admin DataSource admin) {
        assertThatThrownBy(() -> Voxanne.create(admin))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("superuser")
                .hasMessageContaining("every clinic would see every other clinic's data");
    }

    @Test
    void theOptOutIsExplicit(@Admin DataSource admin) {
        Voxanne unsafe = Voxanne.builder(admin).allowPrivilegedLoginRoleUnsafeForLocalExperimentsOnly().build();
        assertThat(unsafe.service().organizations().create("Lab", "UTC").name()).isEqualTo("Lab");
    }

    @Test
    void theLoginRoleIsAccepted(DataSource login, Tenants tenants) {
        User ann = tenants.organization("Clinic A").user("ann");
        Voxanne voxanne = Voxanne.create(login);
        Organization own = voxanne.organization(OrgContext.of(ann.organization().id(), ann.id()));
        assertThat(own.id()).isEqualTo(ann.organization().id());
    }

    @Test
    void anOrgContextNeedsBothIds() {
        assertThatThrownBy(() -> OrgContext.of(null, java.util.UUID.randomUUID()))
                .isInstanceOf(TenantContextException.class).hasMessageContaining("organization");
        assertThatThrownBy(() -> OrgContext.parse(java.util.UUID.randomUUID().toString(), "not-a-uuid"))
                .isInstanceOf(TenantContextException.class).hasMessageContaining("user id is not a UUID");
    }
}
