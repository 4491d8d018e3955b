package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.schema.jsonb.NotificationChannel;
import com.voxanne.testkit.Admin;
import com.voxanne.testkit.VoxannePostgres;
import java.util.Arrays;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.jooq.DSLContext;
import org.junit.jupiter.api.Test;

/**
 * The enums written by hand (ADR 0012) name exactly the values their check constraint allows: a value
 * added to a constraint by a migration and not to its enum (or the reverse) fails here.
 */
@VoxannePostgres
class HandWrittenEnumsTest {

    /** A quoted word in a constraint's definition: {@code 'botox'} or, inside a JSON literal, {@code "sms"}. */
    private static final Pattern QUOTED = Pattern.compile("['\"]([a-z_]+)['\"]");

    @Test
    void serviceTypeIsWhatTheAppointmentsConstraintAllows(@Admin DSLContext admin) {
        assertThat(literals(ServiceType.values(), ServiceType::literal))
                .isEqualTo(allowedBy(admin, "appointments", "ck_appointments_service_type"));
    }

    @Test
    void relatedEntityTypeIsWhatTheNotificationsConstraintAllows(@Admin DSLContext admin) {
        assertThat(literals(RelatedEntityType.values(), RelatedEntityType::literal))
                .isEqualTo(allowedBy(admin, "notifications", "ck_notifications_related_entity_type"));
    }

    @Test
    void notificationChannelIsWhatTheChannelsConstraintAllows(@Admin DSLContext admin) {
        assertThat(literals(NotificationChannel.values(), NotificationChannel::literal))
                .isEqualTo(allowedBy(admin, "notifications", "ck_notifications_channels")
                        .stream().filter(word -> !word.equals("array")).collect(Collectors.toSet()));
    }

    private static <E> Set<String> literals(E[] constants, Function<E, String> literal) {
        return Arrays.stream(constants).map(literal).collect(Collectors.toSet());
    }

    private static Set<String> allowedBy(DSLContext admin, String table, String constraint) {
        String definition = admin.fetchSingle("select pg_get_constraintdef(oid) from pg_constraint"
                + " where conrelid = ?::regclass and conname = ?", "public." + table, constraint).get(0, String.class);
        Matcher words = QUOTED.matcher(definition);
        return words.results().map(m -> m.group(1)).collect(Collectors.toSet());
    }
}
