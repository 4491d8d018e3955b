package com.voxanne.dao.internal;

import static com.voxanne.dao.PatientMarkers.EMAIL;
import static com.voxanne.dao.PatientMarkers.NAME;
import static com.voxanne.dao.PatientMarkers.NOTES;
import static com.voxanne.dao.PatientMarkers.PHONE;
import static com.voxanne.dao.PatientMarkers.PHONE_E164;
import static com.voxanne.dao.PatientMarkers.assertClean;
import static com.voxanne.dao.PatientMarkers.assertRefusedCleanly;
import static com.voxanne.dao.PatientMarkers.everything;
import static com.voxanne.dao.PatientMarkers.leaks;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.voxanne.dao.AccessDeniedException;
import com.voxanne.dao.DataAccessFailureException;
import com.voxanne.dao.DatabaseKind;
import com.voxanne.dao.DuplicateException;
import com.voxanne.dao.InvalidInputException;
import com.voxanne.dao.PatientMarkers;
import com.voxanne.dao.VoxanneObserver;
import com.voxanne.schema.internal.SqlFailures;
import com.voxanne.schema.session.RequestClaims;
import com.voxanne.schema.session.RoleTimeouts;
import com.voxanne.testkit.Admin;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.jooq.exception.DataAccessException;
import org.jooq.exception.DataTypeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLException;

/**
 * What PostgreSQL and PgJDBC say about a failed statement quotes its values (DETAIL {@code Key (...)=(...)},
 * {@code Failing row contains (...)}, {@code invalid input syntax for type uuid: "..."}); the DAO's
 * exceptions carry none of it, neither in their messages nor in their causes, while naming the SQLSTATE
 * and the constraint. Statements run through {@link Transactions}, the path every unit of work takes,
 * with SQL the DAO's own validation would never let through.
 */
@VoxannePostgres
class SqlErrorsScrubbingTest {

    private static final String INSERT = "insert into public.contacts (id, org_id, name, phone, email, notes)"
            + " values (?, ?, ?, ?, ?, ?)";

    private Transactions transactions;
    private boolean distributed;
    private RequestClaims claims;
    private UUID org;
    private PatientMarkers.CapturedErr err;

    @BeforeEach
    void setUp(DataSource login, Tenants tenants) {
        err = new PatientMarkers.CapturedErr();
        distributed = DatabaseKind.distributed(login);
        transactions = new Transactions(login, RoleTimeouts.defaults(), VoxanneObserver.NONE, DatabaseKind.placement(login));
        User ann = tenants.organization("Clinic " + UUID.randomUUID()).user("ann");
        claims = ann.claims();
        org = ann.organization().id();
    }

    @AfterEach
    void nothingWasLogged() {
        String logged = err.text();
        err.close();
        assertClean("System.err", logged);
    }

    private Object insert(String name, String phone, String email, String notes) {
        return transactions.run(claims, dsl -> dsl.execute(INSERT, UUID.randomUUID(), org, name, phone, email, notes));
    }

    @Test
    void withoutScrubbingTheDatabasesOwnTextCarriesThePatientsData(@Admin DataSource admin) throws SQLException {
        insert(NAME, PHONE_E164, EMAIL, NOTES);
        // the driver's exception, as anyone would log it: DETAIL quotes the phone number
        try (Connection c = admin.getConnection(); PreparedStatement s = c.prepareStatement(INSERT)) {
            s.setObject(1, UUID.randomUUID());
            s.setObject(2, org);
            s.setString(3, NAME);
            s.setString(4, PHONE_E164);
            s.setString(5, EMAIL);
            s.setString(6, NOTES);
            Throwable raw = catchThrowable(s::executeUpdate);
            assertThat(raw).isInstanceOf(PSQLException.class);
            assertThat(leaks(raw.getMessage())).as(raw.getMessage()).isTrue();
        }
        // jOOQ's exception inside a service-role unit (service_role bypasses row-level security, so the
        // server sends the DETAIL) carries it too; what leaves the unit does not
        AtomicReference<Throwable> inside = new AtomicReference<>();
        Throwable outside = catchThrowable(() -> transactions.run(RequestClaims.service(org), dsl -> {
            try {
                return dsl.execute(INSERT, UUID.randomUUID(), org, NAME, PHONE_E164, EMAIL, NOTES);
            } catch (DataAccessException e) {
                inside.set(e);
                throw e;
            }
        }));
        assertThat(leaks(everything(inside.get()))).as(everything(inside.get())).isTrue();
        assertThat(outside).isInstanceOf(DuplicateException.class);
        assertClean(outside);

        // under row-level security the server leaves the DETAIL out, but a value in the primary message stays
        inside.set(null);
        outside = catchThrowable(() -> transactions.run(claims, dsl -> {
            try {
                return dsl.fetchValue("select cast(? as uuid)", PHONE);
            } catch (DataAccessException e) {
                inside.set(e);
                throw e;
            }
        }));
        assertThat(leaks(everything(inside.get()))).as(everything(inside.get())).isTrue();
        assertThat(outside).isInstanceOf(InvalidInputException.class);
        assertClean(outside);
    }

    @Test
    void aServiceRoleDuplicateKeepsTheConstraintButNotTheKeyTheServerQuoted() {
        insert(NAME, PHONE_E164, EMAIL, NOTES);
        DuplicateException e = assertRefusedCleanly(() -> transactions.run(RequestClaims.service(org),
                        dsl -> dsl.execute(INSERT, UUID.randomUUID(), org, NAME, PHONE_E164, EMAIL, NOTES)),
                DuplicateException.class, "phone number already exists");
        assertThat(e.getCause()).hasMessageContaining("uq_contacts_org_phone");
        InvalidInputException check = assertRefusedCleanly(() -> transactions.run(RequestClaims.service(org),
                        dsl -> dsl.execute(INSERT, UUID.randomUUID(), org, NAME, PHONE, EMAIL, NOTES)),
                InvalidInputException.class, "ck_contacts_phone_e164", "check constraint");
        assertThat(((SQLException) check.getCause()).getSQLState()).isEqualTo("23514");
    }

    @Test
    void aUniqueViolationNamesTheConstraintAndKeepsTheSqlStateInAScrubbedCause() {
        insert(NAME, PHONE_E164, EMAIL, NOTES);
        DuplicateException e = assertRefusedCleanly(() -> insert(NAME, PHONE_E164, EMAIL, NOTES),
                DuplicateException.class, "phone number already exists");
        assertThat(e.constraint()).isEqualTo("uq_contacts_org_phone");
        assertThat(SqlFailures.isScrubbed(e.getCause())).as("a scrubbed copy, not the driver's exception").isTrue();
        assertThat(e.getCause()).isInstanceOf(SQLException.class)
                .hasMessageContaining("SQLSTATE 23505").hasMessageContaining("uq_contacts_org_phone");
        if (!distributed) {   // a worker's duplicate-key message, as Citus relays it, names no table
            assertThat(e.getCause()).hasMessageContaining("table contacts");
        }
        assertThat(((SQLException) e.getCause()).getSQLState()).isEqualTo("23505");
        assertThat(e.getCause().getStackTrace()).as("the original stack trace").isNotEmpty();
        assertThat(e.getCause().getStackTrace()[0].getClassName()).startsWith("org.postgresql");
    }

    @Test
    void checkAndNotNullViolationsNameTheConstraintOrColumnNotTheFailingRow() {
        InvalidInputException email = assertRefusedCleanly(() -> insert(NAME, PHONE_E164, "canary7431@example", NOTES),
                InvalidInputException.class, "ck_contacts_email", "check constraint");
        assertThat(email.field()).isEqualTo("ck_contacts_email");
        assertThat(((SQLException) email.getCause()).getSQLState()).isEqualTo("23514");
        assertRefusedCleanly(() -> insert(NAME, PHONE, EMAIL, NOTES), InvalidInputException.class,
                "ck_contacts_phone_e164", "check constraint");
        assertRefusedCleanly(() -> insert(NAME, PHONE_E164, EMAIL, NOTES.repeat(600)), InvalidInputException.class,
                "ck_contacts_notes", "check constraint");
        InvalidInputException name = assertRefusedCleanly(() -> insert(null, PHONE_E164, EMAIL, NOTES),
                InvalidInputException.class, "name", "must not be null");
        assertThat(((SQLException) name.getCause()).getSQLState()).isEqualTo("23502");
    }

    @Test
    void invalidTextIsNotQuotedEvenWhereThePrimaryMessageQuotesIt() {
        InvalidInputException uuid = assertRefusedCleanly(() -> transactions.run(claims,
                dsl -> dsl.fetchValue("select cast(? as uuid)", NAME)), InvalidInputException.class, "not valid input");
        assertThat(((SQLException) uuid.getCause()).getSQLState()).isEqualTo("22P02");
        InvalidInputException time = assertRefusedCleanly(() -> transactions.run(claims,
                dsl -> dsl.fetchValue("select cast(? as timestamptz)", PHONE)), InvalidInputException.class, "date or time");
        assertThat(((SQLException) time.getCause()).getSQLState()).isIn("22007", "22008");
        // a RAISE that formats its argument into the message (the server's primary message)
        Throwable raised = catchThrowable(() -> transactions.run(claims, dsl -> dsl.execute(
                "do $$ begin raise exception 'bad value %', '" + EMAIL + "' using errcode = 'P0001'; end $$")));
        assertThat(raised).isInstanceOf(DataAccessFailureException.class).hasMessageContaining("P0001");
        assertThat(((DataAccessFailureException) raised).sqlState()).isEqualTo("P0001");
        assertClean(raised);
    }

    @Test
    void statementTimeoutIsADataAccessFailureThatNamesTheLimit() {
        DataAccessFailureException e = assertRefusedCleanly(() -> transactions.run(claims, Transactions.Mode.TRANSACTION,
                        dsl -> {
                            dsl.execute("set local statement_timeout = '100ms'");
                            return dsl.fetchValue("select pg_sleep(5), ?::text", NAME);
                        }),
                DataAccessFailureException.class, "statement_timeout");
        assertThat(e.sqlState()).isEqualTo("57014");
        assertThat(e).hasMessage("the statement ran past statement_timeout");
    }

    @Test
    void lockTimeoutIsADataAccessFailureThatNamesTheLimit(@Admin DataSource admin) throws SQLException {
        UUID id = UUID.randomUUID();
        transactions.run(claims, dsl -> dsl.execute(INSERT, id, org, NAME, PHONE_E164, EMAIL, NOTES));
        try (Connection holder = admin.getConnection()) {
            holder.setAutoCommit(false);
            try (PreparedStatement lock = holder.prepareStatement("select 1 from public.contacts where id = ? and org_id = ? for update")) {
                lock.setObject(1, id);
                lock.setObject(2, org);
                lock.executeQuery().close();
            }
            DataAccessFailureException e = assertRefusedCleanly(() -> transactions.run(claims, Transactions.Mode.TRANSACTION,
                            dsl -> {
                                dsl.execute("set local lock_timeout = '100ms'");
                                return dsl.execute("update public.contacts set notes = ? where id = ? and org_id = ?", NOTES, id, org);
                            }),
                    DataAccessFailureException.class, "lock_timeout");
            assertThat(e.sqlState()).isEqualTo("55P03");
            assertThat(e).hasMessage("the database gave up waiting for a lock (lock_timeout)");
            holder.rollback();
        }
    }

    @Test
    void aPrivilegeRefusalKeepsTheServersWordsWhichHoldNoValues() {
        AccessDeniedException e = assertRefusedCleanly(() -> transactions.run(claims,
                dsl -> dsl.fetchValue("select count(*) from public.audit_logs where statement_text = ?", NAME)),
                AccessDeniedException.class, "permission denied");
        assertThat(((SQLException) e.getCause()).getSQLState()).isEqualTo("42501");
    }

    @Test
    void suppressedFailuresAndNonDatabaseFailuresAreScrubbedToo(@Admin DataSource admin) throws SQLException {
        SQLException real;
        try (Connection c = admin.getConnection()) {
            real = (SQLException) catchThrowable(() -> c.createStatement().execute("select cast('" + NAME + "' as uuid)"));
        }
        assertThat(leaks(real.getMessage())).isTrue();
        DataAccessException jooq = new DataAccessException("SQL [select ...]; " + real.getMessage(), real);
        jooq.addSuppressed(new SQLException("rollback failed for " + EMAIL, "08006"));
        real.addSuppressed(new IllegalStateException(NOTES));
        RuntimeException translated = SqlErrors.translate(jooq);
        assertThat(translated).isInstanceOf(InvalidInputException.class);
        assertThat(translated.getSuppressed()).hasSize(2);
        assertClean(translated);

        // jOOQ failing on its own (a conversion) may quote the value it could not convert
        RuntimeException conversion = SqlErrors.translate(new DataTypeException("Cannot convert from " + PHONE));
        assertThat(conversion).isInstanceOf(DataAccessFailureException.class).hasMessageContaining("DataTypeException");
        assertThat(conversion.getCause().getStackTrace()).isNotEmpty();
        assertClean(conversion);
    }
}
