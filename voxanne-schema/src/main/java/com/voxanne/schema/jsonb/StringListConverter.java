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

    /**
     * jsonb prints an array of strings as {@code ["botox", "filler"]}: elements separated by
     * {@code ", "}, and every quote inside a string escaped with a backslash. So in a text without a
     * backslash every quote delimits a string, and the strings are the texts between them, exactly as a
     * parser reads them. Anything else (an escape, a number, null, other spacing) is left to the parser.
     */
    @Override
    protected List<String> readCanonical(String json) {
        int last = json.length() - 1;
        if (last < 1 || json.charAt(0) != '[' || json.charAt(last) != ']' || json.indexOf('\\') >= 0) {
            return null;
        }
        List<String> strings = new ArrayList<>();
        if (last == 1) {
            return strings;
        }
        int at = 1;
        while (json.charAt(at) == '"') {
            int end = json.indexOf('"', at + 1);
            if (end < 0) {
                return null;
            }
            strings.add(json.substring(at + 1, end));
            at = end + 1;
            if (at == last) {
                return strings;
            }
            if (!json.startsWith(", ", at)) {
                return null;
            }
            at += 2;
        }
        return null;
    }

    /** Read token by token: every contact row of a list has one. */
    @Override
    protected List<String> read(JsonParser parser) throws IOException {
        return readStringArray(parser, new ArrayList<>(), (p, text) -> text);
    }
}
