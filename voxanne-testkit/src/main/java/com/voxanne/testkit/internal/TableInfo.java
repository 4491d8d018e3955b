package com.voxanne.testkit.internal;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import javax.sql.DataSource;

/**
 * What the assertions need to know about a table, read from the catalog (which every role may read).
 * Identifiers are quoted by the server ({@code format('%I')}, {@code quote_ident}), never by us.
 *
 * @param oid the table's oid
 * @param qualifiedName schema-qualified and quoted, for SQL and for messages
 * @param rowSecurity whether row-level security is enabled
 * @param forceRowSecurity whether it is forced (applies to the owner too)
 * @param owner the owning role
 * @param keyColumns the quoted primary key columns (empty: none)
 * @param displayColumns the quoted columns shown for a row in messages: the key, org_id and two more
 * @param hasOrgId whether the table has an {@code org_id} column
 */
record TableInfo(long oid, String qualifiedName, boolean rowSecurity, boolean forceRowSecurity, String owner,
                 List<String> keyColumns, List<String> displayColumns, boolean hasOrgId) {

    /** Columns besides the key and org_id that a row's description shows: enough to recognise it. */
    private static final int EXTRA_COLUMNS = 2;

    /** Reads the table {@code name} as the data source's role resolves it, or fails the assertion. */
    static TableInfo load(DataSource dataSource, String name) {
        try (Connection c = dataSource.getConnection()) {
            TableInfo table;
            try (PreparedStatement ps = c.prepareStatement("select c.oid, format('%I.%I', n.nspname, c.relname),"
                    + " c.relrowsecurity, c.relforcerowsecurity, pg_get_userbyid(c.relowner)"
                    + " from pg_class c join pg_namespace n on n.oid = c.relnamespace"
                    + " where c.oid = to_regclass(?) and c.relkind in ('r', 'p')")) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        throw new AssertionError("Expected a table named " + name + ", but there is none on the search path"
                                + " of this DataSource's role");
                    }
                    table = new TableInfo(rs.getLong(1), rs.getString(2), rs.getBoolean(3), rs.getBoolean(4),
                            rs.getString(5), List.of(), List.of(), false);
                }
            }
            return table.withColumns(c);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot read the catalog entry of table " + name + ": " + e.getMessage(), e);
        }
    }

    private TableInfo withColumns(Connection c) throws SQLException {
        List<String> key = new ArrayList<>();
        List<String> others = new ArrayList<>();
        boolean orgId = false;
        try (PreparedStatement ps = c.prepareStatement("select quote_ident(a.attname), a.attname = 'org_id',"
                + " coalesce(a.attnum = any(i.indkey), false)"
                + " from pg_attribute a left join pg_index i on i.indrelid = a.attrelid and i.indisprimary"
                + " where a.attrelid = ? and a.attnum > 0 and not a.attisdropped order by a.attnum")) {
            ps.setLong(1, oid);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (rs.getBoolean(3)) {
                        key.add(rs.getString(1));
                    } else if (rs.getBoolean(2)) {
                        orgId = true;
                    } else {
                        others.add(rs.getString(1));
                    }
                }
            }
        }
        List<String> display = new ArrayList<>(key);
        if (orgId) {
            display.add("org_id");
        }
        display.addAll(others.subList(0, Math.min(EXTRA_COLUMNS, others.size())));
        return new TableInfo(oid, qualifiedName, rowSecurity, forceRowSecurity, owner, List.copyOf(key), List.copyOf(display),
                orgId || key.contains("org_id"));
    }

    /**
     * A select list for {@link TableRow#read}: the row's identity (its primary key, or its ctid for a
     * table without one), then the display columns as text.
     */
    String rowSelectList() {
        String identity = keyColumns.isEmpty() ? "ctid::text"
                : keyColumns.stream().map(k -> k + "::text").collect(Collectors.joining(" || ',' || "));
        return identity + ", " + displayColumns.stream().map(col -> col + "::text").collect(Collectors.joining(", "));
    }

    /** Fails the assertion unless rows of an organization can be found by {@code org_id}. */
    void requireOrgId() {
        if (!hasOrgId) {
            throw new AssertionError("Expected " + qualifiedName + " to have an org_id column, by which the rows of an"
                    + " organization are found, but it has none");
        }
    }
}
