package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.util.Locale;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/**
 * Recognisable patient data, and the check that some text holds none of it. The check compares letters
 * and digits only, lower-cased, so that every spelling of the phone number ({@code +1 212 555 7431},
 * {@code (212) 555-7431}, {@code +12125557431}) and of the name is caught whatever a message does with
 * spaces, dashes or quotes.
 */
public final class PatientMarkers {

    /** A patient's name. */
    public static final String NAME = "Zed Canary-7431";
    /** The patient's phone number in several spellings; all the same number. */
    public static final String PHONE = "+1 212 555 7431";
    public static final String PHONE_NATIONAL = "(212) 555-7431";
    public static final String PHONE_DOTS = "212.555.7431";
    public static final String PHONE_E164 = "+12125557431";
    /** The patient's e-mail address. */
    public static final String EMAIL = "canary7431@example.org";
    /** Notes about the patient. */
    public static final String NOTES = "canary-notes-7431";

    /** What no library text may contain, in the compared form (letters and digits, lower case). */
    private static final String[] FORBIDDEN = {"canary", "5557431"};

    private PatientMarkers() {
    }

    /** Whether {@code text} holds any of the markers, in any spelling. */
    public static boolean leaks(String text) {
        String compared = text.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
        for (String marker : FORBIDDEN) {
            if (compared.contains(marker)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Everything a logger could print of {@code failure}: its stack trace as {@code printStackTrace}
     * writes it (message and {@code toString} of it, of every cause and of every suppressed exception),
     * plus the next exceptions of SQL exceptions.
     */
    public static String everything(Throwable failure) {
        StringWriter out = new StringWriter();
        failure.printStackTrace(new PrintWriter(out));
        for (Throwable t = failure; t != null; t = t.getCause()) {
            out.append('\n').append(String.valueOf(t.getLocalizedMessage()));
            if (t instanceof SQLException sql) {
                for (SQLException next = sql.getNextException(); next != null; next = next.getNextException()) {
                    out.append('\n').append(everything(next));
                }
            }
        }
        return out.toString();
    }

    /** Asserts that no marker is in {@code failure}, its causes or its suppressed exceptions. */
    public static void assertClean(Throwable failure) {
        String all = everything(failure);
        assertThat(leaks(all)).as("patient data in %s", all).isFalse();
    }

    /** Asserts that no marker is in {@code text} (a toString, a log). */
    public static void assertClean(String what, String text) {
        assertThat(leaks(text)).as("patient data in %s: %s", what, text).isFalse();
    }

    /**
     * Runs {@code call}, which must fail with a {@code type} whose message names each of {@code said}
     * (the field and the rule) and holds no marker anywhere; returns the failure.
     */
    public static <T extends Throwable> T assertRefusedCleanly(ThrowingCallable call, Class<T> type, String... said) {
        Throwable thrown = catchThrowable(call);
        assertThat(thrown).as("refused").isInstanceOf(type);
        assertThat(thrown.getMessage()).as("the message says which field and which rule").isNotBlank().contains(said);
        assertClean(thrown);
        return type.cast(thrown);
    }

    /** System.err, also copied into a buffer, for what the library and its drivers log (slf4j-simple writes there). */
    public static final class CapturedErr implements AutoCloseable {
        private final PrintStream original = System.err;
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();

        public CapturedErr() {
            OutputStream tee = new OutputStream() {
                @Override
                public void write(int b) {
                    buffer.write(b);
                    original.write(b);
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    buffer.write(b, off, len);
                    original.write(b, off, len);
                }
            };
            System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
        }

        /** What was written so far. */
        public String text() {
            System.err.flush();
            return buffer.toString(StandardCharsets.UTF_8);
        }

        @Override
        public void close() {
            System.setErr(original);
        }
    }
}
