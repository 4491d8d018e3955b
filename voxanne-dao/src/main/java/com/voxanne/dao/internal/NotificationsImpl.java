package com.voxanne.dao.internal;

import com.voxanne.dao.Notifications;
import java.util.UUID;
import org.jooq.DSLContext;

/** {@link Notifications} inside one bound transaction; {@code userId} is null in a service scope. */
final class NotificationsImpl implements Notifications {

    private final DSLContext dsl;
    private final UUID organizationId;
    private final UUID userId;
    private final Inputs inputs;

    NotificationsImpl(DSLContext dsl, UUID organizationId, UUID userId, Inputs inputs) {
        this.dsl = dsl;
        this.organizationId = organizationId;
        this.userId = userId;
        this.inputs = inputs;
    }
}
