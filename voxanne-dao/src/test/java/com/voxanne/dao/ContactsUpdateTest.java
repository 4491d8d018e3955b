package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.schema.jooq.enums.LeadScoreType;
import com.voxanne.schema.jooq.enums.LeadStatusType;
import com.voxanne.testkit.VoxannePostgres;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@VoxannePostgres
class ContactsUpdateTest extends TwoClinicsTest {

    private Contact lead;

    @BeforeEach
    void createLead() {
        lead = voxanne.contacts(annInA).create(NewContact.named("Lee").phone("+12125550100").email("lee@example.com")
                .serviceInterests(List.of("botox")).notes("prefers mornings"));
    }

    @Test
    void anUpdateChangesOnlyTheFieldsItSets() {
        Contact updated = voxanne.contacts(annInA).update(lead.id(), ContactUpdate.empty()
                .leadStatus(LeadStatusType.QUALIFIED).leadScore(LeadScoreType.HOT).phone("(212) 555-0199"));
        assertThat(updated.leadStatus()).isEqualTo(LeadStatusType.QUALIFIED);
        assertThat(updated.leadScore()).isEqualTo(LeadScoreType.HOT);
        assertThat(updated.phone()).isEqualTo("+12125550199");
        assertThat(updated.name()).isEqualTo("Lee");
        assertThat(updated.email()).isEqualTo("lee@example.com");
        assertThat(updated.serviceInterests()).containsExactly("botox");
        assertThat(updated.notes()).isEqualTo("prefers mornings");
        assertThat(updated.updatedAt()).isAfterOrEqualTo(lead.updatedAt());
        assertThat(voxanne.contacts(annInA).get(lead.id())).isEqualTo(updated);
    }

    @Test
    void everyFieldCanBeSetAndTheNullableOnesCleared() {
        Contact updated = voxanne.contacts(annInA).update(lead.id(), ContactUpdate.empty().name("  Lee Park ")
                .serviceInterests(List.of(" filler ", "botox", "filler")).email(null).phone(null).notes(null));
        assertThat(updated.name()).isEqualTo("Lee Park");
        assertThat(updated.serviceInterests()).containsExactly("filler", "botox");
        assertThat(updated.email()).isNull();
        assertThat(updated.phone()).isNull();
        assertThat(updated.notes()).isNull();
        assertThat(voxanne.contacts(annInA).update(lead.id(), ContactUpdate.empty().serviceInterests(List.of()))
                .serviceInterests()).isEmpty();
    }

    @Test
    void anEmptyUpdateReturnsTheContactUnchanged() {
        assertThat(voxanne.contacts(annInA).update(lead.id(), ContactUpdate.empty())).isEqualTo(lead);
        assertThat(ContactUpdate.empty().isEmpty()).isTrue();
        assertThat(ContactUpdate.empty().email(null).fields()).containsExactly(ContactUpdate.Field.EMAIL);
        assertThat(ContactUpdate.empty().notes("patient data").toString()).doesNotContain("patient data");
    }

    @Test
    void invalidUpdatesAreRefusedAndChangeNothing() {
        Contacts contacts = voxanne.contacts(annInA);
        assertInvalid(() -> contacts.update(lead.id(), ContactUpdate.empty().leadScore(LeadScoreType.HOT).name(" ")), "name");
        assertInvalid(() -> contacts.update(lead.id(), ContactUpdate.empty().name(null)), "name");
        assertInvalid(() -> contacts.update(lead.id(), ContactUpdate.empty().email("nope")), "email");
        assertInvalid(() -> contacts.update(lead.id(), ContactUpdate.empty().phone("12")), "phone");
        assertInvalid(() -> contacts.update(lead.id(), ContactUpdate.empty().notes("x".repeat(10_001))), "notes");
        assertInvalid(() -> contacts.update(lead.id(), ContactUpdate.empty().serviceInterests(null)), "serviceInterests");
        assertInvalid(() -> contacts.update(lead.id(), ContactUpdate.empty().serviceInterests(Arrays.asList("botox", null))),
                "serviceInterests");
        assertInvalid(() -> contacts.update(lead.id(), ContactUpdate.empty().serviceInterests(List.of(" "))), "serviceInterests");
        assertInvalid(() -> contacts.update(lead.id(), ContactUpdate.empty().leadScore(null)), "leadScore");
        assertInvalid(() -> contacts.update(lead.id(), ContactUpdate.empty().leadStatus(null)), "leadStatus");
        assertInvalid(() -> contacts.update(lead.id(), null), "update");
        assertInvalid(() -> contacts.update(null, ContactUpdate.empty()), "id");
        assertThat(contacts.get(lead.id())).isEqualTo(lead);
    }

    @Test
    void anUpdateToAPhoneAlreadyUsedIsADuplicate() {
        voxanne.contacts(annInA).create(NewContact.named("Other").phone("+12125550101"));
        assertThatThrownBy(() -> voxanne.contacts(annInA).update(lead.id(), ContactUpdate.empty().phone("+1 212 555 0101")))
                .isInstanceOfSatisfying(DuplicateException.class,
                        e -> assertThat(e.constraint()).isEqualTo("uq_contacts_org_phone"));
        // another organization may use the number
        Contact inB = voxanne.contacts(bobInB).create(NewContact.named("B").phone("+12125550177"));
        assertThat(voxanne.contacts(bobInB).update(inB.id(), ContactUpdate.empty().phone("+12125550100")).phone())
                .isEqualTo("+12125550100");
    }

    @Test
    void unknownAndOtherOrganizationsContactsAreNotFoundForEveryWrite() {
        Contacts bobs = voxanne.contacts(bobInB);
        UUID unknown = UUID.randomUUID();
        for (UUID id : List.of(lead.id(), unknown)) {
            assertThatThrownBy(() -> bobs.update(id, ContactUpdate.empty().name("Stolen")))
                    .isInstanceOf(NotFoundException.class).hasMessageNotContaining("Lee");
            assertThatThrownBy(() -> bobs.update(id, ContactUpdate.empty())).isInstanceOf(NotFoundException.class);
            assertThatThrownBy(() -> bobs.delete(id)).isInstanceOf(NotFoundException.class);
            assertThatThrownBy(() -> bobs.touch(id)).isInstanceOf(NotFoundException.class);
            assertThatThrownBy(() -> bobs.recordContact(id, OffsetDateTime.now())).isInstanceOf(NotFoundException.class);
        }
        assertThat(voxanne.contacts(annInA).get(lead.id())).isEqualTo(lead);
    }

    @Test
    void deleteRemovesTheContactOnce() {
        voxanne.contacts(annInA).delete(lead.id());
        assertThatThrownBy(() -> voxanne.contacts(annInA).get(lead.id())).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> voxanne.contacts(annInA).delete(lead.id())).isInstanceOf(NotFoundException.class);
        assertInvalid(() -> voxanne.contacts(annInA).delete(null), "id");
        // its phone number is free again
        assertThat(voxanne.contacts(annInA).create(NewContact.named("New Lee").phone("+12125550100")).phone())
                .isEqualTo("+12125550100");
    }

    @Test
    void touchSetsTheLastContactTimeOnly() {
        Contact touched = voxanne.contacts(annInA).touch(lead.id());
        assertThat(touched.lastContactAt()).isNotNull()
                .isCloseTo(OffsetDateTime.now(), org.assertj.core.api.Assertions.within(1, ChronoUnit.MINUTES));
        assertThat(touched.leadStatus()).isEqualTo(LeadStatusType.NEW);
        assertInvalid(() -> voxanne.contacts(annInA).touch(null), "id");
    }

    @Test
    void recordContactMovesANewLeadToContactedAndNeverMovesTheTimeBack() {
        OffsetDateTime call = OffsetDateTime.now().minusHours(1).truncatedTo(ChronoUnit.MICROS);
        Contact first = voxanne.contacts(annInA).recordContact(lead.id(), call);
        assertThat(first.lastContactAt()).isEqualTo(call.toInstant().atOffset(first.lastContactAt().getOffset()));
        assertThat(first.leadStatus()).isEqualTo(LeadStatusType.CONTACTED);

        Contact late = voxanne.contacts(annInA).recordContact(lead.id(), call.minusDays(1));
        assertThat(late.lastContactAt().toInstant()).isEqualTo(call.toInstant());

        voxanne.contacts(annInA).update(lead.id(), ContactUpdate.empty().leadStatus(LeadStatusType.BOOKED));
        Contact booked = voxanne.contacts(annInA).recordContact(lead.id(), call.plusMinutes(30));
        assertThat(booked.leadStatus()).isEqualTo(LeadStatusType.BOOKED);
        assertThat(booked.lastContactAt().toInstant()).isEqualTo(call.plusMinutes(30).toInstant());
    }

    @Test
    void recordContactRefusesAMissingOrFutureTime() {
        assertInvalid(() -> voxanne.contacts(annInA).recordContact(lead.id(), null), "when");
        assertInvalid(() -> voxanne.contacts(annInA).recordContact(lead.id(), OffsetDateTime.now().plusHours(1)), "when");
        assertInvalid(() -> voxanne.contacts(annInA).recordContact(null, OffsetDateTime.now()), "id");
        assertThat(voxanne.contacts(annInA).get(lead.id()).lastContactAt()).isNull();
    }

    @Test
    void severalChangesInOneUnitOfWorkCommitTogether() {
        assertThatThrownBy(() -> voxanne.runInOrg(annInA, tx -> {
            tx.contacts().update(lead.id(), ContactUpdate.empty().leadStatus(LeadStatusType.LOST));
            tx.contacts().touch(lead.id());
            tx.contacts().delete(UUID.randomUUID());
        })).isInstanceOf(NotFoundException.class);
        assertThat(voxanne.contacts(annInA).get(lead.id())).isEqualTo(lead);
    }
}
