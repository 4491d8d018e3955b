package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.schema.jooq.enums.LeadScoreType;
import com.voxanne.schema.jooq.enums.LeadStatusType;
import com.voxanne.testkit.Admin;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import com.voxanne.testkit.VoxannePostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every column of a contact read back through the DAO equals what was written: unusual values in every
 * column (a JSON array with escapes, times before 2000 and before 1582 with microseconds, ±infinity, an
 * offset other than UTC, text with quotes and newlines) and NULL in every nullable one; on a call of its own
 * (a fresh statement: PgJDBC receives text) and repeated in one unit (server-prepared: binary).
 */
@VoxannePostgres
class ContactsReadBackTest {

    private Voxanne voxanne;
    private OrgContext ann;
    private Contact unusual;
    private Contact sparse;

    @BeforeEach
    void setUp(DataSource login, @Admin DataSource admin, Tenants tenants) throws SQLException {
        voxanne = Voxanne.create(login);
        User user = tenants.organization("Clinic " + UUID.randomUUID()).user("ann");
        ann = OrgContext.of(user.organization().id(), user.id());
        UUID org = user.organization().id();
        // Written as the admin, so that every column takes exactly the value given (the DAO's writes set the times).
        UUID unusualId = insert(admin, org, "Zoë \"Q\" O'Brien", "+12125550198", "z.q@example.org",
                "[\"botox\", \"a \\\"quoted\\\" one\", \"ünï\"]", "hot", "booked",
                "1999-12-31 23:59:59.999999+00", "line 1\nline 2 ' \" \\", "1500-03-01 12:00:00.000001+00", "infinity");
        UUID sparseId = insert(admin, org, "Bo", null, null, "[]", "cold", "new",
                null, null, "-infinity", "2026-06-01 12:00:00.000001+05:30");
        unusual = new Contact(unusualId, org, "Zoë \"Q\" O'Brien", "+12125550198", "z.q@example.org",
                List.of("botox", "a \"quoted\" one", "ünï"), LeadScoreType.HOT, LeadStatusType.BOOKED,
                OffsetDateTime.parse("1999-12-31T23:59:59.999999Z"), "line 1\nline 2 ' \" \\",
                OffsetDateTime.parse("1500-03-01T12:00:00.000001Z"), OffsetDateTime.MAX);
        sparse = new Contact(sparseId, org, "Bo", null, null, List.of(), LeadScoreType.COLD, LeadStatusType.NEW,
                null, null, OffsetDateTime.MIN, OffsetDateTime.parse("2026-06-01T06:30:00.000001Z"));
    }

    @Test
    void aCallOfItsOwnReadsEveryColumnAsWritten() {
        assertThat(voxanne.contacts(ann).get(unusual.id())).isEqualTo(unusual);
        assertThat(voxanne.contacts(ann).get(sparse.id())).isEqualTo(sparse);
        assertThat(voxanne.contacts(ann).findByPhone("+12125550198")).contains(unusual);
        // updated_at infinity sorts first, then the sparse contact's
        assertThat(voxanne.contacts(ann).list(ContactQuery.all()).items()).containsExactly(unusual, sparse);
    }

    @Test
    void theSameReadsRepeatedInOneUnitReadEveryColumnAsWritten() {
        // The same statements again and again on one connection: PgJDBC prepares them on the server and
        // then receives the rows in binary.
        List<Object> reads = voxanne.inOrg(ann, tx -> {
            List<Object> all = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                all.add(tx.contacts().get(unusual.id()));
                all.add(tx.contacts().get(sparse.id()));
                all.add(tx.contacts().list(ContactQuery.all()).items());
            }
            return all;
        });
        for (int i = 0; i < reads.size(); i += 3) {
            assertThat(reads.get(i)).as("read %d", i).isEqualTo(unusual);
            assertThat(reads.get(i + 1)).as("read %d", i + 1).isEqualTo(sparse);
            assertThat(reads.get(i + 2)).as("read %d", i + 2).isEqualTo(List.of(unusual, sparse));
        }
    }

    private static UUID insert(DataSource admin, UUID org, String name, String phone, String email, String interests,
                               String score, String status, String lastContact, String notes, String created,
                               String updated) throws SQLException {
        try (Connection c = admin.getConnection();
             PreparedStatement ps = c.prepareStatement("insert into public.contacts (org_id, name, phone, email,"
                     + " service_interests, lead_score, lead_status, last_contact_at, notes, created_at, updated_at)"
                     + " values (?, ?, ?, ?, ?::jsonb, ?::public.lead_score_type, ?::public.lead_status_type,"
                     + " ?::timestamptz, ?, ?::timestamptz, ?::timestamptz) returning id")) {
            ps.setObject(1, org);
            ps.setString(2, name);
            ps.setString(3, phone);
            ps.setString(4, email);
            ps.setString(5, interests);
            ps.setString(6, score);
            ps.setString(7, status);
            ps.setString(8, lastContact);
            ps.setString(9, notes);
            ps.setString(10, created);
            ps.setString(11, updated);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getObject(1, UUID.class);
            }
        }
    }
}
