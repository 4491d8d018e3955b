package com.voxanne.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Gives the annotated test class a PostgreSQL database migrated with the Voxanne migrations and then
 * with the {@link #migrations() consumer's own}, cloned from a template prepared once per JVM and per
 * configuration. Parameters of the types listed in {@link VoxanneDatabaseExtension} are injected.
 *
 * <p>Use this annotation or a {@code @RegisterExtension} field built with
 * {@link VoxanneDatabaseExtension#builder()}, not both: two of them would compete for the same
 * parameters.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.ANNOTATION_TYPE})
@ExtendWith(VoxanneDatabaseExtension.class)
public @interface VoxannePostgres {

    /**
     * Flyway locations of the consumer's migrations (for example {@code "classpath:db/migration"}),
     * applied after ours, as the admin role. Empty: only ours. A location that does not exist fails.
     */
    String[] migrations() default {};

    /** The Flyway history table of the consumer's migrations; ours keep {@code voxanne_schema_history}. */
    String historyTable() default VoxanneDatabaseExtension.DEFAULT_HISTORY_TABLE;

    /** One database per test class (default) or per test method. */
    DatabaseScope scope() default DatabaseScope.PER_CLASS;
}
