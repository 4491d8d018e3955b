package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.schema.jooq.enums.AppointmentStatus;
import com.voxanne.schema.jooq.enums.LeadScoreType;
import com.voxanne.schema.jooq.enums.LeadStatusType;
import com.voxanne.schema.jooq.enums.NotificationPriority;
import com.voxanne.schema.jooq.enums.NotificationStatus;
import com.voxanne.schema.jooq.enums.NotificationType;
import com.voxanne.schema.jooq.enums.OrganizationStatus;
import com.voxanne.schema.jsonb.NotificationChannel;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Stream;
import org.jooq.EnumType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** Every enum of the DAO's API is read from text the same way, generated or hand-written. */
class LiteralsTest {

    /** Every enum a method or value type of the DAO's API takes or returns that the database stores. */
    static Stream<Class<? extends Enum<?>>> enumsOfTheApi() {
        return Stream.of(LeadStatusType.class, LeadScoreType.class, AppointmentStatus.class, NotificationType.class,
                NotificationPriority.class, NotificationStatus.class, OrganizationStatus.class, ServiceType.class,
                RelatedEntityType.class, NotificationChannel.class);
    }

    @ParameterizedTest
    @MethodSource("enumsOfTheApi")
    <E extends Enum<E>> void everyValueIsReadFromItsDatabaseLiteralInAnyCaseWithBlanks(Class<E> type) {
        for (E constant : type.getEnumConstants()) {
            String literal = literal(constant);
            assertThat(Literals.parse(type, "field", literal)).isEqualTo(constant);
            assertThat(Literals.parse(type, "field", "  " + literal.toUpperCase(Locale.ROOT) + "\t")).isEqualTo(constant);
        }
    }

    @ParameterizedTest
    @MethodSource("enumsOfTheApi")
    <E extends Enum<E>> void anythingElseIsInvalidInputNamingTheFieldAndEveryValueButNotTheText(Class<E> type) {
        String allowed = String.join(", ", Arrays.stream(type.getEnumConstants()).map(LiteralsTest::literal).toList());
        for (String text : new String[] {null, "", "  ", "call me at +12125550100", "NO SHOW"}) {
            assertThatThrownBy(() -> Literals.parse(type, "status", text))
                    .isInstanceOfSatisfying(InvalidInputException.class, e -> {
                        assertThat(e.field()).isEqualTo("status");
                        assertThat(e.getMessage()).isEqualTo("status: must be one of " + allowed);
                    });
        }
    }

    @Test
    void javaNamesAreNotLiterals() {
        assertThat(Literals.parse(AppointmentStatus.class, "status", "in_progress")).isEqualTo(AppointmentStatus.IN_PROGRESS);
        assertThatThrownBy(() -> Literals.parse(AppointmentStatus.class, "status", "IN-PROGRESS"))
                .isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> Literals.parse(NotificationChannel.class, "channel", "IN_APP_X"))
                .isInstanceOf(InvalidInputException.class);
    }

    @Test
    void serviceTypeOfReadsLikeEveryOtherEnum() {
        assertThat(ServiceType.of(" Botox ")).isEqualTo(ServiceType.BOTOX);
        assertThatThrownBy(() -> ServiceType.of("lip job"))
                .isInstanceOf(InvalidInputException.class)
                .hasMessage("serviceType: must be one of consultation, botox, filler, other");
    }

    @Test
    void anEnumTheDatabaseDoesNotStoreIsAProgrammingError() {
        assertThatThrownBy(() -> Literals.parse(ContactSort.class, "sort", "updated"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ContactSort");
        assertThatThrownBy(() -> Literals.parse(WebhookOutcome.class, "outcome", "processed"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static String literal(Enum<?> constant) {
        if (constant instanceof EnumType generated) {
            return generated.getLiteral();
        }
        if (constant instanceof ServiceType s) {
            return s.literal();
        }
        if (constant instanceof RelatedEntityType r) {
            return r.literal();
        }
        return ((NotificationChannel) constant).literal();
    }
}
