package com.voxanne.dao.internal;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * How a repository method runs when it is called as a unit of work of its own
 * ({@code voxanne.contacts(ctx).get(id)}): declared on every public method of a tenant repository's
 * implementation, read once per repository type when its per-call proxy is first built
 * ({@link PerCallTransactions}), and required there: a method without one fails the proxy's construction
 * and {@code UnitModesTest}. Inside {@code inOrg} every method runs in the caller's transaction and this is
 * not consulted.
 *
 * <p>{@link Transactions.Mode#SINGLE_STATEMENT} only when every path through the method sends at most one
 * statement (an {@code INSERT … RETURNING} is one statement, its triggers included; a function call is one
 * statement) and nothing it throws after a successful write would need that write undone. Not an advisory
 * lock before a write, a savepoint, a fetch-then-update, a lock-then-check, a cursor. A method declared
 * single-statement by mistake fails loudly in its first test: {@link BindingConnection} refuses the second
 * statement. Say why next to the annotation.
 *
 * <p>{@link #distributed()} gives another mode on a distributed database, for a method whose one
 * statement Citus cannot route as one task there and which sends two instead (docs/citus.md, fact 28).
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.METHOD)
@interface UnitMode {
    Transactions.Mode value();

    /**
     * The mode on a {@linkplain com.voxanne.schema.session.RequestBinding.Placement#DISTRIBUTED distributed}
     * database, if it differs from {@link #value()}; empty: the same.
     */
    Transactions.Mode[] distributed() default {};
}
