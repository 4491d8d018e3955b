package com.voxanne.schema.jsonb;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.type.TypeReference;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code jsonb} array of strings ↔ {@code List<String>}, in stored order. Used for
 * {@code contacts.service_interests} (for example {@code ["botox", "filler"]}): the database only checks
 * that it is an array, so the list is free text, not an enum.
 */
public final class StringListConverter extends JsonbConverter<List<String>> {

    private static final long serialVersionUID = 1L;

    /** Called by the generated classes. */
    public StringListConverter() {
        super(new TypeReference<List<String>>() { });
    }

    /** Read token by token: every contact row of a list has one. */
    @Override
    protected List<String> read(JsonParser parser) throws IOException {
        return readStringArray(parser, new ArrayList<>(), (p, text) -> text);
    }
}
