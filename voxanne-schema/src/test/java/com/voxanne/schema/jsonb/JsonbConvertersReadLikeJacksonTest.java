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

    /** The form jsonb prints, read without a parser, reads as binding reads it. */
    @ParameterizedTest
    @ValueSource(strings = {"[]", "[\"\"]", "[\"botox\"]", "[\"botox\", \"filler\"]", "[\"a, b\", \"[c]\", \"d]\"]",
            "[\"é ü 漢 \uD83D\uDE00\", \"\"]"})
    void jsonbsOwnFormOfAStringArrayIsReadWithoutAParserAsBindingReadsIt(String json) throws Exception {
        List<String> bound = JsonbConverter.MAPPER.readValue(json, new TypeReference<List<String>>() { });
        assertThat(new StringListConverter().readCanonical(json)).as("read without a parser").isEqualTo(bound);
        assertThat(new StringListConverter().from(JSONB.valueOf(json))).isEqualTo(bound);
    }

    /** Anything but jsonb's plain form of strings is the parser's: escapes, other values, other spacing. */
    @ParameterizedTest
    @ValueSource(strings = {"[\"a\\\"b\"]", "[\"tab\\tstop\"]", "[1]", "[\"x\", null]", "[ \"spaced\" ]", "[\"a\",\"b\"]",
            "[\"a\", ]", "[\"a\" \"b\"]", "[\"unclosed]", "[\"a\"]]", "null", "[", "\"botox\""})
    void otherFormsAreLeftToTheParser(String json) {
        assertThat(new StringListConverter().readCanonical(json)).isNull();
    }

    /** Random strings printed as jsonb prints them read the same with and without a parser. */
    @org.junit.jupiter.api.Test
    void randomArraysInJsonbsFormReadAsBindingReadsThem() throws Exception {
        java.util.Random random = new java.util.Random(20261206L);
        String alphabet = "ab \",[]\\:{}é漢\n\t0";
        for (int i = 0; i < 2_000; i++) {
            List<String> strings = new java.util.ArrayList<>();
            for (int n = random.nextInt(4); n > 0; n--) {
                StringBuilder text = new StringBuilder();
                for (int k = random.nextInt(6); k > 0; k--) {
                    text.append(alphabet.charAt(random.nextInt(alphabet.length())));
                }
                strings.add(text.toString());
            }
            StringBuilder json = new StringBuilder("[");
            for (String string : strings) {
                json.append(json.length() == 1 ? "" : ", ").append(JsonbConverter.MAPPER.writeValueAsString(string));
            }
            String printed = json.append(']').toString();
            assertThat(new StringListConverter().from(JSONB.valueOf(printed))).as(printed).isEqualTo(strings);
        }
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
