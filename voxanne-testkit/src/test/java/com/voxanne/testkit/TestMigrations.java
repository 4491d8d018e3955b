package com.voxanne.testkit;

/** The consumer migrations of these tests (src/test/resources/db/testkit-test/migration). */
final class TestMigrations {

    /** Their Flyway location: a table built by the rules (notes) and two that break them. */
    static final String LOCATION = "classpath:db/testkit-test/migration";

    private TestMigrations() {
    }
}
