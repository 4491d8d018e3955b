package com.voxanne.dao.internal;

import com.voxanne.dao.AuditTrail;

/** {@link AuditTrail} in the service scope. */
final class AuditTrailImpl implements AuditTrail {

    private final Transactions transactions;
    private final Inputs inputs;

    AuditTrailImpl(Transactions transactions, Inputs inputs) {
        this.transactions = transactions;
        this.inputs = inputs;
    }
}
