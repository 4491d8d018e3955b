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
        return transactions.run(RequestClaims.service(), SingleStatementMethods.mode(NotificationMaintenance.class, "expire"),
                dsl -> dsl.select(Routines.expireOldNotifications()).fetchSingle().value1());
    }
}
