package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.schema.jooq.enums.OrganizationStatus;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@VoxannePostgres
class OrganizationsTest {

    private Voxanne voxanne;

    @BeforeEach
    void voxanne(DataSource login) {
        voxanne = Voxanne.create(login);
    }

    @Test
    void createGetSuspendActivate() {
        Organizations organizations = voxanne.service().organizations();
        Organization glow = organizations.create("  Glow Med Spa ", "America/New_York");
        assertThat(glow.name()).isEqualTo("Glow Med Spa");
        assertThat(glow.status()).isEqualTo(OrganizationStatus.ACTIVE);
        assertThat(organizations.get(glow.id())).isEqualTo(glow);
        assertThat(organizations.suspend(glow.id()).status()).isEqualTo(OrganizationStatus.SUSPENDED);
        assertThat(organizations.activate(glow.id()).status()).isEqualTo(OrganizationStatus.ACTIVE);
    }

    @Test
    void badInputIsRefusedBeforeSql() {
        Organizations organizations = voxanne.service().organizations();
        assertThatThrownBy(() -> organizations.create(" ", "UTC"))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("name"));
        assertThatThrownBy(() -> organizations.create("Clinic", "Mars/Olympus"))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("timezone"));
        assertThatThrownBy(() -> organizations.get(UUID.randomUUID())).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> organizations.suspend(UUID.randomUUID())).isInstanceOf(NotFoundException.class);
    }

    @Test
    void aUserSeesOnlyTheirOwnOrganization(Tenants tenants) {
        User ann = tenants.organization("Clinic A").user("ann");
        User bob = tenants.organization("Clinic B").user("bob");
        OrgContext annInA = OrgContext.of(ann.organization().id(), ann.id());
        assertThat(voxanne.organization(annInA).name()).isEqualTo("Clinic A");
        OrgContext bobInB = OrgContext.of(bob.organization().id(), bob.id());
        assertThat(voxanne.organization(bobInB).id()).isEqualTo(bob.organization().id());
        UUID bound = voxanne.inOrg(annInA, TenantTransaction::organizationId);
        assertThat(bound).isEqualTo(ann.organization().id());
    }
}
