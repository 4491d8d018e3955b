package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.schema.jooq.enums.LeadScoreType;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@VoxannePostgres
class ContactsTest {

    private Voxanne voxanne;
    private OrgContext annInA;
    private OrgContext bobInB;

    @BeforeEach
    void setUp(DataSource login, Tenants tenants) {
        voxanne = Voxanne.create(login);
        User ann = tenants.organization("Clinic A").user("ann");
        User bob = tenants.organization("Clinic B").user("bob");
        annInA = OrgContext.of(ann.organization().id(), ann.id());
        bobInB = OrgContext.of(bob.organization().id(), bob.id());
    }

    @Test
    void createNormalizesThePhoneAndKeepsTheFields() {
        Contact c = voxanne.contacts(annInA).create(NewContact.named(" Ann Lee ").phone("(212) 555-0198")
                .email("ann@example.com").serviceInterests(List.of("botox", "filler")).leadScore(LeadScoreType.HOT));
        assertThat(c.phone()).isEqualTo("+12125550198");
        assertThat(c.name()).isEqualTo("Ann Lee");
        assertThat(c.serviceInterests()).containsExactly("botox", "filler");
        assertThat(c.organizationId()).isEqualTo(annInA.organizationId());
        assertThat(voxanne.contacts(annInA).get(c.id())).isEqualTo(c);
        assertThat(voxanne.contacts(annInA).findByPhone("+1 212 555 0198")).contains(c);
    }

    @Test
    void aDuplicatePhoneInOneOrganizationIsRefusedButTwoOrganizationsMayShareIt() {
        voxanne.contacts(annInA).create(NewContact.named("Ann").phone("+44 20 7946 0958"));
        assertThatThrownBy(() -> voxanne.contacts(annInA).create(NewContact.named("Ann again").phone("020 7946 0958")
                .email(null)))
                .isInstanceOf(InvalidInputException.class); // national UK number read in the US region: not possible
        assertThatThrownBy(() -> voxanne.contacts(annInA).create(NewContact.named("Ann again").phone("+442079460958")))
                .isInstanceOfSatisfying(DuplicateException.class,
                        e -> assertThat(e.constraint()).isEqualTo("uq_contacts_org_phone"));
        assertThat(voxanne.contacts(bobInB).create(NewContact.named("Ann in B").phone("+442079460958")).phone())
                .isEqualTo("+442079460958");
    }

    @Test
    void invalidInputIsRefusedBeforeSql() {
        Contacts contacts = voxanne.contacts(annInA);
        assertThatThrownBy(() -> contacts.create(NewContact.named("  ")))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("name"));
        assertThatThrownBy(() -> contacts.create(NewContact.named("X").email("not an email")))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("email"));
        assertThatThrownBy(() -> contacts.create(NewContact.named("X").phone("12")))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("phone"));
    }

    @Test
    void anotherOrganizationsContactIsNotFound() {
        Contact ann = voxanne.contacts(annInA).create(NewContact.named("Ann").phone("+12125550100"));
        assertThatThrownBy(() -> voxanne.contacts(bobInB).get(ann.id()))
                .isInstanceOf(NotFoundException.class).hasMessageNotContaining("Ann");
        assertThat(voxanne.contacts(bobInB).findByPhone("+12125550100")).isEmpty();
    }

    @Test
    void aUnitOfWorkIsAllOrNothing() {
        assertThatThrownBy(() -> voxanne.runInOrg(annInA, tx -> {
            tx.contacts().create(NewContact.named("First").phone("+12125550111"));
            tx.contacts().create(NewContact.named("Second").phone("+12125550111"));
        })).isInstanceOf(DuplicateException.class);
        assertThat(voxanne.contacts(annInA).findByPhone("+12125550111")).isEmpty();
    }
}
