package com.voxanne.spring.boot;

/**
 * What a Voxanne unit of work does when it starts while a Spring transaction is active on the thread
 * ({@code voxanne.spring-transaction}). A unit always takes a connection of its own from the pool and
 * commits on its own, so it can never be part of a Spring transaction: see
 * {@code docs/adr/0014-spring-transactions.md}.
 */
public enum SpringTransactionPolicy {

    /**
     * The unit refuses to start ({@link UnitInSpringTransactionException}): it would otherwise commit
     * or roll back apart from the surrounding transaction without anyone noticing.
     */
    REFUSE,

    /**
     * The unit runs in a transaction of its own, as it does outside Spring: it commits even when the
     * surrounding transaction later rolls back, and the surrounding transaction does not see its writes
     * before they commit.
     */
    INDEPENDENT
}
