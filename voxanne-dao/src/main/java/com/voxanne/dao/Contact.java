package com.voxanne.dao;

import com.voxanne.schema.jooq.enums.LeadScoreType;
import com.voxanne.schema.jooq.enums.LeadStatusType;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.UUID;

/**
 * A lead or patient of one clinic. Its {@link #toString()} shows which fields are set, never the
 * patient's data.
 *
 * @param id its id
 * @param organizationId its clinic
 * @param name display name
 * @param phone E.164 phone number, or {@code null}
 * @param email e-mail address, or {@code null}
 * @param serviceInterests services asked about, for example {@code botox}
 * @param leadScore hot, warm or cold
 * @param leadStatus where the lead stands
 * @param lastContactAt when the clinic last reached out, or {@code null}
 * @param notes internal notes, or {@code null}
 * @param createdAt when created
 * @param updatedAt when last changed
 */
public record Contact(UUID id, UUID organizationId, String name, String phone, String email,
                      List<String> serviceInterests, LeadScoreType leadScore, LeadStatusType leadStatus,
                      OffsetDateTime lastContactAt, String notes, OffsetDateTime createdAt, OffsetDateTime updatedAt) {
    /** Copies the list. */
    public Contact {
        serviceInterests = List.copyOf(serviceInterests);
    }

    /** Ids, statuses and times; name, phone, e-mail, service interests and notes only as set or not. */
    @Override
    public String toString() {
        return Redaction.of("Contact").plain("id", id).plain("organizationId", organizationId)
                .secret("name", name).secret("phone", phone).secret("email", email)
                .secret("serviceInterests", serviceInterests).plain("leadScore", leadScore)
                .plain("leadStatus", leadStatus).plain("lastContactAt", lastContactAt).secret("notes", notes)
                .plain("createdAt", createdAt).plain("updatedAt", updatedAt).toString();
    }
}
