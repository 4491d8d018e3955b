package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import com.voxanne.testkit.Admin;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import com.voxanne.testkit.postgres.TestDatabase;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jooq.DSLContext;
import org.jooq.Field;
import org.jooq.Table;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A service's own tenant table inside a unit of work, through {@link TenantTransaction#dsl()}: it commits
 * and rolls back with the unit (and with processOnce's claim), sees only the unit's organization, fails
 * with the DAO's typed, scrubbed exceptions, and cannot end, reconfigure or rebind the unit.
 */
@VoxannePostgres
class ServiceTablesInUnitTest {

    private static final Table<?> NOTES = table(name("public", "call_notes"));
    private static final Field<UUID> ORG_ID = field(name("org_id"), UUID.class);
    private static final Field<String> BODY = field(name("body"), String.class);

    private HikariDataSource pool;
    private Voxanne voxanne;
    private DSLContext admin;
    private TestDatabase db;
    private OrgContext annInA;
    private OrgContext bobInB;

    @BeforeEach
    void setUp(TestDatabase db, @Admin DSLContext admin, Tenants tenants) {
        this.db = db;
        this.admin = admin;
        // a service's tenant table as the sample's migration makes it, plus a unique rule on the body; on a
        // distributed database in the shape a service gives it there (docs/citus.md, "A service's own tables")
        boolean distributed = DatabaseKind.distributed(db.loginDataSource());
        admin.execute("drop table if exists public.call_notes");
        admin.execute("create table public.call_notes (id uuid not null default gen_random_uuid(),"
                + " org_id uuid not null references public.organizations (id) on delete cascade, body text not null,"
                + (distributed ? " primary key (org_id, id)," : " primary key (id),")
                + " constraint uq_call_notes_org_body unique (org_id, body))");
        admin.execute("alter table public.call_notes enable row level security");
        admin.execute("alter table public.call_notes force row level security");
        admin.execute("grant select, insert, update, delete on public.call_notes to authenticated, service_role");
        String orgOfTheClaims = distributed ? "public.auth_org_id()" : "(select public.auth_org_id())";
        admin.execute("create policy call_notes_org on public.call_notes for all to authenticated"
                + " using (org_id = " + orgOfTheClaims + ") with check (org_id = " + orgOfTheClaims + ")");
        admin.execute("create policy call_notes_service on public.call_notes for all to service_role"
                + " using (true) with check (true)");
        if (distributed) {
            DatabaseKind.distributeByOrganization(admin, "public.call_notes");
        }
        User ann = tenants.organization("Clinic A " + UUID.randomUUID()).user("ann");
        User bob = tenants.organization("Clinic B " + UUID.randomUUID()).user("bob");
        annInA = OrgContext.of(ann.organization().id(), ann.id());
        bobInB = OrgContext.of(bob.organization().id(), bob.id());
        // one connection: every unit of a test runs on it, so what one leaves there the next would meet
        pool = ConnectionHygieneTest.poolOfOne(db);
        voxanne = Voxanne.create(pool);
    }

    @AfterEach
    void theOneConnectionComesBackClean() throws SQLException {
        try {
            ConnectionHygieneTest.assertNothingLeftOn(pool, db);
        } finally {
            pool.close();
        }
    }

    private List<String> notesOf(UUID org) {
        return admin.select(BODY).from(NOTES).where(ORG_ID.eq(org)).orderBy(BODY).fetch(BODY);
    }

    private static void note(TenantTransaction tx, UUID org, String body) {
        tx.dsl().insertInto(NOTES, ORG_ID, BODY).values(org, body).execute();
    }

    @Test
    void aServiceRowCommitsWithTheWebhooksClaimAndADuplicateDoesNotRunTheHandler() {
        UUID org = annInA.organizationId();
        AtomicInteger runs = new AtomicInteger();
        WebhookHandler handler = tx -> {
            runs.incrementAndGet();
            Contact caller = tx.contacts().create(NewContact.named("Caller").phone("+12125550160"));
            note(tx, org, "call from " + caller.id());
        };
        WebhookEvents webhooks = voxanne.service().webhooks();
        assertThat(webhooks.processOnce(org, "call.ended:1", "call.ended", handler)).isEqualTo(WebhookOutcome.PROCESSED);
        assertThat(webhooks.processOnce(org, "call.ended:1", "call.ended", handler)).isEqualTo(WebhookOutcome.DUPLICATE);
        assertThat(runs).hasValue(1);
        assertThat(notesOf(org)).hasSize(1);
    }

    @Test
    void aHandlerThatThrowsAfterItsInsertLeavesNeitherTheRowNorTheClaimAndTheRetryRunsIt() {
        UUID org = annInA.organizationId();
        WebhookEvents webhooks = voxanne.service().webhooks();
        assertThatThrownBy(() -> webhooks.processOnce(org, "call.ended:2", "call.ended", tx -> {
            note(tx, org, "first attempt");
            throw new IllegalStateException("downstream outage");
        })).hasMessage("downstream outage");
        assertThat(notesOf(org)).isEmpty();

        AtomicInteger runs = new AtomicInteger();
        assertThat(webhooks.processOnce(org, "call.ended:2", "call.ended", tx -> {
            runs.incrementAndGet();
            note(tx, org, "retry");
        })).isEqualTo(WebhookOutcome.PROCESSED);
        assertThat(runs).hasValue(1);
        assertThat(notesOf(org)).containsExactly("retry");
    }

    @Test
    void aServiceRowCommitsAndRollsBackWithABooking() {
        Contact ann = voxanne.contacts(annInA).create(NewContact.named("Ann"));
        assertThatThrownBy(() -> voxanne.runInOrg(annInA, tx -> {
            tx.appointments().book(ann.id(), ServiceType.BOTOX, java.time.OffsetDateTime.now().plusDays(1),
                    java.time.Duration.ofMinutes(30));
            note(tx, annInA.organizationId(), "booked");
            throw new IllegalStateException("payment refused");
        })).hasMessage("payment refused");
        assertThat(notesOf(annInA.organizationId())).isEmpty();
        assertThat(voxanne.appointments(annInA).upcoming(10)).isEmpty();

        voxanne.runInOrg(annInA, tx -> {
            tx.appointments().book(ann.id(), ServiceType.BOTOX, java.time.OffsetDateTime.now().plusDays(1),
                    java.time.Duration.ofMinutes(30));
            note(tx, annInA.organizationId(), "booked");
        });
        assertThat(notesOf(annInA.organizationId())).containsExactly("booked");
        assertThat(voxanne.appointments(annInA).upcoming(10)).hasSize(1);
    }

    /** Attack: write into and read another clinic's rows through the unit's DSLContext. */
    @Test
    void inAUserUnitTheDslContextSeesAndWritesOnlyItsOwnOrganization() {
        UUID a = annInA.organizationId();
        UUID b = bobInB.organizationId();
        voxanne.runInOrg(bobInB, tx -> note(tx, b, "bob's note"));
        voxanne.runInOrg(annInA, tx -> note(tx, a, "ann's note"));   // control: its own organization

        assertThatThrownBy(() -> voxanne.runInOrg(annInA, tx -> note(tx, b, "planted by ann")))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageNotContaining("planted");
        List<String> asked = voxanne.inOrg(annInA, tx -> tx.dsl().select(BODY).from(NOTES).where(ORG_ID.eq(b)).fetch(BODY));
        assertThat(asked).as("another clinic's rows, asked for by org_id").isEmpty();
        List<String> all = voxanne.inOrg(annInA, tx -> tx.dsl().select(BODY).from(NOTES).fetch(BODY));
        assertThat(all).as("every row it can see").containsExactly("ann's note");
        Integer updated = voxanne.inOrg(annInA, tx -> tx.dsl().update(NOTES).set(BODY, "changed by ann")
                .where(ORG_ID.eq(b)).execute());
        assertThat(updated).as("rows of another clinic updated").isZero();
        assertThat(notesOf(b)).containsExactly("bob's note");
        UUID claimed = voxanne.inOrg(annInA, tx -> tx.dsl().fetchValue(field("public.auth_org_id()", UUID.class)));
        assertThat(claimed).as("the organization the service's policies read").isEqualTo(a);
    }

    @Test
    void itsDatabaseFailuresAreTheDaosTypedExceptionsWithoutTheRow() {
        UUID a = annInA.organizationId();
        voxanne.runInOrg(annInA, tx -> note(tx, a, "wants botox, " + PatientMarkers.PHONE));
        assertThatThrownBy(() -> voxanne.runInOrg(annInA, tx -> {
            try {
                note(tx, a, "wants botox, " + PatientMarkers.PHONE);
            } catch (DuplicateException inside) {
                assertThat(inside.constraint()).isEqualTo("uq_call_notes_org_body");
                throw inside;
            }
        })).isInstanceOfSatisfying(DuplicateException.class, PatientMarkers::assertClean);
        assertThatThrownBy(() -> voxanne.runInOrg(annInA, tx -> tx.dsl().execute("select cast(? as uuid)", PatientMarkers.NAME)))
                .isInstanceOfSatisfying(InvalidInputException.class, PatientMarkers::assertClean);
    }

    /**
     * A service's own trigger may RAISE a row's values with any SQLSTATE, 42501 included: only the
     * SQLSTATE and the names reach the caller. Control: Voxanne's own RAISE keeps its words.
     */
    @Test
    void aRaiseOfTheServicesOwnTriggerIsPassedOnWithoutItsText() {
        admin.execute("""
                create or replace function public.test_call_notes_guard() returns trigger language plpgsql as $$
                begin
                  raise exception 'refused note %', new.body using errcode = '42501';
                end $$""");
        admin.execute("create trigger test_call_notes_guard before insert on public.call_notes"
                + " for each row execute function public.test_call_notes_guard()");
        assertThatThrownBy(() -> voxanne.runInOrg(annInA, tx -> note(tx, annInA.organizationId(), PatientMarkers.NAME)))
                .isInstanceOfSatisfying(AccessDeniedException.class, e -> {
                    PatientMarkers.assertClean(e);
                    assertThat(e.getMessage()).contains("42501").doesNotContain("refused note");
                });
        UUID stranger = UUID.randomUUID();
        assertThatThrownBy(() -> voxanne.notifications(annInA).create(stranger,
                NewNotification.of(com.voxanne.schema.jooq.enums.NotificationType.SYSTEM_ALERT, "Hi", "there")))
                .isInstanceOf(AccessDeniedException.class)
                .hasMessageContaining("is not a member of organization");
    }

    /** Every call that would end, split or reconfigure the unit's transaction is refused; the unit still commits. */
    @Test
    void commitRollbackCloseAndTheSessionsSettingsAreRefusedAndTheUnitStillCommits() {
        UUID a = annInA.organizationId();
        Map<String, Consumer<Connection>> refused = Map.ofEntries(
                Map.entry("commit", c -> sql(c::commit)),
                Map.entry("rollback", c -> sql(c::rollback)),
                Map.entry("close", c -> sql(c::close)),
                Map.entry("setAutoCommit", c -> sql(() -> c.setAutoCommit(true))),
                Map.entry("setTransactionIsolation", c -> sql(() -> c.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE))),
                Map.entry("setReadOnly", c -> sql(() -> c.setReadOnly(true))),
                Map.entry("setSchema", c -> sql(() -> c.setSchema("pg_temp"))),
                Map.entry("unwrap", c -> sql(() -> c.unwrap(org.postgresql.PGConnection.class))));
        voxanne.runInOrg(annInA, tx -> {
            note(tx, a, "before");
            refused.forEach((call, attempt) -> assertThatThrownBy(() -> tx.dsl().connection(attempt::accept))
                    .as(call).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("Connection." + call + "() is refused inside a unit of work"));
            note(tx, a, "after");
        });
        assertThat(notesOf(a)).containsExactly("after", "before");

        assertThatThrownBy(() -> voxanne.runInOrg(annInA, tx -> {
            note(tx, a, "rolled back");
            tx.dsl().connection(c -> c.rollback());
        })).isInstanceOf(IllegalStateException.class);
        assertThat(notesOf(a)).as("a refused rollback fails the unit, which rolls back").containsExactly("after", "before");
    }

    /** A batch with bind values as the unit's first statement: it cannot carry the binding, so the unit binds first. */
    @Test
    void aBatchAsTheUnitsFirstStatementRunsBound() {
        UUID a = annInA.organizationId();
        voxanne.runInOrg(annInA, tx -> tx.dsl().batch(tx.dsl().insertInto(NOTES, ORG_ID, BODY).values((UUID) null, null))
                .bind(a, "one").bind(a, "two").execute());
        assertThat(notesOf(a)).containsExactly("one", "two");
        assertThatThrownBy(() -> voxanne.runInOrg(annInA, tx -> tx.dsl()
                .batch(tx.dsl().insertInto(NOTES, ORG_ID, BODY).values((UUID) null, null))
                .bind(bobInB.organizationId(), "planted").execute()))
                .as("the batch is bound: row-level security refuses another clinic's row")
                .isInstanceOf(AccessDeniedException.class);
    }

    /** jOOQ's transaction(…) inside a unit is a savepoint: undone alone when it throws, committed only with the unit. */
    @Test
    void aJooqTransactionInsideTheUnitIsASavepoint() {
        UUID a = annInA.organizationId();
        voxanne.runInOrg(annInA, tx -> {
            note(tx, a, "outer");
            assertThatThrownBy(() -> tx.dsl().transaction(nested -> {
                DSL.using(nested).insertInto(NOTES, ORG_ID, BODY).values(a, "nested, thrown").execute();
                throw new IllegalStateException("nested fails");
            })).hasMessage("nested fails");
            tx.dsl().transaction(nested -> DSL.using(nested).insertInto(NOTES, ORG_ID, BODY).values(a, "nested").execute());
            assertThat(tx.dsl().fetchValue(field("current_setting('request.jwt.claims', true)", String.class)))
                    .as("the binding, after a rollback to the savepoint").contains(a.toString());
        });
        assertThat(notesOf(a)).containsExactly("nested", "outer");

        assertThatThrownBy(() -> voxanne.runInOrg(annInA, tx -> {
            tx.dsl().transaction(nested -> DSL.using(nested).insertInto(NOTES, ORG_ID, BODY).values(a, "released").execute());
            throw new IllegalStateException("the unit fails");
        })).hasMessage("the unit fails");
        assertThat(notesOf(a)).as("a released savepoint is not a commit").containsExactly("nested", "outer");
    }

    @Test
    void theDslContextFailsClearlyOnceItsUnitHasEnded() {
        DSLContext leaked = voxanne.inOrg(annInA, TenantTransaction::dsl);
        assertThatThrownBy(() -> leaked.fetchCount(NOTES))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("the unit of work has ended");
        TenantTransaction leakedTx = voxanne.inOrg(annInA, tx -> tx);
        assertThatThrownBy(leakedTx::dsl)
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("the unit of work has ended");
        DSLContext used = voxanne.inOrg(annInA, tx -> {
            tx.dsl().fetchCount(NOTES);
            return tx.dsl();
        });
        assertThatThrownBy(() -> used.insertInto(NOTES, ORG_ID, BODY).values(annInA.organizationId(), "late").execute())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("the unit of work has ended");
        assertThat(notesOf(annInA.organizationId())).isEmpty();
    }

    /** Attack: SQL through the DSLContext that changes who the unit is; the unit rolls back before it commits. */
    @Test
    void aUnitWhoseSqlChangedItsRoleOrClaimsIsRolledBack() {
        UUID a = annInA.organizationId();
        String bobsClaims = "{\"sub\":\"" + bobInB.userId() + "\",\"role\":\"authenticated\",\"org_id\":\""
                + bobInB.organizationId() + "\"}";
        List<Consumer<DSLContext>> rebinds = List.of(
                dsl -> dsl.execute("reset role"),
                dsl -> dsl.execute("set local role service_role"),
                dsl -> dsl.fetch("select set_config('role', 'service_role', true)"),
                dsl -> dsl.fetch("select set_config('request.jwt.claims', ?, true)", bobsClaims),
                dsl -> dsl.fetch("select set_config('request.jwt.claim.sub', ?, true)", bobInB.userId().toString()));
        boolean distributed = DatabaseKind.distributed(db.loginDataSource());
        for (Consumer<DSLContext> rebind : rebinds) {
            Throwable refused = catchThrowable(() -> voxanne.runInOrg(annInA, tx -> {
                note(tx, a, "written before the rebinding");
                rebind.accept(tx.dsl());
            }));
            if (distributed && refused instanceof DataAccessFailureException citus) {
                // there Citus may refuse first: the worker's connection of the unit belongs to the unit's role,
                // and a statement as another role fails that connection (XX000), which aborts the unit
                assertThat(citus.sqlState()).isEqualTo("XX000");
            } else {
                assertThat(refused).isInstanceOf(IllegalStateException.class).hasMessageContaining("role or claims changed");
            }
        }
        assertThat(notesOf(a)).isEmpty();
        voxanne.runInOrg(annInA, tx -> note(tx, a, "control"));
        assertThat(notesOf(a)).containsExactly("control");
    }

    @Test
    void commitSentAsSqlFailsTheUnitAtOnce() {
        UUID a = annInA.organizationId();
        AtomicInteger after = new AtomicInteger();
        assertThatThrownBy(() -> voxanne.runInOrg(annInA, tx -> {
            tx.dsl().execute("commit");
            after.incrementAndGet();
        })).isInstanceOf(IllegalStateException.class).hasMessageContaining("ended the unit's transaction");
        assertThat(after).as("nothing ran after it").hasValue(0);
        voxanne.runInOrg(annInA, tx -> note(tx, a, "control"));
        assertThat(notesOf(a)).containsExactly("control");
    }

    @FunctionalInterface
    private interface SqlCall {
        void run() throws SQLException;
    }

    private static void sql(SqlCall call) {
        try {
            call.run();
        } catch (SQLException e) {
            throw new AssertionError(e);
        }
    }
}
