package com.voxanne.sample.intake;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.voxanne.dao.Contact;
import com.voxanne.dao.DuplicateException;
import com.voxanne.dao.OrgContext;
import com.voxanne.dao.TenantContextException;
import com.voxanne.dao.Voxanne;
import com.voxanne.dao.WebhookOutcome;
import com.voxanne.testkit.Admin;
import com.voxanne.testkit.DatabaseScope;
import com.voxanne.testkit.Organization;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The service's writes to its own table share Voxanne's tenant unit: exactly once, all or nothing, per clinic. */
@VoxannePostgres(migrations = IntakeSchema.LOCATION, historyTable = IntakeSchema.HISTORY_TABLE,
        scope = DatabaseScope.PER_METHOD)
class CallIntakeServiceTest {

    private CallIntakeService service;
    private Organization clinicA;
    private Organization clinicB;
    private User ann;
    private User bob;

    @BeforeEach
    void setUp(Tenants tenants, DataSource loginRole) {
        service = new CallIntakeService(Voxanne.create(loginRole));
        clinicA = tenants.organization("Clinic A");
        clinicB = tenants.organization("Clinic B");
        ann = clinicA.user("ann");
        bob = clinicB.user("bob");
    }

    @Test
    void aRedeliveredWebhookWritesNothingTwice(@Admin DSLContext admin) {
        CallEnded call = new CallEnded(clinicA.id(), "evt-1", "call-1", "+12125550100", "Ann Caller");

        assertEquals(WebhookOutcome.PROCESSED, service.onCallEnded(call));
        assertEquals(WebhookOutcome.DUPLICATE, service.onCallEnded(call));

        assertEquals(1, admin.fetchCount(CallIntakeService.CALL_INTAKES, CallIntakeService.ORG_ID.eq(clinicA.id())));
        assertEquals(1, admin.fetchCount(admin.selectFrom("public.contacts").where("org_id = ?", clinicA.id())));
    }

    @Test
    void aFailingIntakeRollsBackTheContactAndLeavesTheEventForTheRetry(@Admin DSLContext admin) {
        service.onCallEnded(new CallEnded(clinicA.id(), "evt-1", "call-1", "+12125550100", "Ann Caller"));
        // the provider sends the same call under a new event id: the service's own unique key refuses it
        CallEnded sameCallAgain = new CallEnded(clinicA.id(), "evt-2", "call-1", "+12125550199", "Another Caller");

        assertThrows(DuplicateException.class, () -> service.onCallEnded(sameCallAgain));

        assertEquals(1, admin.fetchCount(admin.selectFrom("public.contacts").where("org_id = ?", clinicA.id())),
                "the second caller's contact was rolled back with the intake");
        assertEquals(0, admin.fetchCount(admin.selectFrom("public.processed_webhook_events")
                .where("org_id = ? and event_id = 'evt-2'", clinicA.id())), "the event stays unclaimed");
        assertEquals(WebhookOutcome.PROCESSED, service.onCallEnded(
                new CallEnded(clinicA.id(), "evt-2", "call-2", "+12125550199", "Another Caller")));
    }

    @Test
    void aClinicSeesOnlyItsOwnIntakes() {
        service.onCallEnded(new CallEnded(clinicA.id(), "evt-a", "call-a", "+12125550100", "Ann Caller"));
        service.onCallEnded(new CallEnded(clinicB.id(), "evt-b", "call-b", "+12125550100", "Bob Caller"));

        List<CallIntake> annSees = service.recentIntakes(OrgContext.of(clinicA.id(), ann.id()), 10);
        List<CallIntake> bobSees = service.recentIntakes(OrgContext.of(clinicB.id(), bob.id()), 10);

        assertEquals(List.of("call-a"), annSees.stream().map(CallIntake::callId).toList());
        assertEquals(List.of("call-b"), bobSees.stream().map(CallIntake::callId).toList());
    }

    @Test
    void aLeadSentTwiceWithItsIdIsCreatedOnce(@Admin DSLContext admin) {
        OrgContext annAtWork = OrgContext.of(clinicA.id(), ann.id());
        UUID leadId = UUID.randomUUID();

        Contact first = service.addLead(annAtWork, leadId, "Walk-in Lead", "+12125550142");
        Contact retried = service.addLead(annAtWork, leadId, "Walk-in Lead", "+12125550142");

        assertEquals(leadId, first.id());
        assertEquals(first.id(), retried.id());
        assertEquals(1, admin.fetchCount(admin.selectFrom("public.contacts").where("id = ?", leadId)));
    }

    @Test
    void aLeadWhoseCommitWasLostIsCreatedOnceByTheRetry(@Admin DSLContext admin) throws Exception {
        // The first commit of a contact sleeps in a deferred trigger (once: a sequence counts, and a
        // rollback does not undo it); the test terminates that backend meanwhile, so the client loses its
        // connection with the commit on its way: an unknown outcome, which addLead answers by retrying.
        admin.execute("create sequence public.test_slow_commits");
        admin.execute("""
                create function public.test_sleep_once_at_commit() returns trigger
                  language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
                begin
                  if pg_catalog.nextval('public.test_slow_commits') = 1 then
                    perform pg_catalog.pg_sleep(30);
                  end if;
                  return null;
                end $$""");
        admin.execute("create constraint trigger test_sleep_at_commit after insert on public.contacts"
                + " deferrable initially deferred for each row execute function public.test_sleep_once_at_commit()");
        OrgContext annAtWork = OrgContext.of(clinicA.id(), ann.id());
        UUID leadId = UUID.randomUUID();

        CompletableFuture<Contact> lead = CompletableFuture.supplyAsync(
                () -> service.addLead(annAtWork, leadId, "Walk-in Lead", "+12125550142"));
        int killed = 0;
        for (long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20); killed == 0 && System.nanoTime() < deadline; ) {
            Thread.sleep(50);
            killed = admin.fetchSingle("select count(*) filter (where pg_terminate_backend(pid))::int from pg_stat_activity"
                    + " where datname = current_database() and wait_event = 'PgSleep'").get(0, Integer.class);
        }

        assertEquals(1, killed, "the first attempt's backend was terminated during its commit");
        assertEquals(leadId, lead.get(20, TimeUnit.SECONDS).id());
        assertEquals(1, admin.fetchCount(admin.selectFrom("public.contacts").where("id = ?", leadId)));
    }

    @Test
    void withoutATenantNothingIsReachable() {
        assertThrows(TenantContextException.class, () -> service.recentIntakes(null, 10));
        assertThrows(TenantContextException.class,
                () -> service.addLead(null, UUID.randomUUID(), "Walk-in Lead", "+12125550142"));
    }
}
