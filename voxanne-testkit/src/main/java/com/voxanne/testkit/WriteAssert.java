package com.voxanne.testkit;

/**
 * Assertions about one write on one table; obtained from {@link TableAssert#write}. The write is run in a
 * transaction that is always rolled back.
 */
public interface WriteAssert {

    /**
     * Asserts that acting as {@code user} the write is refused: it fails with SQLSTATE 42501 (permission
     * denied, or a row violating a policy's {@code WITH CHECK}), or it changes no row of the table
     * (row-level security hid every row it aimed at). Any other error fails the assertion, since a write
     * that breaks for another reason proves nothing about isolation; accept such a refusal explicitly with
     * {@link #orFailingWith(String)}.
     */
    WriteAssert isRefusedTo(User user);

    /** Asserts the same for {@code anon}, nobody signed in. */
    WriteAssert isRefusedToAnon();

    /**
     * Also counts an error with this SQLSTATE as a refusal, for example a trigger's own code (Voxanne's
     * {@code prevent_org_id_change()} raises {@code VX002}).
     */
    WriteAssert orFailingWith(String sqlState);
}
