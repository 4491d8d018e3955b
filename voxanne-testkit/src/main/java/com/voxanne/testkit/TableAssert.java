package com.voxanne.testkit;

import com.voxanne.schema.session.ApiRole;

/** Row-level security assertions about one table; obtained from {@link RlsAssert#table(String)}. */
public interface TableAssert {

    /**
     * Asserts that row-level security is enabled and forced on the table (forced: its owner is subject
     * to it too).
     */
    TableAssert hasRowLevelSecurityEnabledAndForced();

    /**
     * Asserts that every policy on the table applies only to some of {@code roles}: a policy
     * {@code TO public} (the default when a policy names no role) or to any other role fails. A table
     * without policies passes: with row-level security enabled it refuses every row to every role.
     */
    TableAssert hasPoliciesOnlyFor(ApiRole... roles);

    /** {@link #hasPoliciesOnlyFor} {@code authenticated} and {@code service_role}: the Voxanne rule. */
    default TableAssert hasPoliciesOnlyForAuthenticatedAndServiceRole() {
        return hasPoliciesOnlyFor(ApiRole.AUTHENTICATED, ApiRole.SERVICE_ROLE);
    }

    /**
     * The table's rows whose {@code org_id} is the organization's, for assertions about who may see them.
     * The organization must have at least one row there, or the assertions would prove nothing.
     */
    RowsAssert rowsOf(Organization organization);

    /** {@link #rowsOf(Organization)} of the user's organization. */
    default RowsAssert rowsOf(User user) {
        return rowsOf(user.organization());
    }

    /** A write given as SQL with JDBC {@code ?} parameters, for assertions about who may do it. */
    WriteAssert write(String sql, Object... parameters);

    /** A write given as jOOQ code (for example {@code dsl -> dsl.deleteFrom(...).execute()}). */
    WriteAssert write(Actor.Work write);
}
