package com.voxanne.dao.internal;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.jooq.DSLContext;
import org.jooq.EnumType;
import org.jooq.JSONB;
import org.jooq.ResultQuery;

/**
 * The repositories' hot reads (every list, count and search): jOOQ builds and renders a query once per
 * <em>shape</em>, and plain JDBC sends that SQL with the call's values on the unit's bound connection
 * (docs/adr/0006-rendered-reads.md). Rendering was the largest part of the DAO's own CPU per call; the SQL
 * still comes from jOOQ and the generated classes, so a schema change still fails to compile.
 *
 * <p>A shape is everything that changes the SQL text: which filters are present, inlined literals, the
 * order. The values are bound. The caller states both, and on a shape's first use the query jOOQ built for
 * that very call proves them: its bind values must equal, in order, the values the caller binds, or the
 * read fails (a DAO bug, reported without the values, which may be patient data).
 */
final class RenderedReads {

    /** Far more than the DAO's finite set of shapes; a cache that still outgrows it is emptied. */
    private static final int MAX_SHAPES = 4096;

    /**
     * Shared by every {@code Voxanne} in the JVM: what jOOQ renders depends only on the dialect and the
     * settings, and {@link Transactions} gives every instance the same ones. Configurable rendering
     * settings would have to become part of the key.
     */
    private static final Map<Object, Rendered> SQL_BY_SHAPE = new ConcurrentHashMap<>();

    /** A shape's SQL and the types of the values it binds, in order, checked on every call. */
    private record Rendered(String sql, List<Class<?>> bindTypes) {
        void check(Object shape, List<Object> binds) {
            if (binds.size() != bindTypes.size()) {
                throw mismatch(shape, binds, bindTypes.stream().map(Class::getSimpleName).toList());
            }
            for (int i = 0; i < binds.size(); i++) {
                Object value = binds.get(i);
                if (value == null || value.getClass() != bindTypes.get(i)) {
                    throw mismatch(shape, binds, bindTypes.stream().map(Class::getSimpleName).toList());
                }
            }
        }
    }

    /** Reads one row of a result set; called once per row, positioned on it. */
    @FunctionalInterface
    interface RowReader<T> {
        T read(ResultSet row) throws SQLException;
    }

    private RenderedReads() {
    }

    /**
     * The rows of the query of {@code shape} with {@code binds}, read by {@code reader}. {@code query}
     * builds the jOOQ query of this call; it runs only when the shape is new.
     */
    static <T> List<T> fetch(Unit unit, Object shape, List<Object> binds, Supplier<? extends ResultQuery<?>> query,
                             RowReader<T> reader) {
        Rendered rendered = SQL_BY_SHAPE.get(shape);
        if (rendered == null) {
            rendered = render(unit.dsl(), shape, binds, query.get());
        }
        rendered.check(shape, binds);
        String sql = rendered.sql();
        try (PreparedStatement statement = unit.connection().prepareStatement(sql)) {
            for (int i = 0; i < binds.size(); i++) {
                bind(statement, i + 1, binds.get(i));
            }
            try (ResultSet rows = statement.executeQuery()) {
                List<T> result = new ArrayList<>();
                while (rows.next()) {
                    result.add(reader.read(rows));
                }
                return result;
            }
        } catch (SQLException e) {
            throw unit.failure(e);
        }
    }

    /** As {@link #fetch}, for a query that returns exactly one row (a count). */
    static <T> T fetchSingle(Unit unit, Object shape, List<Object> binds, Supplier<? extends ResultQuery<?>> query,
                             RowReader<T> reader) {
        List<T> rows = fetch(unit, shape, binds, query, reader);
        if (rows.size() != 1) {
            throw new IllegalStateException("expected one row from " + shape + ", got " + rows.size());
        }
        return rows.get(0);
    }

    private static Rendered render(DSLContext dsl, Object shape, List<Object> binds, ResultQuery<?> query) {
        List<Object> expected = query.getBindValues();
        if (!expected.equals(binds)) {
            throw mismatch(shape, binds, types(expected));
        }
        Rendered rendered = new Rendered(dsl.render(query),
                binds.stream().<Class<?>>map(Object::getClass).toList());
        if (SQL_BY_SHAPE.size() >= MAX_SHAPES) {
            SQL_BY_SHAPE.clear();
        }
        SQL_BY_SHAPE.put(shape, rendered);
        return rendered;
    }

    /** A repository's binds disagree with its query: a bug of the DAO, whatever the caller passed. */
    private static IllegalStateException mismatch(Object shape, List<Object> binds, List<String> queryBinds) {
        return new IllegalStateException("DAO bug: the read " + shape + " binds " + types(binds)
                + " but its query binds " + queryBinds);
    }

    /** The values' types only: values may be patient data, which no message may carry. */
    private static List<String> types(List<Object> values) {
        return values.stream().map(v -> v == null ? "null" : v.getClass().getSimpleName()).toList();
    }

    /**
     * Binds {@code value} as jOOQ would: the rendered SQL casts every parameter to its column's type
     * ({@code cast(? as uuid)}, {@code cast(? as "public"."lead_score_type")}, …), so text is enough for
     * enums and JSON.
     */
    private static void bind(PreparedStatement statement, int index, Object value) throws SQLException {
        if (value instanceof UUID || value instanceof OffsetDateTime) {
            statement.setObject(index, value);
        } else if (value instanceof String text) {
            statement.setString(index, text);
        } else if (value instanceof Long number) {
            statement.setLong(index, number);
        } else if (value instanceof Integer number) {
            statement.setInt(index, number);
        } else if (value instanceof Boolean flag) {
            statement.setBoolean(index, flag);
        } else if (value instanceof EnumType literal) {
            statement.setString(index, literal.getLiteral());
        } else if (value instanceof JSONB json) {
            statement.setString(index, json.data());
        } else {
            // null included: a shape never binds NULL (an absent filter is a different shape)
            throw new IllegalStateException("DAO bug: no binding for a "
                    + (value == null ? "null" : value.getClass().getSimpleName()));
        }
    }
}
