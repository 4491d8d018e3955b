package com.voxanne.testkit;

/** Assertions about the rows of one organization in one table; obtained from {@link TableAssert#rowsOf}. */
public interface RowsAssert {

    /**
     * Asserts that {@code user}, of another organization, SELECTs none of the rows (asking for them by
     * {@code org_id}). Being refused outright (permission denied) counts as not seeing them. Whether the
     * user may change them is a separate question: ask it with {@link TableAssert#write}.
     *
     * @throws IllegalArgumentException when the user belongs to the rows' organization
     */
    RowsAssert areInvisibleTo(User user);

    /** Asserts the same for {@code anon}, nobody signed in. */
    RowsAssert areInvisibleToAnon();
}
