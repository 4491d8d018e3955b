package com.voxanne.spring.boot;

import com.voxanne.schema.VerifyReport;
import com.voxanne.schema.VoxanneSchema;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * UP when {@code VoxanneSchema.verify()} reports no FAIL (every migration applied, row-level security,
 * policies, grants and functions as they must be), DOWN otherwise, naming the failed items. A verification
 * is reused for {@code voxanne.health.cache-ttl}: a health probe every few seconds costs nothing after the
 * first. A verification that could not run (the database unreachable) is reported DOWN and not reused.
 */
final class VoxanneHealthIndicator implements HealthIndicator {

    private record Verified(Instant at, Health health) {
    }

    private final VoxanneSchema schema;
    private final Duration ttl;
    private final Clock clock;
    private volatile Verified last;

    VoxanneHealthIndicator(VoxanneSchema schema, Duration ttl, Clock clock) {
        this.schema = schema;
        this.ttl = ttl;
        this.clock = clock;
    }

    @Override
    public Health health() {
        Verified cached = last;
        if (fresh(cached)) {
            return cached.health();
        }
        synchronized (this) {
            cached = last;
            if (fresh(cached)) {
                return cached.health();
            }
            VerifyReport report;
            try {
                report = schema.verify();
            } catch (RuntimeException e) {
                return Health.down().withDetail("error", e.getClass().getName()).build();
            }
            Health health = of(report);
            last = new Verified(clock.instant(), health);
            return health;
        }
    }

    private boolean fresh(Verified verified) {
        return verified != null && verified.at().plus(ttl).isAfter(clock.instant());
    }

    private Health of(VerifyReport report) {
        List<VerifyReport.Check> failed = report.withStatus(VerifyReport.Status.FAIL);
        Health.Builder builder = failed.isEmpty() ? Health.up() : Health.down();
        builder.withDetail("verifiedAt", clock.instant().toString())
                .withDetail("warnings", report.withStatus(VerifyReport.Status.WARN).size());
        if (!failed.isEmpty()) {
            // item names, tables and reasons are the catalog's: no row of any clinic is read by verify
            Map<String, String> reasons = failed.stream().collect(Collectors.toMap(
                    VerifyReport.Check::item, VerifyReport.Check::reason, (a, b) -> a + "; " + b,
                    java.util.LinkedHashMap::new));
            builder.withDetail("failed", reasons);
        }
        return builder.build();
    }
}
