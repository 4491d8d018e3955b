package com.voxanne.dao.internal;

import com.voxanne.dao.NotificationMaintenance;
import com.voxanne.schema.jooq.Routines;
import com.voxanne.schema.session.RequestClaims;

/** {@link NotificationMaintenance} in the service scope. */
final class NotificationMaintenanceImpl implements NotificationMaintenance {

    private final Transactions transactions;
    private final Inputs inputs;

    NotificationMaintenanceImpl(Transactions transactions, Inputs inputs) {
        this.transactions = transactions;
        this.inputs = inputs;
    }

    @Override
    public int expire() {
        // one call of expire_old_notifications()
        return transactions.run(RequestClaims.service(), Transactions.Mode.SINGLE_STATEMENT,
                dsl -> dsl.select(Routines.expireOldNotifications()).fetchSingle().value1());
    }
}
