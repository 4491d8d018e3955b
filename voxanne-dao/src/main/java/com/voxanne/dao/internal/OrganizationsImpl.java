package com.voxanne.dao.internal;

import static com.voxanne.schema.jooq.Tables.ORGANIZATIONS;

import com.voxanne.dao.NotFoundException;
import com.voxanne.dao.Organization;
import com.voxanne.dao.Organizations;
import com.voxanne.schema.jooq.enums.OrganizationStatus;
import com.voxanne.schema.session.RequestClaims;
import java.util.UUID;

/** {@link Organizations} in the service scope: each call is its own service-role transaction. */
final class OrganizationsImpl implements Organizations {

    private final Transactions transactions;
    private final Inputs inputs;

    OrganizationsImpl(Transactions transactions, Inputs inputs) {
        this.transactions = transactions;
        this.inputs = inputs;
    }

    @Override
    public Organization create(String name, String timezone) {
        String cleanName = inputs.name("name", name, 200);
        String zone = inputs.timezone(timezone);
        return transactions.run(RequestClaims.service(), mode("create"), dsl -> Rows.fetchSingle(dsl.insertInto(ORGANIZATIONS)
                .set(ORGANIZATIONS.NAME, cleanName)
                .set(ORGANIZATIONS.TIMEZONE, zone)
                .returning(), Rows::organization));
    }

    @Override
    public Organization get(UUID id) {
        Inputs.organizationId("organizations().get", id);
        return transactions.run(RequestClaims.service(), mode("get"), dsl -> find(dsl, id));
    }

    @Override
    public Organization suspend(UUID id) {
        Inputs.organizationId("organizations().suspend", id);
        return setStatus(id, OrganizationStatus.SUSPENDED, mode("suspend"));
    }

    @Override
    public Organization activate(UUID id) {
        Inputs.organizationId("organizations().activate", id);
        return setStatus(id, OrganizationStatus.ACTIVE, mode("activate"));
    }

    private Organization setStatus(UUID id, OrganizationStatus status, Transactions.Mode mode) {
        return transactions.run(RequestClaims.service(), mode, dsl -> {
            return Rows.fetchOptional(dsl.update(ORGANIZATIONS)
                            .set(ORGANIZATIONS.STATUS, status)
                            .where(ORGANIZATIONS.ID.eq(id))
                            .returning(), Rows::organization)
                    .orElseThrow(() -> new NotFoundException("organization " + id));
        });
    }

    private static Transactions.Mode mode(String method) {
        return SingleStatementMethods.mode(Organizations.class, method);
    }

    static Organization find(org.jooq.DSLContext dsl, UUID id) {
        return Rows.fetchOptional(dsl.selectFrom(ORGANIZATIONS).where(ORGANIZATIONS.ID.eq(id)), Rows::organization)
                .orElseThrow(() -> new NotFoundException("organization " + id));
    }
}
