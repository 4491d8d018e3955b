package com.voxanne.testkit.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Clones start from the template's content and never see each other's writes. */
class TemplateIsolationTest {

    static DatabaseTemplate markerTemplate() {
        return TestPostgres.shared().template("marker", db -> {
            try (Connection c = db.adminDataSource().getConnection(); Statement s = c.createStatement()) {
                s.execute("create table marker (owner text primary key)");
                s.execute("insert into marker values ('template')");
                s.execute("grant select, insert on marker to " + db.server().loginRole());
            }
        });
    }

    static List<String> owners(TestDatabase db) throws SQLException {
        List<String> owners = new ArrayList<>();
        try (Connection c = db.loginDataSource().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select owner from marker order by owner")) {
            while (rs.next()) {
                owners.add(rs.getString(1));
            }
        }
        return owners;
    }

    static void mark(TestDatabase db, String owner) throws SQLException {
        try (Connection c = db.loginDataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute("insert into marker values ('" + owner + "')");
        }
    }

    @Test
    void clonesAreIndependentCopiesOfTheTemplate() throws SQLException {
        DatabaseTemplate template = markerTemplate();
        try (TestDatabase first = template.newDatabase(); TestDatabase second = template.newDatabase()) {
            assertThat(first.name()).isNotEqualTo(second.name());
            mark(first, "first");
            mark(second, "second");
            assertThat(owners(first)).containsExactly("first", "template");
            assertThat(owners(second)).containsExactly("second", "template");
        }
    }

    @Test
    void theTemplateIsPreparedOnce() {
        int[] calls = {0};
        PostgresServer server = TestPostgres.shared();
        DatabaseTemplate a = server.template("prepared-once", db -> calls[0]++);
        DatabaseTemplate b = server.template("prepared-once", db -> calls[0]++);
        assertThat(a.name()).isEqualTo(b.name());
        assertThat(calls[0]).isEqualTo(1);
    }

    @Test
    void aDroppedDatabaseIsGone() throws SQLException {
        PostgresServer server = TestPostgres.shared();
        TestDatabase db = server.createDatabase();
        String name = db.name();
        db.close();
        try (Connection c = server.adminDataSource("postgres").getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select count(*) from pg_database where datname = '" + name + "'")) {
            rs.next();
            assertThat(rs.getInt(1)).isZero();
        }
    }
}
