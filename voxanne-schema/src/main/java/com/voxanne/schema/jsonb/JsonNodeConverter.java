package com.voxanne.schema.jsonb;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * {@code jsonb} ↔ Jackson {@link JsonNode}: for jsonb whose shape the schema does not fix, such as audit
 * row data (a whole row as JSON, whatever the table) and webhook payloads. A tree keeps every key and
 * value, can be inspected or bound to a class by the caller, and never fails on an unexpected field.
 */
public final class JsonNodeConverter extends JsonbConverter<JsonNode> {

    private static final long serialVersionUID = 1L;

    /** Called by the generated classes. */
    public JsonNodeConverter() {
        super(new TypeReference<JsonNode>() { });
    }
}
