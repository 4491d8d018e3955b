package com.voxanne.testkit.internal;

import com.voxanne.testkit.RlsAssert;
import java.util.Objects;
import javax.sql.DataSource;

/** Where {@link RlsAssert#assertThat(DataSource)} gets its implementation. */
public final class RlsAssertions {

    private RlsAssertions() {
    }

    /** Assertions about the database behind {@code dataSource}. */
    public static RlsAssert on(DataSource dataSource) {
        return new DatabaseAssertion(Objects.requireNonNull(dataSource, "dataSource"));
    }
}
