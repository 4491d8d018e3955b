package com.voxanne.dao.internal;

import com.voxanne.dao.Appointments;
import java.util.UUID;
import org.jooq.DSLContext;

/** {@link Appointments} inside one bound transaction. */
final class AppointmentsImpl implements Appointments {

    private final DSLContext dsl;
    private final UUID organizationId;
    private final Inputs inputs;

    AppointmentsImpl(DSLContext dsl, UUID organizationId, Inputs inputs) {
        this.dsl = dsl;
        this.organizationId = organizationId;
        this.inputs = inputs;
    }
}
