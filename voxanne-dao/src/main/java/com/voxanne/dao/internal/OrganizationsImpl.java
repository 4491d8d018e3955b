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

    // one INSERT … RETURNING
    @Override
    public Organization create(String name, String timezone) {
        String cleanName = inputs.name("name", name, 200);
        String zone = inputs.timezone(timezone);
        return transactions.run(RequestClaims.service(), Transactions.Mode.SINGLE_STATEMENT, dsl -> Rows.fetchSingle(dsl.insertInto(ORGANIZATIONS)
                .set(ORGANIZATIONS.NAME, cleanName)
                .set(ORGANIZATIONS.TIMEZONE, zone)
                .returning(), Rows::organization));
    }

    // one SELECT
    @Override
    public Organization get(UUID id) {
        Inputs.organizationId("organizations().get", id);
        return transactions.inUnit(RequestClaims.service(), Transactions.Mode.SINGLE_STATEMENT, unit -> find(unit, id));
    }

    @Override
    public Organization suspend(UUID id) {
        Inputs.organizationId("organizations().suspend", id);
        return setStatus(id, OrganizationStatus.SUSPENDED);
    }

    @Override
    public Organization activate(UUID id) {
        Inputs.organizationId("organizations().activate", id);
        return setStatus(id, OrganizationStatus.ACTIVE);
    }

    /** One UPDATE … RETURNING, so suspend and activate are single-statement units. */
    private Organization setStatus(UUID id, OrganizationStatus status) {
        return transactions.run(RequestClaims.service(), Transactions.Mode.SINGLE_STATEMENT, dsl -> {
            return Rows.fetchOptional(dsl.update(ORGANIZATIONS)
                            .set(ORGANIZATIONS.STATUS, status)
                            .where(ORGANIZATIONS.ID.eq(id))
                            .returning(), Rows::organization)
                    .orElseThrow(() -> new NotFoundException("organization " + id));
        });
    }

    static Organization find(Unit unit, UUID id) {
        return RenderedReads.select("organizations.get", ONE)
                .where(id, organization -> ORGANIZATIONS.ID.eq(organization))
                .fetchOptional(unit, Rows::organization)
                .orElseThrow(() -> new NotFoundException("organization " + id));
    }

    /** An organization by its id. */
    private static final RenderedReads.From ONE = () -> org.jooq.impl.DSL.selectFrom(ORGANIZATIONS);
}
