package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import java.lang.reflect.Method;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.jooq.exception.DataAccessException;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import com.voxanne.testkit.VoxannePostgres;

@VoxannePostgres
class AuditTrailTest {

    private Voxanne voxanne;
    private AuditTrail audit;
    private Tenants tenants;

    @BeforeEach
    void setUp(DataSource login, Tenants tenants) {
        this.voxanne = Voxanne.create(login);
        this.audit = voxanne.service().audit();
        this.tenants = tenants;
    }

    private OrgContext as(User user) {
        return OrgContext.of(user.organization().id(), user.id());
    }

    @Test
    void eventsAreAnOrganizationsTrailNewestFirstInKeysetPages() {
        User ann = tenants.organization("Pages A").user("ann");
        User amy = tenants.organization("Pages A").user("amy");
        User bob = tenants.organization("Pages B").user("bob");
        for (String name : List.of("First", "Second", "Third")) {
            voxanne.contacts(as(ann)).create(NewContact.named(name));
        }
        voxanne.contacts(as(amy)).create(NewContact.named("Amy's"));
        voxanne.contacts(as(bob)).create(NewContact.named("Bob's"));

        AuditQuery annsInserts = AuditQuery.organization(ann.organization().id())
                .table("contacts").user(ann.id()).operation("insert").limit(2);
        Page<AuditEvent> first = audit.events(annsInserts);
        assertThat(first.items()).extracting(e -> e.rowData().get("name").asText()).containsExactly("Third", "Second");
        assertThat(first.hasNext()).isTrue();
        Page<AuditEvent> second = audit.events(annsInserts.after(first.nextCursor().orElseThrow()));
        assertThat(second.items()).extracting(e -> e.rowData().get("name").asText()).containsExactly("First");
        assertThat(second.hasNext()).isFalse();

        AuditEvent event = second.items().get(0);
        assertThat(event.eventType()).isEqualTo("WRITE");
        assertThat(event.operation()).isEqualTo("INSERT");
        assertThat(event.schemaName()).isEqualTo("public");
        assertThat(event.authenticatedUser()).isEqualTo(ann.id());
        assertThat(event.organizationId()).isEqualTo(ann.organization().id());
        assertThat(event.claimsOrganizationId()).isEqualTo(ann.organization().id());
        assertThat(event.databaseUser()).isEqualTo("authenticated");
        assertThat(event.oldData()).isNull();
        assertThat(event.statementText()).containsIgnoringCase("insert");

        List<AuditEvent> everything = audit.events(AuditQuery.organization(ann.organization().id())).items();
        assertThat(everything).extracting(AuditEvent::authenticatedUser).contains(ann.id(), amy.id());
        assertThat(everything).isSortedAccordingTo((x, y) -> y.eventTime().compareTo(x.eventTime()) != 0
                ? y.eventTime().compareTo(x.eventTime()) : Long.compare(y.id(), x.id()));
        assertThat(audit.events(AuditQuery.organization(ann.organization().id()).operation("DELETE")).items()).isEmpty();
    }

    @Test
    void anotherOrganizationsEventsAreNeverListed() {
        User ann = tenants.organization("Isolated A").user("ann");
        User bob = tenants.organization("Isolated B").user("bob");
        voxanne.contacts(as(ann)).create(NewContact.named("Secret Ann"));

        List<AuditEvent> bobs = audit.events(AuditQuery.organization(bob.organization().id()).limit(500)).items();
        assertThat(bobs).allSatisfy(e -> assertThat(e.organizationId()).isEqualTo(bob.organization().id()));
        assertThat(bobs).noneMatch(e -> e.rowData() != null && e.rowData().toString().contains("Secret Ann"));
        assertThat(audit.events(AuditQuery.organization(bob.organization().id()).user(ann.id())).items()).isEmpty();
        assertThat(audit.events(AuditQuery.organization(UUID.randomUUID())).items()).isEmpty();
    }

    @Test
    void aTimeRangeIsFromInclusiveToExclusive() {
        User ann = tenants.organization("Range A").user("ann");
        voxanne.contacts(as(ann)).create(NewContact.named("In range"));
        AuditQuery contacts = AuditQuery.organization(ann.organization().id()).table("contacts");
        AuditEvent event = audit.events(contacts).items().get(0);

        assertThat(audit.events(contacts.from(event.eventTime()).to(event.eventTime().plusNanos(1000))).items())
                .extracting(AuditEvent::id).containsExactly(event.id());
        assertThat(audit.events(contacts.to(event.eventTime())).items()).isEmpty();
        assertThat(audit.events(contacts.from(event.eventTime().plusNanos(1000))).items()).isEmpty();
    }

    @Test
    void badQueriesAreRefusedBeforeSql() {
        UUID org = tenants.organization("Bad queries").id();
        AuditQuery query = AuditQuery.organization(org);
        OffsetDateTime now = OffsetDateTime.now();
        assertInvalid(() -> audit.events(null), "query");
        assertThatThrownBy(() -> audit.events(AuditQuery.organization(null)))
                .isInstanceOf(TenantContextException.class).hasMessageContaining("organization id");
        assertInvalid(() -> audit.events(query.limit(0)), "limit");
        assertInvalid(() -> audit.events(query.limit(501)), "limit");
        assertInvalid(() -> audit.events(query.from(now).to(now)), "from");
        assertInvalid(() -> audit.events(query.from(now).to(now.minusHours(1))), "from");
        assertInvalid(() -> audit.events(query.table(" ")), "table");
        assertInvalid(() -> audit.events(query.table("x".repeat(64))), "table");
        assertInvalid(() -> audit.events(query.operation("")), "operation");
        Base64.Encoder base64 = Base64.getUrlEncoder().withoutPadding();
        for (String tampered : List.of("not base64!", base64.encodeToString("a1|x|1".getBytes()),
                base64.encodeToString("a1|1".getBytes()), base64.encodeToString("a1|1|0".getBytes()),
                base64.encodeToString("b2|1|1".getBytes()), base64.encodeToString("a1|1|2|3".getBytes()), "")) {
            assertInvalid(() -> audit.events(query.after(tampered)), "cursor");
        }
    }

    @Test
    void aCursorAtTheLastRowGivesAnEmptyPage() {
        User ann = tenants.organization("Cursor A").user("ann");
        voxanne.contacts(as(ann)).create(NewContact.named("Only"));
        AuditQuery one = AuditQuery.organization(ann.organization().id()).table("contacts").limit(1);
        Page<AuditEvent> first = audit.events(one);
        assertThat(first.items()).hasSize(1);
        assertThat(first.hasNext()).isFalse();
        voxanne.contacts(as(ann)).create(NewContact.named("Another"));
        Page<AuditEvent> newest = audit.events(one);
        Page<AuditEvent> older = audit.events(one.after(newest.nextCursor().orElseThrow()));
        assertThat(older.items()).extracting(AuditEvent::id).containsExactly(first.items().get(0).id());
    }

    @Test
    void suspiciousActivityFindsHighVolumePerOrganizationAndAcrossAll() {
        User ann = tenants.organization("Busy A").user("ann");
        User bob = tenants.organization("Quiet B").user("bob");
        for (int i = 0; i < 5; i++) {
            voxanne.contacts(as(ann)).create(NewContact.named("Lead " + i));
        }
        voxanne.contacts(as(bob)).create(NewContact.named("Single"));

        List<SuspiciousActivity> inA = audit.suspiciousActivity(ann.organization().id(), Duration.ofHours(1), 5);
        assertThat(inA).anySatisfy(s -> {
            assertThat(s.activity()).isEqualTo("high_volume");
            assertThat(s.organizationId()).isEqualTo(ann.organization().id());
            assertThat(s.authenticatedUser()).isEqualTo(ann.id());
            assertThat(s.eventCount()).isGreaterThanOrEqualTo(5);
            assertThat(s.firstSeen()).isBeforeOrEqualTo(s.lastSeen());
            assertThat(s.detail()).contains("events within");
        });
        assertThat(audit.suspiciousActivity(bob.organization().id(), Duration.ofHours(1), 5))
                .noneMatch(s -> ann.id().equals(s.authenticatedUser()) || ann.organization().id().equals(s.organizationId()));
        assertThat(audit.suspiciousActivity(Duration.ofHours(1), 5))
                .anyMatch(s -> s.activity().equals("high_volume") && ann.id().equals(s.authenticatedUser()));
        assertThat(audit.suspiciousActivity(ann.organization().id(), Duration.ofHours(1), 1_000_000)).isEmpty();
    }

    @Test
    void badWindowsAndThresholdsAreRefused() {
        UUID org = tenants.organization("Bad windows").id();
        assertThatThrownBy(() -> audit.suspiciousActivity(null, Duration.ofHours(1), 10))
                .isInstanceOf(TenantContextException.class).hasMessageContaining("organization id");
        assertInvalid(() -> audit.suspiciousActivity(org, null, 10), "window");
        assertInvalid(() -> audit.suspiciousActivity(org, Duration.ZERO, 10), "window");
        assertInvalid(() -> audit.suspiciousActivity(Duration.ofMinutes(-1), 10), "window");
        assertInvalid(() -> audit.suspiciousActivity(Duration.ofDays(367), 10), "window");
        assertInvalid(() -> audit.suspiciousActivity(org, Duration.ofHours(1), 0), "threshold");
        assertInvalid(() -> audit.suspiciousActivity(Duration.ofHours(1), -5), "threshold");
    }

    @Test
    void aUserCanNeverReachTheTrail() {
        User ann = tenants.organization("Curious A").user("ann");
        assertThatThrownBy(() -> tenants.asUser(ann).call(dsl -> dsl.fetchCount(DSL.table("public.audit_logs"))))
                .isInstanceOf(DataAccessException.class).hasMessageContaining("permission denied");
        assertThatThrownBy(() -> tenants.asUser(ann).call(dsl -> dsl.fetchValue(
                "select public.archive_old_audit_logs(1, 9223372036854775807)")))
                .isInstanceOf(DataAccessException.class).hasMessageContaining("permission denied");
        List<Method> toTheTrail = new ArrayList<>();
        for (Class<?> reachable : List.of(TenantTransaction.class, Contacts.class, Appointments.class,
                Notifications.class, Voxanne.class)) {
            Arrays.stream(reachable.getMethods()).filter(m -> m.getReturnType() == AuditTrail.class).forEach(toTheTrail::add);
        }
        assertThat(toTheTrail).as("only ServiceScope.audit() leads to the trail").isEmpty();
    }

    static void assertInvalid(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String field) {
        assertThatThrownBy(call).isInstanceOfSatisfying(InvalidInputException.class,
                e -> assertThat(e.field()).isEqualTo(field));
    }
}
