package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.dao.internal.BindingPlacement;
import com.voxanne.schema.VoxanneSchema;
import com.voxanne.schema.session.RequestBinding.Placement;
import com.voxanne.testkit.Admin;
import com.voxanne.testkit.VoxannePostgres;
import com.voxanne.testkit.postgres.TestDatabase;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * The DAO's contact search on a database distributed by {@link VoxanneSchema#distribute()}, each arm of
 * it (docs/adr/0005-search-under-rls.md): a name filtered in the query, an e-mail and a phone fragment
 * through {@code search_contact_ids} (docs/adr/0019-verify-probes-and-contact-search-on-citus.md). Both clinics hold
 * contacts with the same names, e-mails and phone numbers, each on its own shard: every search of A's
 * finds A's matching contacts, and never B's. Runs with VOXANNE_TEST_BACKEND=citus only.
 */
@EnabledIf(value = "com.voxanne.dao.CitusDaoIsolationTest#onCitus",
        disabledReason = "needs the Citus backend (VOXANNE_TEST_BACKEND=citus)")
@VoxannePostgres
class CitusContactSearchTest extends TwoClinicsTest {

    /** Places the class's database on the cluster, as an operator would after migrating. */
    @BeforeAll
    static void distribute(@Admin DataSource admin, TestDatabase db) throws Exception {
        CitusDaoIsolationTest.distribute(admin, db);
    }

    /** The same four contacts in a clinic, created by its own user; their ids in order. */
    private static List<UUID> fourContacts(Contacts contacts) {
        return List.of(
                contacts.create(NewContact.named("Ann Lee").phone("+12125550198").email("ann.lee@example.com")).id(),
                contacts.create(NewContact.named("Annabel Moss").phone("+12125550177").email("annabel@example.org")).id(),
                contacts.create(NewContact.named("Bob Stone").phone("+13105550123").email("bob@clinic.test")).id(),
                contacts.create(NewContact.named("Carla Diaz")).id());
    }

    private static List<UUID> found(Contacts contacts, String text) {
        return contacts.list(ContactQuery.all().search(text).limit(100)).items().stream().map(Contact::id).toList();
    }

    @Test
    void clinicAsSearchFindsAsContactsAndNeverBsInEveryArm(DataSource login) {
        assertThat(BindingPlacement.of(login)).isEqualTo(Placement.DISTRIBUTED);
        Contacts a = voxanne.contacts(annInA);
        Contacts b = voxanne.contacts(bobInB);
        List<UUID> ofA = fourContacts(a);
        List<UUID> ofB = fourContacts(b);

        // a name: filtered in the query
        assertThat(found(a, "ann")).containsExactlyInAnyOrder(ofA.get(0), ofA.get(1));
        assertThat(found(a, "STONE")).containsExactly(ofA.get(2));
        assertThat(found(a, "nobody")).isEmpty();
        // an e-mail fragment: through the function (an @ or a .)
        assertThat(found(a, "ann.lee@")).containsExactly(ofA.get(0));
        assertThat(found(a, "example.")).containsExactlyInAnyOrder(ofA.get(0), ofA.get(1));
        assertThat(found(a, "@clinic.test")).containsExactly(ofA.get(2));
        // a phone fragment: through the function, its digits matching the E.164 number too
        assertThat(found(a, "5550198")).containsExactly(ofA.get(0));
        assertThat(found(a, "(212) 555-01")).containsExactlyInAnyOrder(ofA.get(0), ofA.get(1));
        assertThat(found(a, "+1310")).containsExactly(ofA.get(2));
        // a fragment under three characters has no token: the organization's rows, checked one by one
        assertThat(found(a, "98")).containsExactly(ofA.get(0));

        // the other clinic, the same texts: its own contacts
        assertThat(found(b, "ann")).containsExactlyInAnyOrder(ofB.get(0), ofB.get(1));
        assertThat(found(b, "ann.lee@")).containsExactly(ofB.get(0));
        assertThat(found(b, "5550198")).containsExactly(ofB.get(0));
        assertThat(found(b, "98")).containsExactly(ofB.get(0));
    }

    /** In a unit of several statements, past the fifth call of the same text (a prepared statement's generic plan). */
    @Test
    void repeatedSearchesInOneUnitStayInTheClinic() {
        List<UUID> ofA = fourContacts(voxanne.contacts(annInA));
        fourContacts(voxanne.contacts(bobInB));
        List<List<UUID>> results = voxanne.inOrg(annInA, tx -> {
            List<List<UUID>> each = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                each.add(found(tx.contacts(), i % 2 == 0 ? "ann.lee@" : "555-0198"));
            }
            return each;
        });
        assertThat(results).allSatisfy(ids -> assertThat(ids).containsExactly(ofA.get(0)));
    }

}
