package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import java.time.Duration;
import java.util.UUID;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A missing tenant (a null {@link OrgContext}, or a null organization id given to the service scope) is
 * a {@link TenantContextException} naming the call and what it lacks, at every entry point, whatever the
 * entry point does next: a caller handles "no tenant" in one place. A null lambda is a programming error
 * and stays a {@link NullPointerException}, with a message naming the argument.
 */
@VoxannePostgres
class TenantContextTest {

    /** One entry point, called with the tenant it is given (null for the attack). */
    @FunctionalInterface
    interface Call {
        Object call(Voxanne voxanne, OrgContext context);
    }

    /** An entry point, the message fragment its refusal must carry, and how it is called. */
    record EntryPoint(String name, String missing, Call call) {
        @Override
        public String toString() {
            return name;
        }
    }

    private Voxanne voxanne;
    private Tenants tenants;

    @BeforeEach
    void setUp(DataSource login, Tenants tenants) {
        this.voxanne = Voxanne.create(login);
        this.tenants = tenants;
    }

    static Stream<EntryPoint> entryPoints() {
        String context = "needs an OrgContext";
        String organization = "needs the organization id";
        return Stream.of(
                new EntryPoint("contacts", context, (v, c) -> v.contacts(c).list(ContactQuery.all())),
                new EntryPoint("appointments", context, (v, c) -> v.appointments(c).list(AppointmentQuery.all())),
                new EntryPoint("notifications", context, (v, c) -> v.notifications(c).list(NotificationQuery.all())),
                new EntryPoint("inOrg", context, (v, c) -> v.inOrg(c, tx -> tx.organization())),
                new EntryPoint("runInOrg", context, (v, c) -> {
                    v.runInOrg(c, tx -> tx.contacts().list(ContactQuery.all()));
                    return null;
                }),
                new EntryPoint("organization", context, (v, c) -> v.organization(c)),
                new EntryPoint("subscribeToNotifications", context, (v, c) -> {
                    v.subscribeToNotifications(c, event -> { }).close();
                    return null;
                }),
                new EntryPoint("organizations().get", organization, (v, c) -> v.service().organizations().get(org(c))),
                new EntryPoint("organizations().suspend", organization,
                        (v, c) -> v.service().organizations().suspend(org(c))),
                new EntryPoint("organizations().activate", organization,
                        (v, c) -> v.service().organizations().activate(org(c))),
                new EntryPoint("webhooks().processOnce", organization,
                        (v, c) -> v.service().webhooks().processOnce(org(c), "evt-" + UUID.randomUUID(), "call.ended",
                                tx -> { })),
                new EntryPoint("audit().events", organization,
                        (v, c) -> v.service().audit().events(AuditQuery.organization(org(c)))),
                new EntryPoint("audit().suspiciousActivity", organization,
                        (v, c) -> v.service().audit().suspiciousActivity(org(c), Duration.ofHours(1), 10)));
    }

    private static UUID org(OrgContext context) {
        return context == null ? null : context.organizationId();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("entryPoints")
    void aMissingTenantIsATenantContextException(EntryPoint entryPoint) {
        assertThatThrownBy(() -> entryPoint.call().call(voxanne, null))
                .isExactlyInstanceOf(TenantContextException.class)
                .hasMessageContaining(entryPoint.name() + " " + entryPoint.missing())
                .hasMessageContaining("null");
    }

    /** The control: the same call with a tenant goes through, so the refusal above is about the tenant alone. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("entryPoints")
    void theSameCallWithATenantGoesThrough(EntryPoint entryPoint) {
        User user = tenants.organization("Tenant " + entryPoint.name()).user("ann");
        OrgContext context = OrgContext.of(user.organization().id(), user.id());
        entryPoint.call().call(voxanne, context);
    }

    @Test
    void aNullLambdaIsAProgrammingErrorNamedInItsMessage() {
        User ann = tenants.organization("Null lambdas").user("ann");
        OrgContext context = OrgContext.of(ann.organization().id(), ann.id());
        assertThatThrownBy(() -> voxanne.inOrg(context, null))
                .isExactlyInstanceOf(NullPointerException.class).hasMessageContaining("inOrg needs the work");
        assertThatThrownBy(() -> voxanne.runInOrg(context, null))
                .isExactlyInstanceOf(NullPointerException.class).hasMessageContaining("runInOrg needs the work");
        assertThatThrownBy(() -> voxanne.subscribeToNotifications(context, null))
                .isExactlyInstanceOf(NullPointerException.class).hasMessageContaining("needs a listener");
        WebhookEvents webhooks = voxanne.service().webhooks();
        assertThatThrownBy(() -> webhooks.processOnce(ann.organization().id(), "evt-null", "call.ended", null))
                .isExactlyInstanceOf(NullPointerException.class).hasMessageContaining("needs a handler");
        // refused before the claim: the event is still there to be processed
        assertThat(webhooks.processOnce(ann.organization().id(), "evt-null", "call.ended", tx -> { }))
                .isEqualTo(WebhookOutcome.PROCESSED);
    }

    @Test
    void bothMissingIsStillAboutTheTenant() {
        assertThatThrownBy(() -> voxanne.inOrg(null, null)).isExactlyInstanceOf(TenantContextException.class);
        assertThatThrownBy(() -> voxanne.runInOrg(null, null)).isExactlyInstanceOf(TenantContextException.class);
        assertThatThrownBy(() -> voxanne.subscribeToNotifications(null, null))
                .isExactlyInstanceOf(TenantContextException.class);
    }
}
