package com.voxanne.schema.jsonb;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.voxanne.schema.internal.SqlFailures;
import java.io.IOException;
import java.util.Collection;
import org.jooq.Converter;
import org.jooq.JSONB;
import org.jooq.exception.DataTypeException;

/**
 * A jOOQ converter between {@code jsonb} and a Java type, reading and writing JSON with Jackson. SQL
 * {@code NULL} is {@code null} both ways. Subclasses name the Java type; they are instantiated by the
 * generated classes, so each needs a public no-argument constructor.
 *
 * @param <U> the Java type
 */
public abstract class JsonbConverter<U> implements Converter<JSONB, U> {

    private static final long serialVersionUID = 1L;

    /** Thread-safe once configured; Jackson's defaults read and write plain JSON, which is all jsonb holds. */
    static final ObjectMapper MAPPER = JsonMapper.builder().build();

    // JavaType is serializable; jOOQ converters are Serializable because generated fields are.
    private final JavaType javaType;

    /** A converter to the type {@code type} names (generic arguments included). */
    protected JsonbConverter(TypeReference<U> type) {
        this.javaType = MAPPER.getTypeFactory().constructType(type);
    }

    @Override
    public final U from(JSONB databaseObject) {
        if (databaseObject == null) {
            return null;
        }
        U canonical = readCanonical(databaseObject.data());
        if (canonical != null) {
            return normalize(canonical);
        }
        try (JsonParser parser = MAPPER.createParser(databaseObject.data())) {
            U value = read(parser);
            return value == null ? null : normalize(value);   // jsonb 'null' reads as null
        } catch (JsonProcessingException e) {
            throw new DataTypeException("jsonb is not a valid " + javaType.toCanonical() + problem(e), SqlFailures.scrub(e));
        } catch (IOException e) {
            // a String source has no I/O: only Jackson's own failures can come here
            throw new DataTypeException("jsonb is not a valid " + javaType.toCanonical(), SqlFailures.scrub(e));
        }
    }

    /**
     * The value {@code parser} holds, before its first token; null for JSON {@code null}. Jackson's data
     * binding by default; a subclass for a type read on every row of a list may read the tokens itself,
     * which costs a fraction of binding (the DAO maps rows with these converters). A failure is a
     * {@link JsonProcessingException} with the parser's location and without the value.
     */
    protected U read(JsonParser parser) throws IOException {
        return MAPPER.readValue(parser, javaType);
    }

    /**
     * The value of {@code json} when its text is in a form simple enough to read without a parser, else
     * null, and the parser reads it. None by default. Creating a parser costs about a microsecond, which a
     * page of rows pays once per row; a subclass may read the form PostgreSQL prints for its values
     * directly, provided it reads exactly what the parser would.
     */
    protected U readCanonical(String json) {
        return null;
    }

    /**
     * The elements of the JSON array {@code parser} holds (before its first token), added to {@code into};
     * null for JSON null. Scalars read as their text, as data binding reads them into strings.
     */
    static <T, C extends Collection<T>> C readStringArray(JsonParser parser, C into, StringReader<T> element)
            throws IOException {
        JsonToken token = parser.nextToken();
        if (token == JsonToken.VALUE_NULL) {
            return null;
        }
        if (token != JsonToken.START_ARRAY) {
            throw new JsonParseException(parser, "expected an array");
        }
        while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
            if (token == null || !token.isScalarValue()) {
                throw new JsonParseException(parser, "expected a string");
            }
            into.add(element.read(parser, token == JsonToken.VALUE_NULL ? null : parser.getText()));
        }
        return into;
    }

    /** One element of a string array, from its text (null for JSON null). */
    @FunctionalInterface
    interface StringReader<T> {
        T read(JsonParser parser, String text) throws IOException;
    }

    @Override
    public final JSONB to(U userObject) {
        if (userObject == null) {
            return null;
        }
        try {
            return JSONB.valueOf(MAPPER.writeValueAsString(normalize(userObject)));
        } catch (JsonProcessingException e) {
            throw new DataTypeException("cannot write " + javaType.toCanonical() + " as jsonb" + problem(e), SqlFailures.scrub(e));
        }
    }

    /**
     * What Jackson found wrong, by its kind and place only: its message quotes the offending value
     * ({@code from String "...": not one of the values accepted}), and a jsonb column may hold a
     * patient's data; the cause keeps Jackson's stack trace, not its message.
     */
    private static String problem(JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        return " (" + e.getClass().getSimpleName()
                + (at == null || at.getLineNr() < 0 ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr()) + ")";
    }

    /**
     * A canonical form of a value read or about to be written; the value itself by default. Overridden where
     * the Java type has no defined order (sets), so that what is stored does not depend on hashing.
     */
    protected U normalize(U value) {
        return value;
    }

    @Override
    public final Class<JSONB> fromType() {
        return JSONB.class;
    }

    // The raw class of a generic type: jOOQ only needs it for type checks and casts.
    @SuppressWarnings("unchecked")
    @Override
    public final Class<U> toType() {
        return (Class<U>) javaType.getRawClass();
    }
}
