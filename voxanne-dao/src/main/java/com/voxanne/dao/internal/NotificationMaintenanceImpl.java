package com.voxanne.dao.internal;

import com.voxanne.dao.NotificationMaintenance;

/** {@link NotificationMaintenance} in the service scope. */
final class NotificationMaintenanceImpl implements NotificationMaintenance {

    private final Transactions transactions;
    private final Inputs inputs;

    NotificationMaintenanceImpl(Transactions transactions, Inputs inputs) {
        this.transactions = transactions;
        this.inputs = inputs;
    }
}
