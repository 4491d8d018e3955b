package com.voxanne.testkit;

import com.voxanne.schema.session.RequestClaims;
import org.jooq.DSLContext;

/**
 * Someone a test acts as (a user, anon or the service role). Each {@link #run} or {@link #call} is one
 * transaction on a login-role connection whose first statement binds the {@linkplain #claims() claims}
 * and role transaction-locally, exactly as the DAO and PostgREST do; it commits when the work returns
 * and rolls back when it throws.
 *
 * <p>The {@link DSLContext} handed to the work is bound to that transaction's connection; do not commit
 * or roll back through it. SQL errors come out as jOOQ's {@code DataAccessException} (a JDBC
 * {@code SQLException} thrown by the work too), other checked exceptions as an
 * {@code IllegalStateException}, so that tests need not declare them.
 */
public interface Actor {

    /** The claims bound for this actor. */
    RequestClaims claims();

    /** Runs {@code work} in one bound transaction and commits. */
    void run(Work work);

    /** Runs {@code work} in one bound transaction, commits and returns its result. */
    <T> T call(Call<T> work);

    /** Work done as an actor. */
    @FunctionalInterface
    interface Work {
        /** Does the work on a context bound to the actor's transaction. */
        void run(DSLContext dsl) throws Exception;
    }

    /** Work done as an actor that returns a result. */
    @FunctionalInterface
    interface Call<T> {
        /** Does the work on a context bound to the actor's transaction. */
        T call(DSLContext dsl) throws Exception;
    }
}
