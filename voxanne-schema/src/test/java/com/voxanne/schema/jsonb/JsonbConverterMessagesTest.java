package com.voxanne.schema.jsonb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.core.type.TypeReference;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Set;
import org.jooq.JSONB;
import org.jooq.exception.DataTypeException;
import org.junit.jupiter.api.Test;

/**
 * A jsonb value that does not read as its Java type fails with the type and the place, not with the value:
 * Jackson's own message quotes it, and a jsonb column may hold a patient's data.
 */
class JsonbConverterMessagesTest {

    private static final String EMAIL = "canary7431@example.org";
    private static final JSONB NOT_A_CHANNEL = JSONB.valueOf("[\"" + EMAIL + "\"]");

    @Test
    void jacksonAloneQuotesTheValue() {
        Throwable raw = catchThrowable(() -> JsonbConverter.MAPPER.readValue(NOT_A_CHANNEL.data(),
                new TypeReference<Set<NotificationChannel>>() { }));
        assertThat(raw).isNotNull();
        assertThat(raw.getMessage()).contains(EMAIL);
    }

    @Test
    void theConverterNamesTheTypeAndThePlaceButNotTheValue() {
        Throwable failure = catchThrowable(() -> new NotificationChannelSetConverter().from(NOT_A_CHANNEL));

        assertThat(failure).isInstanceOf(DataTypeException.class);
        assertThat(failure.getMessage()).contains("jsonb is not a valid", "NotificationChannel", "line 1, column");
        StringWriter trace = new StringWriter();
        failure.printStackTrace(new PrintWriter(trace));
        assertThat(trace.toString()).contains("com.fasterxml.jackson").doesNotContain(EMAIL).doesNotContain("canary7431");
    }
}
