package com.voxanne.testkit.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One of two test classes that run in the same JVM on the same server: each writes its own marker and
 * must never see the other's, whichever runs first.
 */
class ClassIsolationSecondTest {

    private static TestDatabase db;

    @BeforeAll
    static void database() throws SQLException {
        db = TemplateIsolationTest.markerTemplate().newDatabase();
        TemplateIsolationTest.mark(db, "second");
    }

    @AfterAll
    static void drop() {
        db.close();
    }

    @Test
    void seesOnlyItsOwnData() throws SQLException {
        assertThat(TemplateIsolationTest.owners(db)).containsExactly("second", "template");
    }
}
