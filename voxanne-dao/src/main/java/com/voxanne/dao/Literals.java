package com.voxanne.dao;

import com.voxanne.schema.jsonb.NotificationChannel;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Collectors;
import org.jooq.EnumType;

/**
 * Reads the enums of the DAO's API from text, for callers that receive them as text (a voice agent's tool
 * call, a query parameter), all the same way: by the value the database stores, case and surrounding
 * blanks ignored, and anything else refused with an {@link InvalidInputException} naming the field and
 * the allowed values (never the text given, which may be anything a caller said).
 *
 * <p>Two kinds of enum, one behaviour: the database's enum types are the generated classes of
 * {@code com.voxanne.schema.jooq.enums} ({@code LeadStatusType}, {@code LeadScoreType},
 * {@code AppointmentStatus}, {@code NotificationType}, {@code NotificationPriority},
 * {@code NotificationStatus}, {@code OrganizationStatus}), regenerated with the schema, so they and the
 * database never disagree; values a check constraint allows on a text column are written by hand
 * ({@link ServiceType}, {@link RelatedEntityType}, {@link NotificationChannel}).
 */
public final class Literals {

    private Literals() {
    }

    /**
     * The constant of {@code type} whose database value is {@code text}, case and surrounding blanks
     * ignored: {@code parse(AppointmentStatus.class, "status", " No_Show ")} is {@code NO_SHOW}.
     *
     * @param type  a generated enum of {@code com.voxanne.schema.jooq.enums}, {@link ServiceType},
     *              {@link RelatedEntityType} or {@link NotificationChannel}
     * @param field the name the refusal gives the value, for example {@code leadStatus}
     * @throws InvalidInputException ({@code field}) when {@code text} is null, blank or none of the values,
     *                               naming them all
     * @throws IllegalArgumentException when {@code type} is none of the enums above (a programming error)
     */
    public static <E extends Enum<E>> E parse(Class<E> type, String field, String text) {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(field, "field");
        E[] constants = type.getEnumConstants();
        String wanted = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        for (E constant : constants) {
            if (literal(constant).toLowerCase(Locale.ROOT).equals(wanted)) {
                return constant;
            }
        }
        throw new InvalidInputException(field, "must be one of "
                + Arrays.stream(constants).map(Literals::literal).collect(Collectors.joining(", ")));
    }

    /** The value the database stores for {@code constant}. */
    private static String literal(Enum<?> constant) {
        if (constant instanceof EnumType generated) {
            return generated.getLiteral();
        }
        if (constant instanceof ServiceType service) {
            return service.literal();
        }
        if (constant instanceof RelatedEntityType related) {
            return related.literal();
        }
        if (constant instanceof NotificationChannel channel) {
            return channel.literal();
        }
        throw new IllegalArgumentException(constant.getDeclaringClass().getSimpleName()
                + " is not stored in the database: Literals reads the enums of database values only");
    }
}
