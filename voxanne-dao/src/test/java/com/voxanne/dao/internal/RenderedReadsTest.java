package com.voxanne.dao.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.dao.Contact;
import com.voxanne.dao.ContactQuery;
import com.voxanne.dao.Contacts;
import com.voxanne.dao.NewContact;
import com.voxanne.schema.jooq.enums.LeadScoreType;
import com.voxanne.schema.session.RequestClaims;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.jooq.JSONB;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Reads rendered once per shape: values bound as jOOQ would bind them, and disagreements caught. */
@VoxannePostgres
class RenderedReadsTest {

    private Transactions transactions;
    private User ann;
    private RequestClaims claims;

    @BeforeEach
    void setUp(DataSource login, Tenants tenants) {
        transactions = new Transactions(login);
        ann = tenants.organization("Clinic " + UUID.randomUUID()).user("ann");
        claims = ann.claims();
    }

    @Test
    void aContactReadByJooqAndByARenderedReadIsTheSameInUtcWhateverTheSessionZone() {
        List<Contact> both = transactions.inUnit(claims, Transactions.Mode.TRANSACTION, unit -> {
            // jOOQ reads timestamptz as text in the session's zone; PgJDBC's OffsetDateTime is in UTC
            unit.dsl().execute("set local time zone 'Asia/Kolkata'");
            Contacts contacts = new TenantTransactionImpl(unit, ann.organization().id(), ann.id(), new Inputs("US"))
                    .contacts();
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
        List<Object> binds = List.of(id, "text", 7L, 8, true, when, LeadScoreType.HOT, json);
        String read = transactions.inUnit(claims, Transactions.Mode.SINGLE_STATEMENT, unit -> RenderedReads.fetchSingle(unit,
                "test: every kind " + UUID.randomUUID(), binds,
                () -> unit.dsl().select(DSL.val(id), DSL.val("text"), DSL.val(7L), DSL.val(8), DSL.val(true), DSL.val(when),
                        DSL.val(LeadScoreType.HOT), DSL.val(json, SQLDataType.JSONB)),
                row -> row.getString(1) + "|" + row.getString(2) + "|" + row.getLong(3) + "|" + row.getInt(4) + "|"
                        + row.getBoolean(5) + "|" + row.getObject(6, OffsetDateTime.class).toInstant() + "|" + row.getString(7)
                        + "|" + row.getString(8)));
        assertThat(read).isEqualTo(id + "|text|7|8|true|" + when.toInstant() + "|hot|[\"botox\"]");
    }

    @Test
    void aShapeWhoseValuesDisagreeWithItsQueryIsRefusedWithoutNamingTheValues() {
        String patientPhone = "+12125550198";
        assertThatThrownBy(() -> transactions.inUnit(claims, Transactions.Mode.SINGLE_STATEMENT, unit -> RenderedReads.fetch(unit,
                "test: disagreeing " + UUID.randomUUID(), List.of(patientPhone),
                () -> unit.dsl().select(DSL.val(UUID.randomUUID())), row -> row.getString(1))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("DAO bug").hasMessageContaining("[String]").hasMessageContaining("[UUID]")
                .hasMessageNotContaining(patientPhone);
    }

    @Test
    void aLaterCallOfAShapeWithOtherValueTypesIsRefused() {
        String shape = "test: one shape " + UUID.randomUUID();
        UUID id = UUID.randomUUID();
        String first = transactions.inUnit(claims, Transactions.Mode.SINGLE_STATEMENT, unit -> RenderedReads.fetchSingle(unit,
                shape, List.of(id), () -> unit.dsl().select(DSL.val(id)), row -> row.getString(1)));
        assertThat(first).isEqualTo(id.toString());
        assertThatThrownBy(() -> transactions.inUnit(claims, Transactions.Mode.SINGLE_STATEMENT, unit -> RenderedReads.fetch(unit,
                shape, List.of(id, 1L), () -> unit.dsl().select(DSL.val(id), DSL.val(1L)), row -> row.getString(1))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("[UUID, Long]");
        assertThatThrownBy(() -> transactions.inUnit(claims, Transactions.Mode.SINGLE_STATEMENT, unit -> RenderedReads.fetch(unit,
                shape, List.of(id.toString()), () -> unit.dsl().select(DSL.val(id)), row -> row.getString(1))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("[String]");
    }

    @Test
    void aValueWithoutABindingIsRefused() {
        LocalDate unknown = LocalDate.of(2031, 2, 3);
        assertThatThrownBy(() -> transactions.inUnit(claims, Transactions.Mode.SINGLE_STATEMENT, unit -> RenderedReads.fetch(unit,
                "test: unknown " + UUID.randomUUID(), List.of(unknown),
                () -> unit.dsl().select(DSL.val(unknown)), row -> row.getString(1))))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("no binding for a LocalDate");
    }

    @Test
    void timesAreHandedOutInUtc() {
        OffsetDateTime local = OffsetDateTime.of(2031, 2, 3, 4, 5, 6, 0, ZoneOffset.ofHoursMinutes(5, 30));
        assertThat(Rows.utc(local)).isEqualTo(local.withOffsetSameInstant(ZoneOffset.UTC));
        assertThat(Rows.utc(local).getOffset()).isEqualTo(ZoneOffset.UTC);
        assertThat(Rows.utc(null)).isNull();
    }
}
