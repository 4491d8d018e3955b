package com.voxanne.spring.boot;

import java.util.Objects;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * How Voxanne's units of work meet Spring transactions ({@code docs/adr/0014-spring-transactions.md}).
 *
 * <p>The auto-configured {@code Voxanne} takes its connections through {@link #guard}: a unit that starts
 * while a Spring transaction is active on the thread fails with {@link UnitInSpringTransactionException}
 * before it touches the database, unless {@code voxanne.spring-transaction=independent} or the call runs
 * inside {@link #independent(Supplier)}.
 */
public final class VoxanneSpringTransactions {

    private static final ThreadLocal<Integer> INDEPENDENT = ThreadLocal.withInitial(() -> 0);

    private VoxanneSpringTransactions() {
    }

    /**
     * Runs {@code work}, whose Voxanne units may start inside the active Spring transaction and run apart
     * from it: each commits on its own (even if the surrounding transaction then rolls back), and the
     * surrounding transaction's uncommitted writes are invisible to it. Applies to units started on this
     * thread while {@code work} runs.
     */
    public static <T> T independent(Supplier<T> work) {
        Objects.requireNonNull(work, "work");
        INDEPENDENT.set(INDEPENDENT.get() + 1);
        try {
            return work.get();
        } finally {
            int depth = INDEPENDENT.get() - 1;
            if (depth == 0) {
                INDEPENDENT.remove();
            } else {
                INDEPENDENT.set(depth);
            }
        }
    }

    /** As {@link #independent(Supplier)}, for work that returns nothing. */
    public static void runIndependent(Runnable work) {
        Objects.requireNonNull(work, "work");
        independent(() -> {
            work.run();
            return null;
        });
    }

    /**
     * {@code pool} with the Spring-transaction check of {@code policy} on every connection it hands out:
     * for an application that declares its own {@code Voxanne} bean and wants the same guard
     * ({@code Voxanne.builder(VoxanneSpringTransactions.guard(pool, SpringTransactionPolicy.REFUSE))}).
     */
    public static DataSource guard(DataSource pool, SpringTransactionPolicy policy) {
        return new TransactionGuardDataSource(Objects.requireNonNull(pool, "pool"), Objects.requireNonNull(policy, "policy"));
    }

    /** Whether the current thread is inside {@link #independent(Supplier)}. */
    static boolean independentOnThisThread() {
        return INDEPENDENT.get() > 0;
    }
}
