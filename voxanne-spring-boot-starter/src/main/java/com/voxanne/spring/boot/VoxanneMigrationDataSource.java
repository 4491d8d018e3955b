package com.voxanne.spring.boot;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.beans.factory.annotation.Qualifier;

/**
 * Qualifies the {@code DataSource} that migrates the schema at start-up ({@code voxanne.migrate.enabled})
 * and that the health indicator verifies with: connections as a role allowed to migrate (a superuser on
 * plain PostgreSQL, {@code postgres} on Supabase), never the application's login role. Declare it with
 * {@code @Bean(defaultCandidate = false)} so that it neither replaces Spring Boot's own
 * {@code DataSource} nor is injected where a plain {@code DataSource} is asked for:
 *
 * <pre>{@code
 * @Bean(defaultCandidate = false)
 * @VoxanneMigrationDataSource
 * DataSource voxanneMigrationDataSource() { ... }
 * }</pre>
 */
@Target({ElementType.FIELD, ElementType.METHOD, ElementType.PARAMETER, ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Qualifier
public @interface VoxanneMigrationDataSource {
}
