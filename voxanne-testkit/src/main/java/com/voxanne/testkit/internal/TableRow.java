package com.voxanne.testkit.internal;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A row as failure messages show it.
 *
 * @param identity its primary key (or ctid) as text, to recognise it in another snapshot
 * @param text a few columns, {@code id=…, org_id=…, name=Ann}
 */
record TableRow(String identity, String text) {

    /** Rows listed in a message before the rest are counted instead of shown. */
    private static final int SHOWN = 10;
    private static final int WIDTH = 40;

    /**
     * Reads the rows of a query whose select list is {@link TableInfo#rowSelectList()}, keyed by identity
     * in the query's order.
     */
    static Map<String, TableRow> read(TableInfo table, PreparedStatement statement) throws SQLException {
        Map<String, TableRow> rows = new LinkedHashMap<>();
        try (ResultSet rs = statement.executeQuery()) {
            while (rs.next()) {
                List<String> parts = new ArrayList<>();
                for (int i = 0; i < table.displayColumns().size(); i++) {
                    parts.add(table.displayColumns().get(i) + "=" + abbreviate(rs.getString(i + 2)));
                }
                TableRow row = new TableRow(rs.getString(1), String.join(", ", parts));
                rows.put(row.identity(), row);
            }
        }
        return rows;
    }

    /** The rows, one per indented line, the first {@value #SHOWN} of them. */
    static String list(String label, List<TableRow> rows) {
        StringBuilder sb = new StringBuilder();
        for (TableRow row : rows.subList(0, Math.min(SHOWN, rows.size()))) {
            sb.append("\n    ").append(label).append(row.text());
        }
        if (rows.size() > SHOWN) {
            sb.append("\n    … and ").append(rows.size() - SHOWN).append(" more");
        }
        return sb.toString();
    }

    private static String abbreviate(String value) {
        if (value == null) {
            return "null";
        }
        return value.length() <= WIDTH ? value : value.substring(0, WIDTH - 1) + "…";
    }
}
