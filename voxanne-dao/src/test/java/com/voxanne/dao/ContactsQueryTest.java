package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.schema.jooq.enums.LeadScoreType;
import com.voxanne.schema.jooq.enums.LeadStatusType;
import com.voxanne.testkit.VoxannePostgres;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

@VoxannePostgres
class ContactsQueryTest extends TwoClinicsTest {

    @Test
    void filtersByStatusScoreAndServiceInterest() {
        Contacts contacts = voxanne.contacts(annInA);
        Contact hotBotox = contacts.create(NewContact.named("Hot").leadScore(LeadScoreType.HOT)
                .serviceInterests(List.of("botox", "filler")));
        Contact qualified = contacts.create(NewContact.named("Qualified").leadStatus(LeadStatusType.QUALIFIED)
                .serviceInterests(List.of("botox")));
        Contact cold = contacts.create(NewContact.named("Cold").serviceInterests(List.of("skincare")));

        assertThat(names(contacts.list(ContactQuery.status(LeadStatusType.NEW)))).containsExactly("Cold", "Hot");
        assertThat(contacts.list(ContactQuery.status(LeadStatusType.QUALIFIED)).items()).containsExactly(qualified);
        assertThat(contacts.list(ContactQuery.status(LeadStatusType.LOST)).items()).isEmpty();
        assertThat(contacts.list(ContactQuery.all().leadScore(LeadScoreType.HOT)).items()).containsExactly(hotBotox);
        assertThat(names(contacts.list(ContactQuery.all().serviceInterest(" botox ")))).containsExactly("Qualified", "Hot");
        assertThat(contacts.list(ContactQuery.all().serviceInterest("botox").leadStatus(LeadStatusType.NEW)).items())
                .containsExactly(hotBotox);
        assertThat(contacts.list(ContactQuery.all().serviceInterest("skin")).items()).isEmpty();
        assertThat(contacts.list(ContactQuery.all().leadStatus(LeadStatusType.QUALIFIED).leadStatus(null)).items())
                .containsExactlyInAnyOrder(hotBotox, qualified, cold);
    }

    @Test
    void searchesNamePhoneAndEmailCaseInsensitivelyAndLiterally() {
        Contacts contacts = voxanne.contacts(annInA);
        contacts.create(NewContact.named("Ann Lee").phone("+12125550198").email("ann.lee@example.com"));
        contacts.create(NewContact.named("100% Sure_Thing").email("sure@example.org"));
        contacts.create(NewContact.named("Back\\slash"));
        contacts.create(NewContact.named("Bob").email("bob@clinic.test"));

        assertThat(names(contacts.list(ContactQuery.all().search("ANN")))).containsExactly("Ann Lee");
        assertThat(names(contacts.list(ContactQuery.all().search("CLINIC.TEST")))).containsExactly("Bob");
        assertThat(names(contacts.list(ContactQuery.all().search("5550198")))).containsExactly("Ann Lee");
        assertThat(names(contacts.list(ContactQuery.all().search("(212) 555-0198")))).containsExactly("Ann Lee");
        // wildcards typed by the caller are literal characters
        assertThat(names(contacts.list(ContactQuery.all().search("%")))).containsExactly("100% Sure_Thing");
        assertThat(names(contacts.list(ContactQuery.all().search("_")))).containsExactly("100% Sure_Thing");
        assertThat(names(contacts.list(ContactQuery.all().search("\\")))).containsExactly("Back\\slash");
        assertThat(contacts.list(ContactQuery.all().search("a%e")).items()).isEmpty();
        assertThat(contacts.list(ContactQuery.all().search("A_n")).items()).isEmpty();
        // blank means no search
        assertThat(contacts.list(ContactQuery.all().search("  ")).items()).hasSize(4);
        assertInvalid(() -> contacts.list(ContactQuery.all().search("x".repeat(201))), "search");
    }

    @Test
    void aSearchCombinesWithFiltersEverySortAndTheCursor() {
        Contacts contacts = voxanne.contacts(annInA);
        List<Contact> anns = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            anns.add(contacts.create(NewContact.named("Ann " + i).leadScore(i % 2 == 0 ? LeadScoreType.HOT : LeadScoreType.COLD)));
            contacts.create(NewContact.named("Bob " + i));
        }
        contacts.create(NewContact.named("Joanna").leadStatus(LeadStatusType.LOST));
        contacts.recordContact(anns.get(3).id(), OffsetDateTime.now().minusHours(1));
        voxanne.contacts(bobInB).create(NewContact.named("Ann in B"));

        for (ContactSort sort : ContactSort.values()) {
            List<Contact> found = readAll(contacts, ContactQuery.all().search("ann").sortBy(sort).limit(2));
            assertThat(found).as("order %s", sort).hasSize(6).isSortedAccordingTo(expectedOrder(sort))
                    .extracting(Contact::name).allMatch(name -> name.toLowerCase().contains("ann"))
                    .doesNotContain("Ann in B");
        }
        assertThat(names(contacts.list(ContactQuery.all().search("ann").leadScore(LeadScoreType.HOT))))
                .containsExactlyInAnyOrder("Ann 0", "Ann 2", "Ann 4");
        assertThat(names(contacts.list(ContactQuery.status(LeadStatusType.LOST).search("ANN")))).containsExactly("Joanna");
        assertThat(names(contacts.list(ContactQuery.status(LeadStatusType.CONTACTED).search("ann")))).containsExactly("Ann 3");
        assertThat(contacts.list(ContactQuery.all().search("bob").leadStatus(LeadStatusType.LOST)).items()).isEmpty();
    }

    @Test
    void pagesThroughEveryContactOnceInEachOrder() {
        Contacts contacts = voxanne.contacts(annInA);
        List<Contact> created = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            created.add(contacts.create(NewContact.named("Lead " + i)));
        }
        // in one transaction, so several rows share the same timestamps and the id must break the ties
        created.addAll(voxanne.inOrg(annInA, tx -> List.of(
                tx.contacts().create(NewContact.named("Same 1")), tx.contacts().create(NewContact.named("Same 2")),
                tx.contacts().create(NewContact.named("Same 3")))));
        OffsetDateTime base = OffsetDateTime.now().minusDays(1);
        contacts.recordContact(created.get(2).id(), base);
        contacts.recordContact(created.get(5).id(), base.plusHours(1));
        voxanne.runInOrg(annInA, tx -> {
            tx.contacts().touch(created.get(8).id());
            tx.contacts().touch(created.get(9).id());
        });

        for (ContactSort sort : ContactSort.values()) {
            List<Contact> all = readAll(contacts, ContactQuery.all().sortBy(sort).limit(3));
            assertThat(all).as("order %s", sort).hasSize(created.size())
                    .extracting(Contact::id).doesNotHaveDuplicates();
            assertThat(all).as("order %s", sort).isSortedAccordingTo(expectedOrder(sort));
        }
        List<Contact> byLastContact = readAll(contacts, ContactQuery.all().sortBy(ContactSort.LAST_CONTACT).limit(2));
        assertThat(byLastContact.subList(0, 4)).extracting(Contact::lastContactAt).doesNotContainNull();
        assertThat(byLastContact.subList(4, 10)).extracting(Contact::lastContactAt).containsOnlyNulls();
        assertThat(byLastContact.get(2).id()).isEqualTo(created.get(5).id());
    }

    @Test
    void aFilteredStatusListPagesWithItsCursor() {
        Contacts contacts = voxanne.contacts(annInA);
        for (int i = 0; i < 5; i++) {
            contacts.create(NewContact.named("New " + i));
            contacts.create(NewContact.named("Lost " + i).leadStatus(LeadStatusType.LOST));
        }
        List<Contact> lost = readAll(contacts, ContactQuery.status(LeadStatusType.LOST).limit(2));
        assertThat(lost).hasSize(5).allSatisfy(c -> assertThat(c.leadStatus()).isEqualTo(LeadStatusType.LOST));
        Page<Contact> exact = contacts.list(ContactQuery.status(LeadStatusType.NEW).limit(5));
        assertThat(exact.items()).hasSize(5);
        assertThat(exact.hasNext()).isFalse();
        Page<Contact> allOnOnePage = contacts.list(ContactQuery.all());
        assertThat(allOnOnePage.items()).hasSize(10);
        assertThat(allOnOnePage.hasNext()).isFalse();
    }

    @Test
    void aTamperedOrForeignCursorIsRefused() {
        Contacts contacts = voxanne.contacts(annInA);
        for (int i = 0; i < 3; i++) {
            contacts.create(NewContact.named("Lead " + i));
        }
        String cursor = contacts.list(ContactQuery.all().limit(1)).nextCursor().orElseThrow();
        String decoded = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        List<String> bad = List.of("", "not base64!", enc("hello"), enc("c0" + decoded.substring(2)),
                enc(decoded.replaceFirst("\\|[^|]+\\|([^|]+)$", "|yesterday|$1")), enc(decoded.replaceFirst("[^|]+$", "not-a-uuid")),
                enc(decoded.replaceFirst("\\|[^|]+\\|([^|]+)$", "|-|$1")), enc(decoded + "|extra"), "A".repeat(500));
        for (String tampered : bad) {
            assertThatThrownBy(() -> contacts.list(ContactQuery.all().after(tampered)))
                    .as(tampered).isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo("cursor"));
        }
        assertThatThrownBy(() -> contacts.list(ContactQuery.all().sortBy(ContactSort.CREATED).after(cursor)))
                .isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.reason()).contains("another order"));
        assertThat(contacts.list(ContactQuery.all().after(cursor)).items()).hasSize(2);
    }

    @Test
    void limitsAndOrderAreChecked() {
        for (int limit : new int[] {0, -1, ContactQuery.MAX_LIMIT + 1}) {
            assertInvalid(() -> ContactQuery.all().limit(limit), "limit");
        }
        assertThat(ContactQuery.all().limit(ContactQuery.MAX_LIMIT).limit()).isEqualTo(100);
        assertThat(ContactQuery.all().limit()).isEqualTo(20);
        assertThat(ContactQuery.all().sort()).isEqualTo(ContactSort.UPDATED);
        assertThatThrownBy(() -> ContactQuery.all().sortBy(null)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> voxanne.contacts(annInA).list(null)).isInstanceOf(InvalidInputException.class);
        assertInvalid(() -> voxanne.contacts(annInA).list(ContactQuery.all().serviceInterest(" ")), "serviceInterests");
    }

    @Test
    void countsEveryStatusIncludingZeros() {
        Contacts contacts = voxanne.contacts(annInA);
        contacts.create(NewContact.named("A"));
        contacts.create(NewContact.named("B"));
        contacts.create(NewContact.named("C").leadStatus(LeadStatusType.BOOKED));
        Map<LeadStatusType, Long> counts = contacts.countsByLeadStatus();
        assertThat(counts).containsOnlyKeys(LeadStatusType.values())
                .containsEntry(LeadStatusType.NEW, 2L).containsEntry(LeadStatusType.BOOKED, 1L)
                .containsEntry(LeadStatusType.LOST, 0L);
        assertThatThrownBy(() -> counts.put(LeadStatusType.LOST, 5L)).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void anotherOrganizationListsAndCountsNothingOfThisOne() {
        Contact ann = voxanne.contacts(annInA).create(NewContact.named("Ann").phone("+12125550100").email("ann@example.com")
                .serviceInterests(List.of("botox")));
        Contacts bobs = voxanne.contacts(bobInB);
        bobs.create(NewContact.named("Bob's own"));
        assertThat(names(bobs.list(ContactQuery.all()))).containsExactly("Bob's own");
        assertThat(bobs.list(ContactQuery.all().search("Ann")).items()).isEmpty();
        assertThat(bobs.list(ContactQuery.all().serviceInterest("botox")).items()).isEmpty();
        assertThat(bobs.countsByLeadStatus()).containsEntry(LeadStatusType.NEW, 1L);
        // a cursor handed out in A, used in B, reads only B's rows
        voxanne.contacts(annInA).create(NewContact.named("Ann 2"));
        String cursor = voxanne.contacts(annInA).list(ContactQuery.all().limit(1)).nextCursor().orElseThrow();
        assertThat(bobs.list(ContactQuery.all().after(cursor)).items()).extracting(Contact::id).doesNotContain(ann.id());
    }

    private static List<Contact> readAll(Contacts contacts, ContactQuery first) {
        List<Contact> all = new ArrayList<>();
        Optional<String> cursor = Optional.empty();
        do {
            Page<Contact> page = contacts.list(cursor.map(first::after).orElse(first));
            assertThat(page.items().size()).isLessThanOrEqualTo(first.limit());
            all.addAll(page.items());
            cursor = page.nextCursor();
        } while (cursor.isPresent());
        return all;
    }

    private static Comparator<Contact> expectedOrder(ContactSort sort) {
        Comparator<Contact> byTime = switch (sort) {
            case UPDATED -> Comparator.comparing((Contact c) -> c.updatedAt().toInstant()).reversed();
            case CREATED -> Comparator.comparing((Contact c) -> c.createdAt().toInstant()).reversed();
            case LAST_CONTACT -> Comparator.comparing((Contact c) -> c.lastContactAt() == null ? null : c.lastContactAt().toInstant(),
                    Comparator.nullsFirst(Comparator.<Instant>naturalOrder())).reversed();
        };
        // PostgreSQL orders uuids by unsigned bytes, as their canonical strings sort; UUID.compareTo does not
        return byTime.thenComparing(Comparator.comparing((Contact c) -> c.id().toString()).reversed());
    }

    private static List<String> names(Page<Contact> page) {
        return page.items().stream().map(Contact::name).toList();
    }

    private static String enc(String text) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }
}
