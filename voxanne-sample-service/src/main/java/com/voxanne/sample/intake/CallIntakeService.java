package com.voxanne.sample.intake;

import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.name;
import static org.jooq.impl.DSL.table;

import com.voxanne.dao.Contact;
import com.voxanne.dao.DataAccessFailureException;
import com.voxanne.dao.NewContact;
import com.voxanne.dao.OrgContext;
import com.voxanne.dao.Voxanne;
import com.voxanne.dao.WebhookOutcome;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;
import org.jooq.Field;
import org.jooq.Record;
import org.jooq.Table;

/**
 * The service's business logic: every write goes through a Voxanne tenant unit, so its own table and
 * Voxanne's commit or roll back together, under the clinic's row-level security.
 */
public final class CallIntakeService {

    static final Table<Record> CALL_INTAKES = table(name("public", "call_intakes"));
    static final Field<UUID> ID = field(name("id"), UUID.class);
    static final Field<UUID> ORG_ID = field(name("org_id"), UUID.class);
    static final Field<String> CALL_ID = field(name("call_id"), String.class);
    static final Field<UUID> CONTACT_ID = field(name("contact_id"), UUID.class);
    static final Field<String> OUTCOME = field(name("outcome"), String.class);
    static final Field<OffsetDateTime> CREATED_AT = field(name("created_at"), OffsetDateTime.class);

    /** How often a create whose outcome is unknown is sent again before giving up. */
    private static final int ATTEMPTS = 3;

    private final Voxanne voxanne;

    /** Over a {@link Voxanne} whose pool logs in as the service's login role. */
    public CallIntakeService(Voxanne voxanne) {
        this.voxanne = voxanne;
    }

    /**
     * Takes a "call ended" webhook in exactly once: finds or creates the caller's contact and records the
     * call in {@code call_intakes}, in the same transaction as the webhook's claim. A redelivery returns
     * {@link WebhookOutcome#DUPLICATE} and writes nothing; a failure writes nothing and leaves the event
     * unclaimed for the provider's retry.
     */
    public WebhookOutcome onCallEnded(CallEnded call) {
        return voxanne.service().webhooks().processOnce(call.organizationId(), call.eventId(), "call.ended", tx -> {
            Contact caller = tx.contacts().findByPhone(call.callerPhone())
                    .orElseGet(() -> tx.contacts().create(NewContact.named(call.callerName()).phone(call.callerPhone())));
            // The service role sees every clinic's rows of this table (its policy is `using (true)`):
            // the org id comes from the unit, never from the payload's other fields.
            tx.dsl().insertInto(CALL_INTAKES, ORG_ID, CALL_ID, CONTACT_ID)
                    .values(tx.organizationId(), call.callId(), caller.id())
                    .execute();
        });
    }

    /** The signed-in user's clinic's most recent intakes, newest first: RLS keeps other clinics' out. */
    public List<CallIntake> recentIntakes(OrgContext user, int limit) {
        return voxanne.inOrg(user, tx -> tx.dsl()
                .select(ID, CALL_ID, CONTACT_ID, OUTCOME, CREATED_AT)
                .from(CALL_INTAKES)
                .orderBy(CREATED_AT.desc(), ID.desc())
                .limit(limit)
                .fetch(r -> new CallIntake(r.get(ID), r.get(CALL_ID), r.get(CONTACT_ID), r.get(OUTCOME), r.get(CREATED_AT))));
    }

    /**
     * Adds a lead the front desk typed in, safe to send again: the id is chosen here, before the first
     * attempt, so a retry after a failure whose outcome is unknown (the connection died during commit)
     * either creates the contact or returns the one the first attempt created, never a second one.
     */
    public Contact addLead(OrgContext user, UUID leadId, String name, String phone) {
        NewContact lead = NewContact.named(name).phone(phone).id(leadId);
        for (int attempt = 1; ; attempt++) {
            try {
                return voxanne.contacts(user).create(lead);
            } catch (DataAccessFailureException e) {
                if (!e.outcomeUnknown() || attempt == ATTEMPTS) {
                    throw e;
                }
            }
        }
    }
}
