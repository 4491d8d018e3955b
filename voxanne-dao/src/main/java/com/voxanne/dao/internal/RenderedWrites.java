package com.voxanne.dao.internal;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import org.jooq.Condition;
import org.jooq.DSLContext;
import org.jooq.DataType;
import org.jooq.DeleteQuery;
import org.jooq.EnumType;
import org.jooq.Field;
import org.jooq.InsertQuery;
import org.jooq.JSONB;
import org.jooq.Param;
import org.jooq.Parameter;
import org.jooq.Query;
import org.jooq.Record;
import org.jooq.StoreQuery;
import org.jooq.Table;
import org.jooq.TableField;
import org.jooq.TableLike;
import org.jooq.UniqueKey;
import org.jooq.UpdateQuery;
import org.jooq.exception.TooManyRowsException;
import org.jooq.impl.AbstractRoutine;
import org.jooq.impl.DSL;
import org.jooq.impl.SQLDataType;

/**
 * The repositories' writes (inserts, updates, deletes, calls of the schema's functions), rendered once per
 * shape and sent with plain JDBC on the unit's bound connection, by the rule of {@link RenderedReads}
 * (docs/adr/0006-rendered-reads.md): one description gives both the SQL and the values it binds, so the
 * two cannot disagree.
 *
 * <p>A repository describes a write as a {@link Write}: the statement it starts from (an insert into, an
 * update of or a delete from a generated table, or a call of a generated routine), then each part
 * <em>with</em> the value it binds: {@code set(CONTACTS.NOTES, notes)} (the value bound as the column's
 * type, through the column's converter; {@code null} is bound as SQL NULL),
 * {@code set(CONTACTS.LAST_CONTACT_AT, when, t -> greatest(CONTACTS.LAST_CONTACT_AT, t))},
 * {@code where(id, v -> CONTACTS.ID.eq(v))}, {@code arg(P_ORG_ID, org, CreateNotification::setPOrgId)};
 * an insert may run inside a statement built {@code around} it, which binds the insert's own values only.
 * On a shape's first use each value is a typed placeholder, jOOQ renders the statement, and its parameter
 * list tells at which {@code ?} each value stands; every later call binds its own values there.
 *
 * <p>The shape is the statement's start and every part's function and column (or parameter), all compared
 * by identity: generated tables, columns, keys and parameters are constants, and the functions must be
 * lambdas or method references that capture nothing. A capturing one would still be correct but render
 * on every call; {@code RenderedWritesTest} runs the repositories' writes twice with other values and
 * fails if the second pass renders anything.
 */
final class RenderedWrites {

    /** Far more than the DAO's finite set of write shapes; a cache that still outgrows it is emptied. */
    private static final int MAX_SHAPES = 4096;

    /** Shared by every {@code Voxanne} in the JVM, as {@link RenderedReads}'s cache is (same dialect and settings). */
    private static final Map<Shape, Rendered> SQL_BY_SHAPE = new ConcurrentHashMap<>();

    /** Shapes rendered so far in this JVM. */
    private static final LongAdder RENDERS = new LongAdder();

    /** What a statement starts as. */
    private enum Start { INSERT, UPDATE, DELETE, CALL, SELECT }

    /** The parts that need no function of their own. */
    private enum Marker { SET, ON_CONFLICT_DO_NOTHING, RETURNING }

    /** A NULL bound as text (the statement casts it to the column's type where that is not text). */
    private static final Null NULL_TEXT = new Null(Types.VARCHAR);
    /** A NULL of a type PgJDBC sends as unspecified: the statement's cast (uuid, jsonb, enum, time) types it. */
    private static final Null NULL_OTHER = new Null(Types.OTHER);

    /** SQL NULL, with the JDBC type it is bound as. */
    private record Null(int sqlType) {
    }

    /** A shape's SQL and, for each {@code ?} in order, the index of the value bound there. */
    private record Rendered(String sql, int[] valueAt) {
    }

    /** A column set to an expression of one bound value. */
    @FunctionalInterface
    interface SetTo<V, T> {
        Field<T> to(Field<V> value);
    }

    /** A column set to an expression without values ({@code current_timestamp}, a literal). */
    @FunctionalInterface
    interface Fixed<T> {
        Field<T> get();
    }

    /** Gives a routine's parameter the bound value for which {@code value} stands. */
    @FunctionalInterface
    interface Arg<R, T> {
        void set(R routine, Field<T> value);
    }

    /**
     * The statement an insert is part of, built around it ({@code with created as (insert …) select …}):
     * {@code set} gives the placeholder of the value a column was set to, so the statement around binds
     * the insert's own values and no others.
     */
    @FunctionalInterface
    interface Around {
        Query around(Query insert, Values set);
    }

    /** The placeholders of an insert's values, by column. */
    interface Values {
        <T> Field<T> of(TableField<?, T> column);
    }

    /** The expression a {@code select} returns, on one bound value. */
    @FunctionalInterface
    interface Selected<A> {
        Field<?> of(Field<A> value);
    }

    /** The rows a call is selected from ({@code select routine(…) from …}), on one bound value. */
    @FunctionalInterface
    interface CallFrom<A> {
        TableLike<?> of(Field<A> value);
    }

    private RenderedWrites() {
    }

    /** How many write shapes were rendered in this JVM so far (each once while it stays cached). */
    static long renders() {
        return RENDERS.sum();
    }

    /** {@code insert into table}: {@link Write#set} gives its columns. */
    static Write insertInto(String name, Table<?> table) {
        return new Write(name, Start.INSERT, table);
    }

    /** {@code update table}. */
    static Write update(String name, Table<?> table) {
        return new Write(name, Start.UPDATE, table);
    }

    /** {@code delete from table}. */
    static Write deleteFrom(String name, Table<?> table) {
        return new Write(name, Start.DELETE, table);
    }

    /** {@code select routine(…)}: a call of a generated function, its arguments given by {@link Call#arg}. */
    static <R extends AbstractRoutine<?>> Call<R> call(String name, Supplier<R> routine) {
        return new Call<>(new Write(name, Start.CALL, routine));
    }

    /** {@code select expression}, the expression on one bound value (a function that is not generated). */
    static <A> Write select(String name, A value, Selected<A> expression) {
        Write write = new Write(name, Start.SELECT, expression);
        return write.value(write.required(value), null);
    }

    /** A call of a generated routine {@code R}: the write, typed by the routine its arguments are set on. */
    static final class Call<R> {

        private final Write write;

        private Call(Write write) {
            this.write = write;
        }

        /** Gives the routine's {@code parameter} {@code value}, bound as its type ({@code null}: SQL NULL). */
        <T> Call<R> arg(Parameter<T> parameter, T value, Arg<R, T> setter) {
            write.arg(parameter, value, setter);
            return this;
        }

        /**
         * Selects the call from the rows {@code from} gives on {@code value}, bound
         * ({@code select routine(…) from …}): a call that Citus sends whole to the worker those rows are on.
         */
        <A> Call<R> from(A value, CallFrom<A> from) {
            write.part(from, null).value(write.required(value), null);
            return this;
        }

        /** The call's one row. */
        <T> T fetchSingle(Unit unit, RenderedReads.RowReader<T> reader) {
            return write.fetchSingle(unit, reader);
        }
    }

    /**
     * A shape: slots compared by identity (the start, each part's function or marker and its column or
     * parameter), so that a cache lookup never asks a jOOQ object for its hash or equality.
     */
    private static final class Shape {

        private final Object[] slots;
        private final int hash;

        Shape(Object[] slots, int length) {
            this.slots = Arrays.copyOf(slots, length);
            int h = 1;
            for (Object slot : this.slots) {
                h = 31 * h + System.identityHashCode(slot);
            }
            this.hash = h;
        }

        @Override
        public boolean equals(Object other) {
            if (!(other instanceof Shape that) || that.hash != hash || that.slots.length != slots.length) {
                return false;
            }
            for (int i = 0; i < slots.length; i++) {
                if (slots[i] != that.slots[i]) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /**
     * One call's write: its shape (pairs of slots) and its values, in the order the parts supplied them,
     * each in the form it is bound in (a converted column's value converted, a NULL as {@link Null}); for
     * a value whose placeholder has a column's or parameter's type, that type.
     */
    static final class Write {

        private final String name;
        private Object[] shape = new Object[24];
        private int length;
        private final List<Object> values = new ArrayList<>(12);
        private final List<DataType<?>> types = new ArrayList<>(12);

        private Write(String name, Start start, Object what) {
            this.name = name;
            part(start, what);
        }

        /** Sets {@code column} to {@code value}, bound as the column's type ({@code null}: SQL NULL). */
        <T> Write set(TableField<?, T> column, T value) {
            return part(Marker.SET, column).value(converted(column.getDataType(), value), column.getDataType());
        }

        /** Sets {@code column} to {@code expression} on {@code value}, bound. */
        <V, T> Write set(TableField<?, T> column, V value, SetTo<V, T> expression) {
            return part(expression, column).value(required(value), null);
        }

        /** Sets {@code column} to {@code expression}, which binds nothing. */
        <T> Write setExpression(TableField<?, T> column, Fixed<T> expression) {
            return part(expression, column);
        }

        /** Adds {@code condition} on {@code value}, bound. */
        <A> Write where(A value, RenderedReads.On<A> condition) {
            return part(condition, null).value(required(value), null);
        }

        /** Adds {@code condition} on {@code a} and {@code b}, bound. */
        <A, B> Write where(A a, B b, RenderedReads.On2<A, B> condition) {
            return part(condition, null).value(required(a), null).value(required(b), null);
        }

        /** Adds {@code condition}, which binds nothing. */
        Write where(RenderedReads.Fixed condition) {
            return part(condition, null);
        }

        /** {@code on conflict (key's columns) do nothing}. */
        Write onConflictDoNothing(UniqueKey<?> key) {
            return part(Marker.ON_CONFLICT_DO_NOTHING, key);
        }

        /** Runs this insert inside the statement {@code around} builds, which returns what is fetched. */
        Write around(Around around) {
            return part(around, null);
        }

        /** {@code returning} every column of the table: what the DAO's records are read from. */
        Write returning() {
            return part(Marker.RETURNING, null);
        }

        private <R, T> Write arg(Parameter<T> parameter, T value, Arg<R, T> setter) {
            return part(setter, parameter).value(converted(parameter.getDataType(), value), parameter.getDataType());
        }

        private Write part(Object function, Object target) {
            if (length + 2 > shape.length) {
                shape = Arrays.copyOf(shape, shape.length * 2);
            }
            shape[length++] = function;
            shape[length++] = target;
            return this;
        }

        private Write value(Object value, DataType<?> type) {
            values.add(value);
            types.add(type);
            return this;
        }

        /** A value a condition or an expression binds: never null (no part of those binds NULL). */
        private Object required(Object value) {
            if (value == null) {
                throw new IllegalStateException("DAO bug: the write " + name + " binds null where a value is compared");
            }
            return value;
        }

        /** The rows it returns ({@code returning}, or a call's one row), each read by {@code reader}. */
        <T> List<T> fetch(Unit unit, RenderedReads.RowReader<T> reader) {
            try (PreparedStatement statement = prepare(unit)) {
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

        /** The row it returns, if any; more than one is jOOQ's {@link TooManyRowsException}. */
        <T> Optional<T> fetchOptional(Unit unit, RenderedReads.RowReader<T> reader) {
            List<T> rows = fetch(unit, reader);
            if (rows.size() > 1) {
                throw new TooManyRowsException("the write " + name + " returned " + rows.size() + " rows, expected at most one");
            }
            return rows.isEmpty() ? Optional.empty() : Optional.of(rows.get(0));
        }

        /** The one row it returns (a call's result, an insert's row). */
        <T> T fetchSingle(Unit unit, RenderedReads.RowReader<T> reader) {
            List<T> rows = fetch(unit, reader);
            if (rows.size() != 1) {
                throw new IllegalStateException("expected one row from the write " + name + ", got " + rows.size());
            }
            return rows.get(0);
        }

        /** Runs a write without {@code returning}: the number of rows it changed. */
        int execute(Unit unit) {
            try (PreparedStatement statement = prepare(unit)) {
                return statement.executeUpdate();
            } catch (SQLException e) {
                throw unit.failure(e);
            }
        }

        /** The cached SQL prepared on the unit's connection (so it carries the binding), this call's values bound. */
        private PreparedStatement prepare(Unit unit) throws SQLException {
            Rendered rendered = SQL_BY_SHAPE.get(new Shape(shape, length));
            if (rendered == null) {
                rendered = render(unit.dsl());
            }
            PreparedStatement statement = unit.connection().prepareStatement(rendered.sql());
            try {
                int[] valueAt = rendered.valueAt();
                for (int i = 0; i < valueAt.length; i++) {
                    Object value = values.get(valueAt[i]);
                    if (value instanceof Null none) {
                        statement.setNull(i + 1, none.sqlType());
                    } else {
                        RenderedReads.bind(statement, i + 1, value);
                    }
                }
                return statement;
            } catch (SQLException | RuntimeException e) {
                statement.close();
                throw e;
            }
        }

        /**
         * Builds this call's statement with a placeholder per value (of the column's or parameter's type, or
         * of the value's own), renders it and finds, for each parameter of the SQL, the value it stands for.
         */
        private Rendered render(DSLContext dsl) {
            List<Param<?>> placeholders = new ArrayList<>(values.size());
            for (int i = 0; i < values.size(); i++) {
                DataType<?> type = types.get(i);
                placeholders.add(placeholder(type, values.get(i)));
            }
            Query query = build(dsl, placeholders);
            String sql = dsl.render(query);
            RENDERS.increment();
            Rendered rendered = new Rendered(sql, RenderedReads.positions(query, placeholders, "the write " + name));
            if (SQL_BY_SHAPE.size() >= MAX_SHAPES) {
                SQL_BY_SHAPE.clear();
            }
            SQL_BY_SHAPE.put(new Shape(shape, length), rendered);
            return rendered;
        }

        @SuppressWarnings({"unchecked", "rawtypes"})
        private Query build(DSLContext dsl, List<Param<?>> placeholders) {
            Start start = (Start) shape[0];
            Object what = shape[1];
            Query query = switch (start) {
                case INSERT -> dsl.insertQuery((Table<Record>) what);
                case UPDATE -> dsl.updateQuery((Table<Record>) what);
                case DELETE -> dsl.deleteQuery((Table<Record>) what);
                case CALL, SELECT -> null;
            };
            AbstractRoutine<?> routine = start == Start.CALL ? ((Supplier<AbstractRoutine<?>>) what).get() : null;
            Field<?> selected = start == Start.SELECT
                    ? ((Selected) what).of(RenderedReads.cast(placeholders.get(0))) : null;
            int next = start == Start.SELECT ? 1 : 0;
            List<Condition> where = new ArrayList<>();
            Map<Object, Field<?>> valueOf = new IdentityHashMap<>();
            Around around = null;
            TableLike<?> callFrom = null;
            for (int i = 2; i < length; i += 2) {
                Object function = shape[i];
                Object target = shape[i + 1];
                if (function == Marker.SET) {
                    valueOf.put(target, placeholders.get(next));
                    ((StoreQuery) query).addValue((Field) target, (Field) placeholders.get(next++));
                } else if (function instanceof SetTo setTo) {
                    ((StoreQuery) query).addValue((Field) target, setTo.to(RenderedReads.cast(placeholders.get(next++))));
                } else if (function instanceof Fixed fixed) {
                    ((StoreQuery) query).addValue((Field) target, fixed.get());
                } else if (function instanceof RenderedReads.On on) {
                    where.add(on.on(RenderedReads.cast(placeholders.get(next++))));
                } else if (function instanceof RenderedReads.On2 on) {
                    where.add(on.on(RenderedReads.cast(placeholders.get(next++)), RenderedReads.cast(placeholders.get(next++))));
                } else if (function instanceof RenderedReads.Fixed fixed) {
                    where.add(fixed.get());
                } else if (function == Marker.ON_CONFLICT_DO_NOTHING) {
                    InsertQuery<?> insert = (InsertQuery<?>) query;
                    insert.onConflict(((UniqueKey<?>) target).getFields());
                    insert.onDuplicateKeyIgnore(true);
                } else if (function == Marker.RETURNING) {
                    ((StoreQuery<?>) query).setReturning();
                } else if (function instanceof Around a && start == Start.INSERT && around == null) {
                    around = a;
                } else if (function instanceof Arg arg) {
                    arg.set(routine, placeholders.get(next++));
                } else if (function instanceof CallFrom from && start == Start.CALL && callFrom == null) {
                    callFrom = from.of(RenderedReads.cast(placeholders.get(next++)));
                } else {
                    throw new IllegalStateException("DAO bug: the write " + name + " has a part of no known kind");
                }
            }
            if (!where.isEmpty()) {
                if (query instanceof UpdateQuery<?> update) {
                    update.addConditions(where);
                } else if (query instanceof DeleteQuery<?> delete) {
                    delete.addConditions(where);
                } else {
                    throw new IllegalStateException("DAO bug: the write " + name + " has a condition where none applies");
                }
            }
            if (around != null) {
                return around.around(query, new Values() {
                    @Override
                    @SuppressWarnings("unchecked")
                    public <T> Field<T> of(TableField<?, T> column) {
                        Field<?> value = valueOf.get(column);
                        if (value == null) {
                            throw new IllegalStateException("DAO bug: the write " + name + " sets no value of a column it names");
                        }
                        return (Field<T>) value;
                    }
                });
            }
            return switch (start) {
                case INSERT, UPDATE, DELETE -> query;
                case CALL -> callFrom == null ? DSL.select(routine.asField()) : DSL.select(routine.asField()).from(callFrom);
                case SELECT -> DSL.select(selected);
            };
        }
    }

    /**
     * The placeholder of a write's value: of the column's or parameter's type if it has one, else of the
     * type jOOQ infers from the value; a time in either case as {@code timestamp with time zone} without a
     * precision. Citus leaves a parameter under a precision's cast ({@code cast(? as timestamp(6) with time
     * zone)}, a call of the type's length coercion) in the text it sends a worker for an insert or update
     * whose distribution value is a parameter, and sends it no value (docs/citus.md, fact 26: 42P18 and
     * 08P01). Every timestamptz column of the schema has no precision, so the precision's cast changed
     * no stored value; the same text serves both kinds of database (measured on one server there).
     */
    private static Param<?> placeholder(DataType<?> type, Object value) {
        if (type != null) {
            return OffsetDateTime.class.equals(type.getType()) ? DSL.val(null, SQLDataType.TIMESTAMPWITHTIMEZONE) : DSL.val(null, type);
        }
        return value instanceof OffsetDateTime time ? DSL.val(time, SQLDataType.TIMESTAMPWITHTIMEZONE) : RenderedReads.placeholder(value);
    }

    /** {@code value} as the database holds it: through the column's or parameter's converter; NULL as {@link Null}. */
    private static <T> Object converted(DataType<T> type, T value) {
        if (value == null) {
            Class<?> from = type.getFromType();
            return from == String.class || from == JSONB.class || EnumType.class.isAssignableFrom(from) ? NULL_TEXT : NULL_OTHER;
        }
        return type.getConverter().to(value);
    }
}
