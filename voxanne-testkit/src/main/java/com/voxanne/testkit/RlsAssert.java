package com.voxanne.testkit;

import com.voxanne.testkit.internal.RlsAssertions;
import javax.sql.DataSource;

/**
 * Assertions on row-level security, in AssertJ's fluent style, that fail with an {@link AssertionError}
 * naming the table, the user and organization involved, and the offending rows.
 *
 * <pre>{@code
 * RlsAssert.assertThat(ds).loginRoleBypassesNothing();
 * RlsAssert.assertThat(ds).table("contacts")
 *         .hasRowLevelSecurityEnabledAndForced()
 *         .hasPoliciesOnlyForAuthenticatedAndServiceRole()
 *         .rowsOf(clinicA).areInvisibleTo(bob);
 * RlsAssert.assertThat(ds).table("contacts")
 *         .write("insert into contacts (org_id, name) values (?, 'Mallory')", clinicA.id())
 *         .isRefusedTo(bob);
 * }</pre>
 *
 * <p>Give it the login role's {@link DataSource} (the one injected without {@link Admin}). Users are
 * acted as by binding their claims through it, like {@link Actor}; the ground truth (which rows belong
 * to an organization, which rows a write changed) is read as {@code service_role}, which must be allowed
 * to SELECT the table. Every probe runs in a transaction that is rolled back: assertions change nothing.
 * Works on any table with an {@code org_id} column, the consumer's own included.
 */
public interface RlsAssert {

    /** Starts assertions about the database behind {@code dataSource}. */
    static RlsAssert assertThat(DataSource dataSource) {
        return RlsAssertions.on(dataSource);
    }

    /**
     * Asserts that the role the data source logs in as bypasses nothing: not SUPERUSER, not BYPASSRLS,
     * NOINHERIT (it holds an API role's rights only after binding it) and owner of no table (an owner
     * bypasses row-level security that is not forced).
     */
    RlsAssert loginRoleBypassesNothing();

    /**
     * Assertions about one table, named as SQL would ({@code "contacts"}, {@code "public.contacts"}),
     * resolved with the login role's search path.
     *
     * @throws AssertionError when there is no such table
     */
    TableAssert table(String name);
}
