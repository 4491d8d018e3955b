package com.voxanne.schema.jsonb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.fasterxml.jackson.core.type.TypeReference;
import java.util.List;
import java.util.Set;
import org.jooq.JSONB;
import org.jooq.exception.DataTypeException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The converters read arrays token by token (every row of a list has one); what they read must be what
 * Jackson's data binding reads, and what binding refuses they refuse, without quoting the value.
 */
class JsonbConvertersReadLikeJacksonTest {

    @ParameterizedTest
    @ValueSource(strings = {"[]", "[\"botox\", \"filler\"]", "[\"a\\\"b\", \"\\u00e9\"]", "[1, true, 2.5]",
            "[\"x\", null]", "null", " [ \"spaced\" ] "})
    void aStringListReadsAsDataBindingReadsIt(String json) throws Exception {
        List<String> bound = JsonbConverter.MAPPER.readValue(json, new TypeReference<List<String>>() { });
        assertThat(new StringListConverter().from(JSONB.valueOf(json))).isEqualTo(bound);
    }

    @ParameterizedTest
    @ValueSource(strings = {"{\"a\": 1}", "\"botox\"", "[[\"nested\"]]", "[{\"a\": \"b\"}]", "[\"unclosed\""})
    void whatDataBindingRefusesIsRefused(String json) {
        Throwable bound = catchThrowable(() -> JsonbConverter.MAPPER.readValue(json, new TypeReference<List<String>>() { }));
        Throwable read = catchThrowable(() -> new StringListConverter().from(JSONB.valueOf(json)));
        assertThat(bound).as("data binding refuses it").isNotNull();
        assertThat(read).isInstanceOf(DataTypeException.class);
        assertThat(read.getMessage()).contains("jsonb is not a valid java.util.List<java.lang.String>")
                .doesNotContain("nested").doesNotContain("botox").doesNotContain("unclosed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"[]", "[\"sms\", \"in_app\"]", "[\"push\", \"push\", \"email\"]", "null"})
    void aChannelSetReadsAsDataBindingReadsIt(String json) throws Exception {
        Set<NotificationChannel> bound = JsonbConverter.MAPPER.readValue(json,
                new TypeReference<Set<NotificationChannel>>() { });
        Set<NotificationChannel> read = new NotificationChannelSetConverter().from(JSONB.valueOf(json));
        assertThat(read).isEqualTo(bound);
    }

    @ParameterizedTest
    @ValueSource(strings = {"[\"fax\"]", "[null]", "[1]", "{\"sms\": true}", "\"sms\""})
    void aChannelThatIsNoneIsRefused(String json) {
        Throwable read = catchThrowable(() -> new NotificationChannelSetConverter().from(JSONB.valueOf(json)));
        assertThat(read).isInstanceOf(DataTypeException.class);
        assertThat(read.getMessage()).contains("NotificationChannel", "line 1, column").doesNotContain("fax");
    }
}
