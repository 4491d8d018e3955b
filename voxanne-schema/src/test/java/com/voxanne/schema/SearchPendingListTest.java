package com.voxanne.schema;

import static com.voxanne.schema.SchemaTestSupport.admin;
import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.testkit.postgres.TestDatabase;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * A clinic's search reads the token index's pending list, which every clinic's writes fill (ADR 0025):
 * V18 bounds it, so that a search reads few more index pages after other clinics' writes than before
 * them (7 and 18 here). The control resets the bound and shows the same writes making the same search
 * read many more (86 here).
 */
class SearchPendingListTest {

    /** Other clinics' contacts written between the two searches: about 500 kB of index entries. */
    private static final int OTHER_CLINICS_CONTACTS = 400;

    @Test
    void otherClinicsWritesDoNotLengthenAClinicsSearch() throws SQLException {
        try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
            Reads reads = readsOfASearchBeforeAndAfterOtherClinicsWrites(db);
            // at most 8 pages of pending entries (64 kB), and the index a little deeper with what was merged
            assertThat(reads.after()).as("index pages read after the writes (before: %d)", reads.before())
                    .isLessThanOrEqualTo(reads.before() + 16);
        }
    }

    @Test
    void withoutTheBoundTheSameWritesLengthenTheSearch() throws SQLException {
        try (TestDatabase db = SchemaTestSupport.migratedDatabase()) {
            admin(db, "alter index public.idx_contacts_search_tokens reset (gin_pending_list_limit)");
            Reads reads = readsOfASearchBeforeAndAfterOtherClinicsWrites(db);
            assertThat(reads.after()).as("index pages read after the writes (before: %d)", reads.before())
                    .isGreaterThan(reads.before() + 50);
        }
    }

    record Reads(int before, int after) {
    }

    private static Reads readsOfASearchBeforeAndAfterOtherClinicsWrites(TestDatabase db) throws SQLException {
        UUID clinic = SchemaTestSupport.organization(db, "Searching clinic");
        admin(db, "insert into public.contacts (org_id, name, email) values (?, 'Ann Lee', 'ann.lee@example.com')", clinic);
        int before = tokenIndexPagesRead(db, clinic);
        UUID other = SchemaTestSupport.organization(db, "Writing clinic");
        admin(db, "insert into public.contacts (org_id, name, email)"
                + " select ?, 'Contact number ' || g || ' of the writing clinic', 'contact' || g || '@writing-clinic.example'"
                + " from generate_series(1, " + OTHER_CLINICS_CONTACTS + ") g", other);
        return new Reads(before, tokenIndexPagesRead(db, clinic));
    }

    /** The token index's scan in a text plan and the buffers line that follows it (the scan is a leaf). */
    private static final Pattern INDEX_SCAN_BUFFERS = Pattern.compile(
            "Bitmap Index Scan on idx_contacts_search_tokens[^\\n]*\\n(?:[^\\n]*\\n)*?\\s*Buffers: shared hit=(\\d+)(?: read=(\\d+))?");

    /** The pages the token index scan of a search for "ann.lee" in {@code clinic} reads (the index forced). */
    private static int tokenIndexPagesRead(TestDatabase db, UUID clinic) throws SQLException {
        StringBuilder plan = new StringBuilder();
        try (Connection c = db.adminDataSource().getConnection()) {
            c.setAutoCommit(false);
            try (Statement s = c.createStatement()) {
                s.execute("set local enable_seqscan = off");
            }
            try (PreparedStatement ps = c.prepareStatement("explain (analyze, buffers, costs off)"
                    + " select c.id from public.contacts c where public.contact_search_tokens(c.org_id, c.name, c.email, c.phone)"
                    + " @> public.contact_search_tokens(?::uuid, 'ann.lee', null, null)")) {
                ps.setObject(1, clinic);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        plan.append(rs.getString(1)).append('\n');
                    }
                }
            }
            c.rollback();
        }
        assertThat(plan).as("the search's plan").contains("idx_contacts_search_tokens");
        Matcher scan = INDEX_SCAN_BUFFERS.matcher(plan);
        assertThat(scan.find()).as("the token index scan's buffers in %s", plan).isTrue();
        return Integer.parseInt(scan.group(1)) + (scan.group(2) == null ? 0 : Integer.parseInt(scan.group(2)));
    }
}
