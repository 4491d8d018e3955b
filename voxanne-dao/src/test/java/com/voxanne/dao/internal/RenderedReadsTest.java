package com.voxanne.dao.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.dao.AppointmentQuery;
import com.voxanne.dao.AuditQuery;
import com.voxanne.dao.Contact;
import com.voxanne.dao.ContactQuery;
import com.voxanne.dao.ContactSort;
import com.voxanne.dao.Contacts;
import com.voxanne.dao.DatabaseKind;
import com.voxanne.dao.NewContact;
import com.voxanne.dao.NotificationQuery;
import com.voxanne.dao.TenantTransaction;
import com.voxanne.dao.VoxanneObserver;
import com.voxanne.schema.jooq.enums.AppointmentStatus;
import com.voxanne.schema.jooq.enums.LeadScoreType;
import com.voxanne.schema.jooq.enums.LeadStatusType;
import com.voxanne.schema.jooq.enums.NotificationStatus;
import com.voxanne.schema.jooq.enums.NotificationType;
import com.voxanne.schema.session.RequestClaims;
import com.voxanne.schema.session.RoleTimeouts;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;
import javax.sql.DataSource;
import org.jooq.JSONB;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Reads rendered once per shape: each value bound where its own condition put it, as jOOQ would bind it,
 * on every call of the shape; a part that does not use what it binds refused; shapes reused.
 */
@VoxannePostgres
class RenderedReadsTest {

    /** One row, so that a read returns it exactly when its conditions hold. */
    private static final RenderedReads.From ONE_ROW = () -> DSL.select(DSL.inline(1));

    /** Uses {@code b} twice and {@code a} between: three parameters for two values. */
    private static final RenderedReads.On2<String, String> B_A_B =
            (a, b) -> DSL.concat(b, DSL.inline("|"), a, DSL.inline("|"), b).eq(DSL.inline("b|a|b"));

    private Transactions transactions;
    private User ann;
    private RequestClaims claims;

    @BeforeEach
    void setUp(DataSource login, Tenants tenants) {
        transactions = new Transactions(login, RoleTimeouts.defaults(), VoxanneObserver.NONE, DatabaseKind.placement(login));
        ann = tenants.organization("Clinic " + UUID.randomUUID()).user("ann");
        claims = ann.claims();
    }

    @Test
    void aContactReadByJooqAndByARenderedReadIsTheSameInUtcWhateverTheSessionZone() {
        List<Contact> both = transactions.inUnit(claims, Transactions.Mode.TRANSACTION, unit -> {
            // jOOQ reads timestamptz as text in the session's zone; PgJDBC's OffsetDateTime is in UTC
            unit.dsl().execute("set local time zone 'Asia/Kolkata'");
            Contacts contacts = tenant(unit).contacts();
            Contact created = contacts.create(NewContact.named("Ann Lee").phone("+12125550198"));
            contacts.recordContact(created.id(), OffsetDateTime.now().minusHours(1));
            Contact touched = contacts.get(created.id());
            return List.of(touched, contacts.list(ContactQuery.all()).items().get(0));
        });
        assertThat(both.get(1)).isEqualTo(both.get(0));
        assertThat(List.of(both.get(0).createdAt(), both.get(0).updatedAt(), both.get(0).lastContactAt()))
                .allMatch(time -> time.getOffset().equals(ZoneOffset.UTC));
    }

    @Test
    void bindsEveryKindOfValueTheWayJooqWould() {
        UUID id = UUID.randomUUID();
        OffsetDateTime when = OffsetDateTime.of(2031, 2, 3, 4, 5, 6, 789_000, ZoneOffset.ofHours(2));
        JSONB json = JSONB.valueOf("[\"botox\"]");
        // each condition compares its bound value with the same value written as a literal
        List<Integer> rows = read(unit -> RenderedReads.select("test: every kind", ONE_ROW)
                .where(id, v -> v.eq(DSL.inline(id)))
                .where("text", v -> v.eq(DSL.inline("text")))
                .where(7L, v -> v.eq(DSL.inline(7L)))
                .where(8, v -> v.eq(DSL.inline(8)))
                .where(true, v -> v.eq(DSL.inline(true)))
                .where(when, v -> v.eq(DSL.inline(when)))
                .where(LeadScoreType.HOT, v -> v.eq(DSL.inline(LeadScoreType.HOT)))
                .where(json, v -> DSL.condition("{0} = {1}", v, DSL.inline(json, SQLDataType.JSONB)))
                .fetch(unit, row -> row.getInt(1)));
        assertThat(rows).containsExactly(1);
    }

    @Test
    void everyCallOfAShapeBindsItsOwnValuesWhereItsConditionUsesThem() {
        long before = RenderedReads.renders();
        assertThat(bab("a", "b")).containsExactly(1);
        assertThat(bab("a", "c")).isEmpty();
        assertThat(bab("c", "b")).isEmpty();
        assertThat(bab("b", "a")).isEmpty();
        assertThat(bab("a", "b")).containsExactly(1);
        assertThat(RenderedReads.renders() - before).isEqualTo(1);
    }

    private List<Integer> bab(String a, String b) {
        return read(unit -> RenderedReads.select("test: b|a|b", ONE_ROW).where(a, b, B_A_B).fetch(unit, row -> row.getInt(1)));
    }

    @Test
    void aPartThatBindsAValueItWasNotGivenIsRefusedWithoutNamingValues() {
        String phone = "+12125550198";
        assertThatThrownBy(() -> read(unit -> RenderedReads.select("test: own value", ONE_ROW)
                .where(phone, v -> v.eq(DSL.val(phone)))
                .fetch(unit, row -> row.getInt(1))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("DAO bug").hasMessageContaining("none of its parts supplied")
                .hasMessageNotContaining(phone);
    }

    @Test
    void aPartThatDoesNotUseItsValueIsRefusedWithoutNamingIt() {
        String phone = "+12125550198";
        assertThatThrownBy(() -> read(unit -> RenderedReads.select("test: unused value", ONE_ROW)
                .where(UUID.randomUUID(), id -> id.isNotNull())
                .where(phone, v -> DSL.trueCondition())
                .fetch(unit, row -> row.getInt(1))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("DAO bug").hasMessageContaining("never uses its value 2")
                .hasMessageNotContaining(phone);
    }

    @Test
    void aNullValueIsRefused() {
        assertThatThrownBy(() -> read(unit -> RenderedReads.select("test: null", ONE_ROW)
                .where((String) null, v -> v.isNull())
                .fetch(unit, row -> row.getInt(1))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("binds null");
    }

    @Test
    void aValueWithoutABindingIsRefused() {
        LocalDate unknown = LocalDate.of(2031, 2, 3);
        assertThatThrownBy(() -> read(unit -> RenderedReads.select("test: unknown", ONE_ROW)
                .where(unknown, v -> v.isNotNull())
                .fetch(unit, row -> row.getInt(1))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no binding for a LocalDate");
    }

    @Test
    void theRepositoriesReadsRenderEachShapeOnceWhateverTheValues() {
        UUID contactId = transactions.inUnit(claims, Transactions.Mode.TRANSACTION, unit -> {
            Contacts contacts = tenant(unit).contacts();
            contacts.create(NewContact.named("Ann Lee").phone("+12125550198"));
            return contacts.create(NewContact.named("Bo Lee").phone("+12125550199")).id();
        });
        // every shape once, to fill the cache, then again with other values: nothing more to render
        everyShape(contactId, "lee", "0198");
        long before = RenderedReads.renders();
        everyShape(UUID.randomUUID(), "ann", "@clinic.test");
        assertThat(RenderedReads.renders()).isEqualTo(before);
    }

    private void everyShape(UUID contactId, String name, String fragment) {
        transactions.inUnit(claims, Transactions.Mode.TRANSACTION, unit -> {
            TenantTransaction tenant = tenant(unit);
            Contacts contacts = tenant.contacts();
            for (ContactSort sort : ContactSort.values()) {
                ContactQuery query = ContactQuery.all().sortBy(sort).leadStatus(LeadStatusType.NEW)
                        .leadScore(LeadScoreType.COLD).serviceInterest("botox " + name);
                contacts.list(query);
                contacts.list(query.search(name));
                String cursor = contacts.list(ContactQuery.all().sortBy(sort).limit(1)).nextCursor().orElseThrow();
                contacts.list(ContactQuery.all().sortBy(sort).after(cursor));
                contacts.list(ContactQuery.all().sortBy(sort).search(fragment).after(cursor));
            }
            contacts.countsByLeadStatus();
            maybeAbsent(() -> contacts.get(contactId));
            contacts.findByPhone("+1212555" + (1000 + name.length()));
            tenant.organization();
            absent(() -> tenant.appointments().get(contactId));
            absent(() -> tenant.appointments().getIncludingDeleted(contactId));
            absent(() -> tenant.notifications().get(contactId));
            tenant.appointments().list(AppointmentQuery.all().contact(contactId).statuses(AppointmentStatus.PENDING)
                    .from(OffsetDateTime.now().minusDays(name.length())).until(OffsetDateTime.now().plusDays(1)));
            tenant.appointments().upcoming(name.length());
            tenant.notifications().list(NotificationQuery.all().status(NotificationStatus.UNREAD)
                    .type(NotificationType.SYSTEM_ALERT).limit(name.length()));
            tenant.notifications().unreadCount();
            return null;
        });
    }

    @Test
    void theAuditTrailsPagesRenderEachShapeOnceWhateverTheValues() {
        AuditTrailImpl audit = new AuditTrailImpl(transactions, new Inputs("US"));
        transactions.inUnit(claims, Transactions.Mode.TRANSACTION, unit -> {
            Contacts contacts = tenant(unit).contacts();
            contacts.create(NewContact.named("Ann Lee"));
            return contacts.create(NewContact.named("Bo Lee"));
        });
        // every filter once, to fill the cache, then again with other values: nothing more to render
        everyAuditShape(audit, "contacts", "insert", 1);
        long before = RenderedReads.renders();
        everyAuditShape(audit, "appointments", "DELETE", 2);
        assertThat(RenderedReads.renders()).isEqualTo(before);
        // and each call's own values: the filters find what they should
        AuditQuery inserts = AuditQuery.organization(ann.organization().id()).table("contacts").operation("INSERT");
        assertThat(audit.events(inserts).items()).hasSize(2);
        assertThat(audit.events(inserts.limit(1)).items()).hasSize(1);
        assertThat(audit.events(inserts.table("appointments")).items()).isEmpty();
    }

    private void everyAuditShape(AuditTrailImpl audit, String table, String operation, int limit) {
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
        AuditQuery all = AuditQuery.organization(ann.organization().id()).limit(limit);
        audit.events(all);
        String cursor = audit.events(AuditQuery.organization(ann.organization().id()).limit(1)).nextCursor().orElseThrow();
        audit.events(all.from(now.minusDays(limit)).to(now.plusDays(limit)).table(table).user(ann.id())
                .operation(operation).after(cursor));
    }

    /** A read by a key that may find nothing (the second pass asks for a random id). */
    private static void maybeAbsent(Runnable read) {
        try {
            read.run();
        } catch (com.voxanne.dao.NotFoundException expected) {
            // the shape was rendered and cached all the same
        }
    }

    /** A read by a key that finds nothing still renders (and caches) its shape. */
    private static void absent(Runnable read) {
        assertThatThrownBy(read::run).isInstanceOf(com.voxanne.dao.NotFoundException.class);
    }

    @Test
    void timesAreHandedOutInUtc() {
        OffsetDateTime local = OffsetDateTime.of(2031, 2, 3, 4, 5, 6, 0, ZoneOffset.ofHoursMinutes(5, 30));
        assertThat(Rows.utc(local)).isEqualTo(local.withOffsetSameInstant(ZoneOffset.UTC));
        assertThat(Rows.utc(local).getOffset()).isEqualTo(ZoneOffset.UTC);
        assertThat(Rows.utc(null)).isNull();
    }

    private TenantTransactionImpl tenant(Unit unit) {
        return new TenantTransactionImpl(unit, ann.organization().id(), ann.id(), new Inputs("US"),
                com.voxanne.dao.VoxanneObserver.NONE);
    }

    private <T> T read(Function<Unit, T> read) {
        return transactions.inUnit(claims, Transactions.Mode.SINGLE_STATEMENT, read);
    }
}
