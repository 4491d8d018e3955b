package com.voxanne.spring.boot;

/**
 * A Voxanne unit of work was started while a Spring transaction was active on the thread, with
 * {@code voxanne.spring-transaction=refuse} (the default). Nothing of the unit ran. Start the unit
 * outside the {@code @Transactional} method, or let it run apart from the transaction on purpose with
 * {@link VoxanneSpringTransactions#independent(java.util.function.Supplier)}.
 */
public class UnitInSpringTransactionException extends IllegalStateException {

    private static final long serialVersionUID = 1L;

    /** The exception with its fixed explanation. */
    public UnitInSpringTransactionException() {
        super("a Voxanne unit of work cannot join a Spring transaction: it takes a connection of its own and"
                + " commits on its own, so inside @Transactional it would commit or roll back apart from the"
                + " surrounding transaction. Call Voxanne outside the transaction, or wrap the call in"
                + " VoxanneSpringTransactions.independent(...) (or set voxanne.spring-transaction=independent)"
                + " if it may commit independently of it");
    }
}
