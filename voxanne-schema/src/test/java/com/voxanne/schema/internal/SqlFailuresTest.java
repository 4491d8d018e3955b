package com.voxanne.schema.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.voxanne.testkit.postgres.TestDatabase;
import com.voxanne.testkit.postgres.TestPostgres;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The project's one rule for what of a database failure may be shown: each case raises a real error whose
 * text holds a marker value, and checks whether {@link SqlFailures} passes the server's words on. Who wrote
 * the message decides, never how it looks: PostgreSQL for the SQLSTATEs whose text is built from names, a
 * RAISE of Voxanne's migrations ({@code "voxanne ..."}, class {@code VX}), or a RAISE inside one of
 * Voxanne's functions at such a SQLSTATE. The functions here carry Voxanne's names in a database of their
 * own, which is what the rule reads.
 */
class SqlFailuresTest {

    private static final String MARKER = "canary7431@example.org";

    private static TestDatabase db;

    @BeforeAll
    static void functions() throws SQLException {
        db = TestPostgres.shared().createDatabase();
        run("""
                create function public.create_notification(p text) returns void language plpgsql as $$
                begin
                  if p = 'inactive' then
                    raise exception 'create_notification: organization 7 is not active' using errcode = '42501';
                  end if;
                  raise exception 'create_notification: invalid input: %', p using errcode = '22023';
                end $$""");
        run("""
                create function public.intake_check(p text) returns void language plpgsql as $$
                begin
                  raise exception 'intake refused for %', p using errcode = '42501';
                end $$""");
        run("create table public.people (email text constraint uq_people_email unique)");
        run("insert into public.people values ('" + MARKER + "')");
    }

    @AfterAll
    static void drop() {
        db.close();
    }

    @Test
    void aVoxanneFunctionsRaiseAtASafeStateKeepsItsWords() {
        SQLException e = fail("select public.create_notification('inactive')");
        assertThat(SqlFailures.serverWords(e)).isEqualTo("create_notification: organization 7 is not active");
        assertThat(SqlFailures.describe(e)).isEqualTo("SQLSTATE 42501: create_notification: organization 7 is not active");
    }

    @Test
    void aVoxanneFunctionPassingOnAValueAtAnotherStateKeepsOnlyTheSqlState() {
        SQLException e = fail("select public.create_notification('" + MARKER + "')");
        assertThat(e.getMessage()).as("the control: the driver's text holds the value").contains(MARKER);
        assertThat(SqlFailures.serverWords(e)).isNull();
        assertThat(SqlFailures.describe(e)).isEqualTo("SQLSTATE 22023");
    }

    @Test
    void anotherFunctionsRaiseKeepsOnlyTheSqlStateWhateverItsState() {
        SQLException e = fail("select public.intake_check('" + MARKER + "')");
        assertThat(e.getMessage()).contains(MARKER);
        assertThat(SqlFailures.serverWords(e)).isNull();
        assertThat(SqlFailures.describe(e)).isEqualTo("SQLSTATE 42501");
    }

    @Test
    void theMigrationsOwnChecksKeepTheirWordsAndHintAtAnyState() {
        SQLException worded = fail("do $$ begin raise exception 'voxanne V99: 3 rows without an organization'"
                + " using hint = 'Attribute them, then migrate again.'; end $$");
        assertThat(SqlFailures.describe(worded)).isEqualTo("SQLSTATE P0001: voxanne V99: 3 rows without an organization"
                + " (hint: Attribute them, then migrate again.)");
        SQLException ownClass = fail("do $$ begin raise exception 'rollback refused: 2 rows would go' using errcode = 'VX001'; end $$");
        assertThat(SqlFailures.serverWords(ownClass)).isEqualTo("rollback refused: 2 rows would go");
    }

    @Test
    void postgresqlsOwnTextIsKeptOnlyWhereItIsBuiltFromNames() {
        SQLException duplicate = fail("insert into public.people values ('" + MARKER + "')");
        assertThat(duplicate.getMessage()).as("the control: DETAIL quotes the key").contains(MARKER);
        assertThat(SqlFailures.describe(duplicate)).isEqualTo("SQLSTATE 23505 on table people, constraint uq_people_email");
        SQLException missing = fail("select * from public.no_such_table");
        assertThat(SqlFailures.serverWords(missing)).isEqualTo("relation \"public.no_such_table\" does not exist");
    }

    @Test
    void aScrubbedCopyKeepsStateNamesAndStackButNoValue() {
        SQLException duplicate = fail("insert into public.people values ('" + MARKER + "')");
        RuntimeException wrapped = new RuntimeException("wrapper quoting " + MARKER, duplicate);
        wrapped.addSuppressed(fail("select public.intake_check('" + MARKER + "')"));
        Throwable copy = SqlFailures.scrub(wrapped);
        StringWriter printed = new StringWriter();
        copy.printStackTrace(new PrintWriter(printed));
        assertThat(printed.toString()).doesNotContain(MARKER).doesNotContain("canary")
                .contains("java.lang.RuntimeException (its message is withheld")
                .contains("SQLSTATE 23505 on table people, constraint uq_people_email")
                .contains("SQLSTATE 42501");
        assertThat(SqlFailures.isScrubbed(copy)).isTrue();
        assertThat(copy.getCause()).isInstanceOf(SQLException.class);
        assertThat(((SQLException) copy.getCause()).getSQLState()).isEqualTo("23505");
        assertThat(copy.getCause().getStackTrace()).isEqualTo(duplicate.getStackTrace());
        assertThat(SqlFailures.scrub(copy)).as("scrubbing twice changes nothing").isSameAs(copy);
    }

    private static SQLException fail(String sql) {
        return catchThrowableOfType(SQLException.class, () -> run(sql));
    }

    private static void run(String sql) throws SQLException {
        try (Connection c = db.adminDataSource().getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
