package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.schema.jooq.enums.LeadStatusType;
import com.voxanne.schema.session.RequestBinding;
import com.voxanne.testkit.VoxannePostgres;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A unit of work binds its tenant in the same round trip as its first statement: a one-statement call is
 * one execute (auto-commit on, its own begin and commit in the statement's string, nothing else), a
 * multi-statement unit is a transaction whose first statement carries the binding. Row-level security
 * holds either way.
 */
@VoxannePostgres
class OneRoundTripTest extends TwoClinicsTest {

    private JdbcCallLog log;
    private Voxanne logged;
    private DataSource login;

    @BeforeEach
    void logTheJdbcCalls(DataSource login) {
        this.login = login;
        log = new JdbcCallLog(login);
        logged = Voxanne.create(log);
    }

    @Test
    void aPerCallListIsOneExecuteOfOnePreparedStatement() {
        logged.contacts(annInA).create(NewContact.named("Ann's").phone("+12125550100"));
        log.clear();

        Page<Contact> page = logged.contacts(annInA).list(ContactQuery.all());

        assertThat(page.items()).extracting(Contact::name).containsExactly("Ann's");
        assertOneRoundTrip("contacts.list");
    }

    @Test
    void everyOneStatementReadOfTheRepositoriesIsOneRoundTrip() {
        DatabaseKind.assumeOneServer(login, "the strings and calls of one server's binding; a distributed database's binding is another string (ADR 0018), tested by DistributedBindingFormTest and CitusRoutingTest");
        Contact c = voxanne.contacts(annInA).create(NewContact.named("Ann's").phone("+12125550100"));
        Appointment a = voxanne.appointments(annInA).book(c.id(), ServiceType.BOTOX,
                OffsetDateTime.now().plusDays(1).truncatedTo(ChronoUnit.HOURS), Duration.ofMinutes(30));
        Map<String, Runnable> reads = new LinkedHashMap<>();
        reads.put("contacts.get", () -> logged.contacts(annInA).get(c.id()));
        reads.put("contacts.findByPhone", () -> logged.contacts(annInA).findByPhone("+12125550100"));
        reads.put("contacts.countsByLeadStatus", () -> logged.contacts(annInA).countsByLeadStatus());
        reads.put("appointments.get", () -> logged.appointments(annInA).get(a.id()));
        reads.put("appointments.list", () -> logged.appointments(annInA).list(AppointmentQuery.all()));
        reads.put("appointments.upcoming", () -> logged.appointments(annInA).upcoming(10));
        reads.put("notifications.list", () -> logged.notifications(annInA).list(NotificationQuery.all()));
        reads.put("notifications.unreadCount", () -> logged.notifications(annInA).unreadCount());
        reads.put("organization", () -> logged.organization(annInA));
        reads.put("service.organizations.get", () -> logged.service().organizations().get(annInA.organizationId()));
        reads.put("service.audit.events", () -> logged.service().audit().events(AuditQuery.organization(annInA.organizationId())));
        UUID chosen = UUID.randomUUID();
        reads.put("contacts.create with an id", () -> logged.contacts(annInA).create(NewContact.named("Cy").id(chosen)));
        reads.put("contacts.create with an id, again", () -> logged.contacts(annInA).create(NewContact.named("Cy").id(chosen)));
        reads.forEach((name, read) -> {
            log.clear();
            read.run();
            assertOneRoundTrip(name);
        });
    }

    @Test
    void aMultiStatementUnitBindsOnItsFirstStatementAndCommitsOnce() {
        log.clear();
        Map<LeadStatusType, Long> counts = logged.inOrg(annInA, tx -> {
            tx.contacts().create(NewContact.named("Ann's").phone("+12125550100"));
            return tx.contacts().countsByLeadStatus();
        });
        assertThat(counts).containsEntry(LeadStatusType.NEW, 1L);
        assertThat(log.prepared()).hasSize(2);
        assertThat(log.prepared().get(0)).startsWith(RequestBinding.BIND_SQL + ";");
        assertThat(log.prepared().get(1)).doesNotContain("set_config");
        assertThat(log.executes()).hasSize(2);
        assertThat(log.connectionCalls()).filteredOn(c -> c.equals("connection.commit")).hasSize(1);
        assertThat(log.connectionCalls()).noneMatch(c -> c.contains("rollback") || c.contains("Savepoint"));
    }

    @Test
    void rowLevelSecurityHoldsInSingleStatementMode() {
        Contact annsContact = voxanne.contacts(annInA).create(NewContact.named("Ann's").phone("+12125550100"));
        voxanne.contacts(annInA).create(NewContact.named("Ann's 2").phone("+12125550101"));
        voxanne.contacts(bobInB).create(NewContact.named("Bob's").phone("+12125550199"));

        assertThatThrownBy(() -> logged.contacts(bobInB).get(annsContact.id())).isInstanceOf(NotFoundException.class);
        assertThat(logged.contacts(bobInB).findByPhone("+12125550100")).isEmpty();
        assertThat(logged.contacts(bobInB).countsByLeadStatus()).containsEntry(LeadStatusType.NEW, 1L);
        assertThat(logged.contacts(annInA).countsByLeadStatus()).containsEntry(LeadStatusType.NEW, 2L);
        assertThat(logged.contacts(bobInB).list(ContactQuery.all()).items()).extracting(Contact::name)
                .containsExactly("Bob's");
        assertThatThrownBy(() -> logged.contacts(bobInB).delete(annsContact.id())).isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> logged.contacts(bobInB).touch(annsContact.id())).isInstanceOf(NotFoundException.class);
        assertThat(voxanne.contacts(annInA).get(annsContact.id())).isEqualTo(annsContact);
    }

    @Test
    void aFailingOneStatementCallIsTranslatedAndLeavesNothing() {
        DatabaseKind.assumeOneServer(login, "the strings and calls of one server's binding; a distributed database's binding is another string (ADR 0018), tested by DistributedBindingFormTest and CitusRoutingTest");
        logged.contacts(annInA).create(NewContact.named("Ann's").phone("+12125550100"));
        log.clear();
        assertThatThrownBy(() -> logged.contacts(annInA).create(NewContact.named("Twin").phone("(212) 555-0100")))
                .isInstanceOfSatisfying(DuplicateException.class,
                        e -> assertThat(e.constraint()).isEqualTo("uq_contacts_org_phone"));
        assertThat(log.executes()).as("the statement, then the rollback of its aborted transaction").hasSize(2);
        assertThat(log.plainSql()).containsExactly("rollback");
        assertThat(log.connectionCalls()).as("auto-commit on: nothing to commit or roll back through the connection")
                .doesNotContain("connection.commit", "connection.rollback");
        assertThat(voxanne.contacts(annInA).list(ContactQuery.all()).items()).extracting(Contact::name)
                .containsExactly("Ann's");
    }

    /**
     * importAll sets a savepoint before its first statement: the binding must run before it, or the
     * rollback to the savepoint would undo set_config and leave the rest of the unit unbound (denied, or
     * worse, unfiltered).
     */
    @Test
    void afterImportAllRollsBackToItsSavepointTheUnitIsStillBoundToItsOrganization() {
        DatabaseKind.assumeOneServer(login, "the strings and calls of one server's binding; a distributed database's binding is another string (ADR 0018), tested by DistributedBindingFormTest and CitusRoutingTest");
        voxanne.contacts(annInA).create(NewContact.named("Existing").phone("+12125550100"));
        voxanne.contacts(bobInB).create(NewContact.named("Bob's").phone("+12125550199"));
        log.clear();

        List<Object> seen = logged.inOrg(annInA, tx -> {
            assertThatThrownBy(() -> tx.contacts().importAll(List.of(
                    NewContact.named("New").phone("+12125550101"), NewContact.named("Clash").phone("+12125550100"))))
                    .isInstanceOf(BulkImportException.class);
            Map<LeadStatusType, Long> counts = tx.contacts().countsByLeadStatus();
            boolean bobsVisible = tx.contacts().findByPhone("+12125550199").isPresent();
            Contact after = tx.contacts().create(NewContact.named("After").phone("+12125550102"));
            return List.of(counts.get(LeadStatusType.NEW), bobsVisible, after.organizationId(), tx.organization().id());
        });

        assertThat(seen).containsExactly(1L, false, annInA.organizationId(), annInA.organizationId());
        List<String> calls = log.calls();
        int bind = calls.indexOf("connection.prepareStatement " + RequestBinding.BIND_SQL);
        int savepoint = calls.indexOf("connection.setSavepoint");
        assertThat(bind).as("the binding ran on its own").isNotNegative();
        assertThat(bind).as("before the savepoint").isLessThan(savepoint);
        assertThat(calls).contains("connection.rollback");   // rollback(savepoint)
        assertThat(log.prepared()).as("bound once: nothing else carries a binding")
                .filteredOn(sql -> sql.contains("set_config")).hasSize(1);
        assertThat(voxanne.contacts(annInA).list(ContactQuery.all()).items()).extracting(Contact::name)
                .containsExactlyInAnyOrder("Existing", "After");
    }

    @Test
    void aSuccessfulImportIsStillOneTransaction() {
        log.clear();
        List<Contact> created = logged.contacts(annInA).importAll(List.of(NewContact.named("One").phone("+12125550101"),
                NewContact.named("Two")));
        assertThat(created).extracting(Contact::organizationId).containsOnly(annInA.organizationId());
        assertThat(log.connectionCalls()).contains("connection.setAutoCommit", "connection.setSavepoint",
                "connection.releaseSavepoint", "connection.commit");
        assertThatThrownBy(() -> voxanne.contacts(bobInB).get(created.get(0).id())).isInstanceOf(NotFoundException.class);
    }

    /**
     * One execute of one prepared statement that carries its begin and the binding before and the commit
     * after the statement, and nothing else reaching the server: no commit or rollback through the
     * connection, no other statement.
     */
    private void assertOneRoundTrip(String what) {
        assertThat(log.prepared()).as(what + ": prepared").hasSize(1);
        assertThat(log.prepared().get(0)).as(what + ": carries its transaction and the binding")
                .startsWith("begin;\n" + RequestBinding.BIND_SQL + ";").endsWith(";\ncommit");
        assertThat(log.executes()).as(what + ": executes").hasSize(1);
        assertThat(log.connectionCalls()).as(what + ": connection calls")
                .noneMatch(c -> c.contains("commit") || c.contains("rollback") || c.contains("Savepoint")
                        || c.contains("createStatement") || c.contains("prepareCall"));
    }
}
