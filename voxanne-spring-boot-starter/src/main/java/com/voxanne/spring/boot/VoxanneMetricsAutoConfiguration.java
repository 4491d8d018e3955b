package com.voxanne.spring.boot;

import com.voxanne.dao.VoxanneObserver;
import com.voxanne.dao.metrics.VoxanneMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;

/**
 * Voxanne's meters ({@link VoxanneMetrics}: {@code voxanne.operation}, {@code voxanne.unit},
 * {@code voxanne.webhook}, {@code voxanne.notification.*}) in the application's {@link MeterRegistry},
 * where Micrometer is on the class path and Spring Boot provides a registry (the actuator does). The
 * auto-configured {@code Voxanne} reports to the application's single {@link VoxanneObserver} bean, this
 * one unless the application declares its own.
 */
@AutoConfiguration(afterName = {
        "org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
        "org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration"})
@ConditionalOnClass({MeterRegistry.class, VoxanneMetrics.class})
@ConditionalOnBean(MeterRegistry.class)
public final class VoxanneMetricsAutoConfiguration {

    /** The meters, in the application's registry. */
    @Bean
    @ConditionalOnMissingBean(VoxanneObserver.class)
    VoxanneMetrics voxanneMetrics(MeterRegistry registry) {
        return VoxanneMetrics.of(registry);
    }
}
