package com.voxanne.spring.boot;

import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The pool as Voxanne sees it: every connection a unit of work asks for is the moment the unit starts,
 * so that is where an active Spring transaction is noticed, before any SQL of the unit runs.
 */
final class TransactionGuardDataSource extends DelegatingDataSource {

    private final SpringTransactionPolicy policy;

    TransactionGuardDataSource(DataSource pool, SpringTransactionPolicy policy) {
        super(pool);
        this.policy = policy;
    }

    @Override
    public Connection getConnection() throws SQLException {
        check();
        return super.getConnection();
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        check();
        return super.getConnection(username, password);
    }

    private void check() {
        // isActualTransactionActive, not isSynchronizationActive: PROPAGATION_SUPPORTS without a
        // transaction has synchronization but nothing a unit could escape from.
        if (policy == SpringTransactionPolicy.REFUSE
                && TransactionSynchronizationManager.isActualTransactionActive()
                && !VoxanneSpringTransactions.independentOnThisThread()) {
            throw new UnitInSpringTransactionException();
        }
    }
}
