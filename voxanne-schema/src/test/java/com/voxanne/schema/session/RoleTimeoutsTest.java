package com.voxanne.schema.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The per-role timeouts: the defaults, copies, and what the binding is given to send. */
class RoleTimeoutsTest {

    @Test
    void theDefaultsPerRole() {
        RoleTimeouts defaults = RoleTimeouts.defaults();
        assertThat(defaults.statementTimeout(ApiRole.AUTHENTICATED)).isEqualTo(Duration.ofSeconds(8));
        assertThat(defaults.lockTimeout(ApiRole.AUTHENTICATED)).isEqualTo(Duration.ofSeconds(3));
        assertThat(defaults.statementTimeout(ApiRole.SERVICE_ROLE)).isEqualTo(Duration.ZERO);
        assertThat(defaults.lockTimeout(ApiRole.SERVICE_ROLE)).isEqualTo(Duration.ofSeconds(10));
        assertThat(defaults.statementTimeout(ApiRole.ANON)).isEqualTo(Duration.ofSeconds(3));
        assertThat(defaults.lockTimeout(ApiRole.ANON)).isEqualTo(Duration.ofSeconds(1));
        assertThat(defaults.statementTimeoutSetting(ApiRole.AUTHENTICATED)).isEqualTo("8000ms");
        assertThat(defaults.statementTimeoutSetting(ApiRole.SERVICE_ROLE)).as("no limit").isEqualTo("0ms");
    }

    @Test
    void aChangedCopyLeavesTheOriginalAndTheOtherRolesAlone() {
        RoleTimeouts defaults = RoleTimeouts.defaults();
        RoleTimeouts changed = defaults.withLockTimeout(ApiRole.AUTHENTICATED, Duration.ofMillis(300))
                .withStatementTimeout(ApiRole.SERVICE_ROLE, Duration.ofMinutes(5));
        assertThat(changed.lockTimeout(ApiRole.AUTHENTICATED)).isEqualTo(Duration.ofMillis(300));
        assertThat(changed.lockTimeoutSetting(ApiRole.AUTHENTICATED)).isEqualTo("300ms");
        assertThat(changed.statementTimeout(ApiRole.AUTHENTICATED)).isEqualTo(Duration.ofSeconds(8));
        assertThat(changed.statementTimeoutSetting(ApiRole.SERVICE_ROLE)).isEqualTo("300000ms");
        assertThat(changed.statementTimeout(ApiRole.ANON)).isEqualTo(Duration.ofSeconds(3));
        assertThat(defaults).isEqualTo(RoleTimeouts.defaults()).isNotEqualTo(changed);
        assertThat(defaults.lockTimeout(ApiRole.AUTHENTICATED)).isEqualTo(Duration.ofSeconds(3));
        assertThat(changed).isEqualTo(RoleTimeouts.defaults().withStatementTimeout(ApiRole.SERVICE_ROLE, Duration.ofMinutes(5))
                .withLockTimeout(ApiRole.AUTHENTICATED, Duration.ofMillis(300)))
                .hasSameHashCodeAs(defaults.withLockTimeout(ApiRole.AUTHENTICATED, Duration.ofMillis(300))
                        .withStatementTimeout(ApiRole.SERVICE_ROLE, Duration.ofMinutes(5)));
        assertThat(changed.toString()).contains("authenticated: statement 8000 ms, lock 300 ms",
                "service_role: statement 300000 ms, lock 10000 ms");
    }

    /** Rounding would turn a sub-millisecond timeout into 0, which PostgreSQL reads as "no limit". */
    @Test
    void anythingButZeroOrWholeMillisecondsInPostgresqlsRangeIsRefused() {
        RoleTimeouts defaults = RoleTimeouts.defaults();
        for (Duration garbage : List.of(Duration.ofMillis(-1), Duration.ofNanos(-1), Duration.ofNanos(1), Duration.ofNanos(999_999),
                Duration.ofNanos(1_000_001), Duration.ofMillis(RoleTimeouts.MAX_MILLIS + 1), Duration.ofSeconds(Long.MAX_VALUE))) {
            assertThatThrownBy(() -> defaults.withStatementTimeout(ApiRole.AUTHENTICATED, garbage)).as("%s", garbage)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("whole number of milliseconds");
            assertThatThrownBy(() -> defaults.withLockTimeout(ApiRole.ANON, garbage)).as("%s", garbage)
                    .isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> defaults.withLockTimeout(ApiRole.ANON, null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> defaults.withLockTimeout(null, Duration.ZERO)).isInstanceOf(NullPointerException.class);
        assertThat(defaults.withLockTimeout(ApiRole.ANON, Duration.ofMillis(RoleTimeouts.MAX_MILLIS)).lockTimeoutSetting(ApiRole.ANON))
                .isEqualTo("2147483647ms");
        assertThat(defaults.withLockTimeout(ApiRole.ANON, Duration.ZERO).lockTimeoutSetting(ApiRole.ANON)).isEqualTo("0ms");
        assertThat(defaults.withLockTimeout(ApiRole.ANON, Duration.ofMillis(1)).lockTimeoutSetting(ApiRole.ANON)).isEqualTo("1ms");
    }

    /** The binding's text never carries a value: every Voxanne, however configured, shares one statement text. */
    @Test
    void theBindingsTextHasOnlyParametersForWhatVaries() {
        assertThat(RequestBinding.BIND_SQL.chars().filter(c -> c == '?').count()).isEqualTo(RequestBinding.PARAMETER_COUNT);
        assertThat(RequestBinding.BIND_SQL).contains("set_config('statement_timeout', ?, true)",
                "set_config('lock_timeout', ?, true)");
        for (String legacy : List.of("request.jwt.claim", "request.jwt.claim.sub", "request.jwt.claim.role",
                "request.jwt.claim.email", "request.jwt.claim.app_metadata")) {
            assertThat(RequestBinding.BIND_SQL).contains("set_config('" + legacy + "', '', true)");
        }
        assertThat(RequestBinding.BIND_SQL).doesNotContain(", false)");
    }
}
