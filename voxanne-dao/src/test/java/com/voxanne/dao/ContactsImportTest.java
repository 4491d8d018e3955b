package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import com.voxanne.dao.BulkImportException.RowError;
import com.voxanne.schema.jooq.enums.LeadScoreType;
import com.voxanne.schema.jooq.enums.LeadStatusType;
import com.voxanne.testkit.VoxannePostgres;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.stream.IntStream;
import java.util.UUID;
import org.junit.jupiter.api.Test;

@VoxannePostgres
class ContactsImportTest extends TwoClinicsTest {

    @Test
    void importsEveryRowInInputOrder() {
        List<NewContact> rows = List.of(
                NewContact.named(" Zed ").phone("(212) 555-0101").email("zed@example.com").leadScore(LeadScoreType.HOT),
                NewContact.named("Amy").serviceInterests(List.of("botox")).leadStatus(LeadStatusType.BOOKED).notes("vip"),
                NewContact.named("Max"),
                NewContact.named("Kim").phone("+442079460958"));
        List<Contact> created = voxanne.contacts(annInA).importAll(rows);
        assertThat(created).extracting(Contact::name).containsExactly("Zed", "Amy", "Max", "Kim");
        assertThat(created.get(0).phone()).isEqualTo("+12125550101");
        assertThat(created.get(0).leadScore()).isEqualTo(LeadScoreType.HOT);
        assertThat(created.get(1).serviceInterests()).containsExactly("botox");
        assertThat(created.get(1).leadStatus()).isEqualTo(LeadStatusType.BOOKED);
        assertThat(created.get(1).notes()).isEqualTo("vip");
        assertThat(created).allSatisfy(c -> {
            assertThat(c.organizationId()).isEqualTo(annInA.organizationId());
            assertThat(voxanne.contacts(annInA).get(c.id())).isEqualTo(c);
        });
        assertThat(voxanne.contacts(annInA).importAll(List.of())).isEmpty();
    }

    @Test
    void importsAThousandRowsInOneGo() {
        List<NewContact> rows = IntStream.range(0, Contacts.MAX_IMPORT)
                .mapToObj(i -> NewContact.named("Lead " + i).phone(String.format("+1212555%04d", i))).toList();
        List<Contact> created = voxanne.contacts(annInA).importAll(rows);
        assertThat(created).hasSize(Contacts.MAX_IMPORT);
        assertThat(created.get(999).name()).isEqualTo("Lead 999");
        assertThat(voxanne.contacts(annInA).countsByLeadStatus()).containsEntry(LeadStatusType.NEW, 1000L);
    }

    @Test
    void everyInvalidRowIsReportedAndNothingIsImported() {
        List<NewContact> rows = Arrays.asList(
                NewContact.named("Good").phone("+12125550100"),
                NewContact.named(" ").phone("12").email("nope"),
                null,
                NewContact.named("Twin").phone("212-555-0100"),
                NewContact.named("Long notes").notes("x".repeat(10_001)).serviceInterests(List.of("")),
                NewContact.named("Also good"));
        assertThatThrownBy(() -> voxanne.contacts(annInA).importAll(rows))
                .isInstanceOfSatisfying(BulkImportException.class, e -> {
                    assertThat(e.errors()).extracting(RowError::row, RowError::field).containsExactly(
                            tuple(1, "name"), tuple(1, "phone"), tuple(1, "email"),
                            tuple(2, "contact"),
                            tuple(3, "phone"),
                            tuple(4, "serviceInterests"), tuple(4, "notes"));
                    assertThat(e.errors().get(4).reason()).contains("row 0");
                    assertThat(e.getMessage()).startsWith("4 of 6 rows are invalid");
                });
        assertThat(voxanne.contacts(annInA).countsByLeadStatus().values()).containsOnly(0L);
    }

    @Test
    void phonesAlreadyInTheOrganizationAreReportedByRowAndNothingIsImported() {
        voxanne.contacts(annInA).create(NewContact.named("Existing").phone("+12125550100"));
        voxanne.contacts(annInA).create(NewContact.named("Existing 2").phone("+12125550102"));
        List<NewContact> rows = List.of(
                NewContact.named("New").phone("+12125550101"),
                NewContact.named("Clash").phone("(212) 555-0100"),
                NewContact.named("No phone"),
                NewContact.named("Clash 2").phone("+12125550102"));
        assertThatThrownBy(() -> voxanne.contacts(annInA).importAll(rows))
                .isInstanceOfSatisfying(BulkImportException.class, e -> assertThat(e.errors())
                        .extracting(RowError::row, RowError::field).containsExactly(tuple(1, "phone"), tuple(3, "phone")));
        assertThat(voxanne.contacts(annInA).findByPhone("+12125550101")).isEmpty();
        assertThat(voxanne.contacts(annInA).list(ContactQuery.all()).items()).hasSize(2);
    }

    @Test
    void aCaughtImportFailureLeavesNothingBehindInTheUnitOfWork() {
        voxanne.contacts(annInA).create(NewContact.named("Existing").phone("+12125550100"));
        Contact kept = voxanne.inOrg(annInA, tx -> {
            assertThatThrownBy(() -> tx.contacts().importAll(List.of(
                    NewContact.named("New").phone("+12125550101"), NewContact.named("Clash").phone("+12125550100"))))
                    .isInstanceOf(BulkImportException.class);
            return tx.contacts().create(NewContact.named("After").phone("+12125550109"));
        });
        assertThat(voxanne.contacts(annInA).get(kept.id()).name()).isEqualTo("After");
        assertThat(voxanne.contacts(annInA).findByPhone("+12125550101")).isEmpty();
    }

    @Test
    void anotherOrganizationsPhonesDoNotClash() {
        voxanne.contacts(annInA).create(NewContact.named("Ann").phone("+12125550100"));
        List<Contact> created = voxanne.contacts(bobInB).importAll(List.of(NewContact.named("Bob's").phone("+12125550100")));
        assertThat(created.get(0).organizationId()).isEqualTo(bobInB.organizationId());
        assertThat(voxanne.contacts(annInA).findByPhone("+12125550100")).get().extracting(Contact::name).isEqualTo("Ann");
        assertThat(voxanne.contacts(annInA).list(ContactQuery.all()).items()).hasSize(1);
    }

    @Test
    void theListItselfIsChecked() {
        assertInvalid(() -> voxanne.contacts(annInA).importAll(null), "contacts");
        List<NewContact> tooMany = Collections.nCopies(Contacts.MAX_IMPORT + 1, NewContact.named("X"));
        assertInvalid(() -> voxanne.contacts(annInA).importAll(tooMany), "contacts");
    }

    @Test
    void theMessageNamesTheFirstErrorsAndCountsTheRest() {
        List<NewContact> rows = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            rows.add(NewContact.named("Bad " + i).email("bad"));
        }
        assertThatThrownBy(() -> voxanne.contacts(annInA).importAll(rows))
                .isInstanceOfSatisfying(BulkImportException.class, e -> {
                    assertThat(e.errors()).hasSize(12);
                    assertThat(e.getMessage()).contains("row 9 email").doesNotContain("row 10 email").endsWith("and 2 more");
                });
    }
}
