package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;
import static org.jooq.impl.DSL.field;
import static org.jooq.impl.DSL.table;

import com.voxanne.schema.jooq.enums.AppointmentStatus;
import com.voxanne.schema.session.ApiRole;
import com.voxanne.testkit.Admin;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.UUID;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;

/**
 * The code of the README's "Using the DAO" section, compiled and run. Keep the two in step: the block
 * between the BEGIN and END markers is what the README shows.
 */
@VoxannePostgres
class ReadmeExampleTest {

    @Test
    void theReadmeExampleRuns(DataSource pool, Tenants tenants) {
        User user = tenants.organization("Glow Med Spa").user("front-desk");
        UUID orgId = user.organization().id();
        UUID userId = user.id();
        OffsetDateTime start = OffsetDateTime.now(ZoneOffset.UTC).plusDays(1).withNano(0);

        // BEGIN README
        Voxanne voxanne = Voxanne.create(pool);            // refuses a superuser or BYPASSRLS login role
        OrgContext ctx = OrgContext.of(orgId, userId);      // from the caller's verified JWT

        Contact ann = voxanne.contacts(ctx).create(NewContact.named("Ann").phone("+1 212 555 0100"));
        Appointment visit = voxanne.inOrg(ctx, tx -> {       // one transaction for both writes
            Appointment booked = tx.appointments().book(ann.id(), ServiceType.BOTOX, start, Duration.ofMinutes(30));
            return tx.appointments().changeStatus(booked.id(), AppointmentStatus.CONFIRMED);
        });

        WebhookOutcome first = voxanne.service().webhooks()  // backend work, named as such
                .processOnce(orgId, "call.ended:123", "call.ended", tx -> tx.contacts().findByPhone("+12125550100"));
        WebhookOutcome again = voxanne.service().webhooks()
                .processOnce(orgId, "call.ended:123", "call.ended", tx -> { throw new AssertionError("never runs"); });
        // END README

        assertThat(ann.phone()).isEqualTo("+12125550100");
        assertThat(visit.status()).isEqualTo(AppointmentStatus.CONFIRMED);
        assertThat(first).isEqualTo(WebhookOutcome.PROCESSED);
        assertThat(again).isEqualTo(WebhookOutcome.DUPLICATE);
    }

    /** The README's time-limits example builds a working {@link Voxanne}. */
    @Test
    void theReadmeTimeLimitsExampleRuns(DataSource pool, Tenants tenants) {
        User user = tenants.organization("Glow Med Spa").user("front-desk");
        OrgContext ctx = OrgContext.of(user.organization().id(), user.id());

        // BEGIN README LIMITS
        Voxanne voxanne = Voxanne.builder(pool)
                .statementTimeout(ApiRole.AUTHENTICATED, Duration.ofSeconds(5))
                .lockTimeout(ApiRole.AUTHENTICATED, Duration.ofSeconds(2))   // Duration.ZERO: no limit
                .build();
        // END README LIMITS

        // (that units run with exactly these limits is TenantStallAttackTest's)
        assertThat(voxanne.contacts(ctx).create(NewContact.named("Bea")).name()).isEqualTo("Bea");
    }

    /** The README's example of a service's own table in a unit of work, on the sample's table. */
    @Test
    void theReadmeServiceTableExampleRuns(DataSource pool, @Admin DSLContext admin, Tenants tenants) {
        boolean distributed = DatabaseKind.distributed(pool);
        admin.execute("create table public.call_notes (id uuid not null default gen_random_uuid(),"
                + " org_id uuid not null references public.organizations (id), contact_id uuid, body text not null,"
                + (distributed ? " primary key (org_id, id))" : " primary key (id))"));
        admin.execute("alter table public.call_notes enable row level security");
        admin.execute("alter table public.call_notes force row level security");
        admin.execute("grant select, insert on public.call_notes to service_role");
        admin.execute("create policy call_notes_service on public.call_notes for all to service_role"
                + " using (true) with check (true)");
        if (distributed) {   // a service's own tenant table on a cluster (docs/citus.md, "A service's own tables")
            DatabaseKind.distributeByOrganization(admin, "public.call_notes");
        }
        UUID orgId = tenants.organization("Glow Med Spa").id();
        Voxanne voxanne = Voxanne.create(pool);

        // BEGIN README SERVICE
        voxanne.service().webhooks().processOnce(orgId, "call.ended:124", "call.ended", tx -> {
            Contact caller = tx.contacts().create(NewContact.named("Caller").phone("+1 212 555 0101"));
            tx.dsl().insertInto(table("call_notes"), field("org_id"), field("contact_id"), field("body"))
                    .values(tx.organizationId(), caller.id(), "asked about fillers")
                    .execute();                             // commits with the contact and the claim, or neither does
        });
        // END README SERVICE

        assertThat(admin.fetchCount(table("public.call_notes"))).isEqualTo(1);
    }

    @Test
    void theReadmeShowsExactlyThisCode() throws Exception {
        java.nio.file.Path root = java.nio.file.Path.of("").toAbsolutePath().getParent();
        String readme = java.nio.file.Files.readString(root.resolve("README.md"));
        String source = java.nio.file.Files.readString(root.resolve(
                "voxanne-dao/src/test/java/com/voxanne/dao/ReadmeExampleTest.java"));
        String example = source.substring(source.indexOf("// BEGIN README") + "// BEGIN README".length(),
                source.indexOf("        // END README"));
        String expected = example.lines().map(l -> l.length() >= 8 ? l.substring(8) : l.strip())
                .collect(java.util.stream.Collectors.joining("\n")).strip();
        assertThat(readme).contains(expected);
        String limits = source.substring(source.indexOf("// BEGIN README LIMITS") + "// BEGIN README LIMITS".length(),
                source.indexOf("        // END README LIMITS"));
        assertThat(readme).contains(limits.lines().map(l -> l.length() >= 8 ? l.substring(8) : l.strip())
                .collect(java.util.stream.Collectors.joining("\n")).strip());
        String service = source.substring(source.indexOf("// BEGIN README SERVICE") + "// BEGIN README SERVICE".length(),
                source.indexOf("        // END README SERVICE"));
        assertThat(readme).contains(service.lines().map(l -> l.length() >= 8 ? l.substring(8) : l.strip())
                .collect(java.util.stream.Collectors.joining("\n")).strip());
    }
}
