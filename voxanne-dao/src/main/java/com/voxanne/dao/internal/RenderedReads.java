package com.voxanne.dao.internal;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.EnumType;
import org.jooq.Field;
import org.jooq.JSONB;
import org.jooq.Param;
import org.jooq.Query;
import org.jooq.SelectFinalStep;
import org.jooq.exception.TooManyRowsException;
import org.jooq.SelectQuery;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The repositories' reads (every get, list, count and search): jOOQ builds and renders a query once per
 * <em>shape</em>, and plain JDBC sends that SQL with the call's values on the unit's bound connection
 * (docs/adr/0006-rendered-reads.md). Rendering was the largest part of the DAO's own CPU per call; the SQL
 * still comes from jOOQ and the generated classes, so a schema change still fails to compile.
 *
 * <p>A repository describes a read once, as a {@link Read}: where it selects from, then each condition
 * <em>with</em> the values it binds ({@code where(organizationId, org -> CONTACTS.ORG_ID.eq(org))}). The
 * condition receives a placeholder for each of its values, so the SQL and the values come from the same
 * statement and cannot disagree: on a shape's first use the placeholders are the values themselves, and
 * the rendered query tells at which {@code ?} each one stands (a value used twice stands at two); every
 * later call binds its own values at those positions.
 *
 * <p>The shape is the description without its values: the query it starts from, and each part's
 * function with the literals it inlines. Functions are compared by identity, so they must be lambdas that
 * capture nothing (or constants): what they return depends only on their arguments, and the JVM makes
 * such a lambda once. A lambda that captured a value would still be correct (a new instance is a new
 * shape, rendered for that call) but would render on every call; {@code RenderedReadsTest} runs the
 * repositories' reads twice with other values and fails if the second pass renders anything.
 */
final class RenderedReads {

    /** Far more than the DAO's finite set of shapes; a cache that still outgrows it is emptied. */
    private static final int MAX_SHAPES = 4096;

    /**
     * Shared by every {@code Voxanne} in the JVM: what jOOQ renders depends only on the dialect and the
     * settings, and {@link Transactions} gives every instance the same ones. Configurable rendering
     * settings would have to become part of the key.
     */
    private static final Map<List<Object>, Rendered> SQL_BY_SHAPE = new ConcurrentHashMap<>();

    /** Shapes rendered so far in this JVM: a repository whose shape changed with every call would show here. */
    private static final LongAdder RENDERS = new LongAdder();

    /** The part that adds the row limit: its value is the read's last. */
    private static final Object LIMIT = new Object() {
        @Override
        public String toString() {
            return "limit";
        }
    };

    /**
     * A shape's SQL, and for each of its parameters ({@code ?} in order) the index of the value bound
     * there: a value a condition uses twice is bound twice.
     */
    private record Rendered(String sql, int[] valueAt) {
    }

    /** Reads one row of a result set; called once per row, positioned on it. */
    @FunctionalInterface
    interface RowReader<T> {
        T read(ResultSet row) throws SQLException;
    }

    /** The query a read starts from (select list, table, grouping, order), the same on every call. */
    @FunctionalInterface
    interface From {
        SelectFinalStep<?> select();
    }

    /** A condition on one bound value, for which {@code a} stands. */
    @FunctionalInterface
    interface On<A> {
        Condition on(Field<A> a);
    }

    /** A condition on two bound values. */
    @FunctionalInterface
    interface On2<A, B> {
        Condition on(Field<A> a, Field<B> b);
    }

    /**
     * A condition on a literal written into the SQL, so a partial index's predicate can be proven under
     * row-level security (a bound enum cannot); the literal is part of the shape.
     */
    @FunctionalInterface
    interface Inline<L> {
        Condition on(L literal);
    }

    /** A condition without values. */
    @FunctionalInterface
    interface Fixed {
        Condition get();
    }

    private RenderedReads() {
    }

    /** How many shapes were rendered in this JVM so far (each is rendered once while it stays cached). */
    static long renders() {
        return RENDERS.sum();
    }

    /** A read named {@code name} (for messages) that starts from {@code from}. */
    static Read select(String name, From from) {
        return new Read(name, from);
    }

    /**
     * One call's read: its shape (the parts, as pairs of a function and the literal it inlines, or
     * {@code null}) and its values, in the order the parts supplied them.
     */
    static final class Read {

        private final String name;
        private final List<Object> shape = new ArrayList<>(16);
        private final List<Object> values = new ArrayList<>(8);

        private Read(String name, From from) {
            this.name = name;
            shape.add(from);
        }

        /** Adds {@code condition} on {@code value}, bound. */
        <A> Read where(A value, On<A> condition) {
            return part(condition, null).value(value);
        }

        /** Adds {@code condition} on {@code a} and {@code b}, bound. */
        <A, B> Read where(A a, B b, On2<A, B> condition) {
            return part(condition, null).value(a).value(b);
        }

        /**
         * Adds {@code condition} on {@code literal}, inlined: each literal is a shape of its own, so it must
         * be a value with value equality from a small set (an enum constant, a set of them).
         */
        <L> Read whereInline(L literal, Inline<L> condition) {
            return part(condition, literal);
        }

        /** Adds {@code condition}, which binds nothing. */
        Read where(Fixed condition) {
            return part(condition, null);
        }

        /** At most {@code rows} rows, bound. */
        Read limit(long rows) {
            return part(LIMIT, null).value(rows);
        }

        private Read part(Object function, Object literal) {
            shape.add(function);
            shape.add(literal);
            return this;
        }

        private Read value(Object value) {
            if (value == null) {
                // an absent filter is a shape without its part; no part binds NULL
                throw new IllegalStateException("DAO bug: the read " + name + " binds null");
            }
            values.add(value);
            return this;
        }

        /** The rows, each read by {@code reader}, in one statement on the unit's connection. */
        <T> List<T> fetch(Unit unit, RowReader<T> reader) {
            Rendered rendered = SQL_BY_SHAPE.get(shape);
            if (rendered == null) {
                rendered = render(unit.dsl());
            }
            try (PreparedStatement statement = unit.connection().prepareStatement(rendered.sql())) {
                int[] valueAt = rendered.valueAt();
                for (int i = 0; i < valueAt.length; i++) {
                    bind(statement, i + 1, values.get(valueAt[i]));
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

        /** As {@link #fetch}, for a read of one row by a key: none, or one; more is jOOQ's {@link TooManyRowsException}. */
        <T> Optional<T> fetchOptional(Unit unit, RowReader<T> reader) {
            List<T> rows = fetch(unit, reader);
            if (rows.size() > 1) {
                throw new TooManyRowsException("the read " + name + " returned " + rows.size() + " rows, expected at most one");
            }
            return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
        }

        /** As {@link #fetch}, for a query that returns exactly one row (a count). */
        <T> T fetchSingle(Unit unit, RowReader<T> reader) {
            List<T> rows = fetch(unit, reader);
            if (rows.size() != 1) {
                throw new IllegalStateException("expected one row from the read " + name + ", got " + rows.size());
            }
            return rows.get(0);
        }

        /**
         * Builds this call's query with a placeholder per value (the value itself, so that jOOQ renders
         * its type), renders it and finds, for each parameter of the SQL, the placeholder it came from.
         */
        private Rendered render(DSLContext dsl) {
            SelectQuery<?> query = ((From) shape.get(0)).select().getQuery();
            List<Param<?>> placeholders = new ArrayList<>(values.size());
            for (Object value : values) {
                placeholders.add(placeholder(value));
            }
            List<Condition> where = new ArrayList<>();
            int next = 0;
            for (int i = 1; i < shape.size(); i += 2) {
                Object function = shape.get(i);
                if (function instanceof On<?> on) {
                    where.add(on.on(cast(placeholders.get(next++))));
                } else if (function instanceof On2<?, ?> on) {
                    where.add(on.on(cast(placeholders.get(next++)), cast(placeholders.get(next++))));
                } else if (function instanceof Inline<?> inline) {
                    where.add(inlined(inline, shape.get(i + 1)));
                } else if (function instanceof Fixed fixed) {
                    where.add(fixed.get());
                } else if (function == LIMIT) {
                    query.addLimit(cast(placeholders.get(next++)));
                } else {
                    throw new IllegalStateException("DAO bug: the read " + name + " has a part of no known kind");
                }
            }
            query.addConditions(where);
            String sql = dsl.render(query);
            RENDERS.increment();
            int[] valueAt = positions(query, placeholders, "the read " + name);
            Rendered rendered = new Rendered(sql, valueAt);
            if (SQL_BY_SHAPE.size() >= MAX_SHAPES) {
                SQL_BY_SHAPE.clear();
            }
            SQL_BY_SHAPE.put(new ArrayList<>(shape), rendered);
            return rendered;
        }
    }

    /**
     * For each bind parameter of {@code query}, in order, the index of the placeholder it is. jOOQ lists
     * every occurrence of a parameter, inlined literals included, in the order it renders them.
     * {@code statement} names the read or write for messages ("the read contacts.get"), never a value.
     */
    static int[] positions(Query query, List<Param<?>> placeholders, String statement) {
        List<Integer> positions = new ArrayList<>();
        boolean[] used = new boolean[placeholders.size()];
        for (Param<?> param : query.getParams().values()) {
            if (param.isInline()) {
                continue;
            }
            int index = indexOf(placeholders, param);
            if (index < 0) {
                throw new IllegalStateException("DAO bug: " + statement + " binds a value none of its parts supplied");
            }
            used[index] = true;
            positions.add(index);
        }
        for (int i = 0; i < used.length; i++) {
            if (!used[i]) {
                throw new IllegalStateException("DAO bug: " + statement + " never uses its value " + (i + 1));
            }
        }
        if (positions.size() != query.getBindValues().size()) {
            throw new IllegalStateException("DAO bug: " + statement + " has parameters jOOQ did not list");
        }
        return positions.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * A parameter for {@code value}, of the type jOOQ infers from it; a time as {@code timestamp(6) with
     * time zone}, the type of every timestamptz column, so the SQL reads as a comparison with the column
     * renders it.
     */
    static Param<?> placeholder(Object value) {
        return value instanceof OffsetDateTime time ? DSL.val(time, SQLDataType.TIMESTAMPWITHTIMEZONE(6)) : DSL.val(value);
    }

    private static int indexOf(List<Param<?>> placeholders, Param<?> param) {
        for (int i = 0; i < placeholders.size(); i++) {
            if (placeholders.get(i) == param) {
                return i;
            }
        }
        return -1;
    }

    @SuppressWarnings("unchecked")
    static <T> Field<T> cast(Param<?> placeholder) {
        return (Field<T>) placeholder;
    }

    @SuppressWarnings("unchecked")
    private static <L> Condition inlined(Inline<L> condition, Object literal) {
        return condition.on((L) literal);
    }

    /**
     * Binds {@code value} as jOOQ would: the rendered SQL casts every parameter to its column's type
     * ({@code cast(? as uuid)}, {@code cast(? as "public"."lead_score_type")}, …), so text is enough for
     * enums and JSON.
     */
    static void bind(PreparedStatement statement, int index, Object value) throws SQLException {
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
            throw new IllegalStateException("DAO bug: no binding for a " + value.getClass().getSimpleName());
        }
    }
}
