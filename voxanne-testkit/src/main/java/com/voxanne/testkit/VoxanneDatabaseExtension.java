package com.voxanne.testkit;

import com.voxanne.testkit.internal.DatabaseSettings;
import com.voxanne.testkit.internal.ExtensionSupport;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The JUnit Jupiter extension behind {@link VoxannePostgres}. It injects, into test and lifecycle method
 * parameters (and constructors, with the per-class scope):
 * <table>
 *   <caption>Injected parameters</caption>
 *   <tr><th>parameter</th><th>what</th></tr>
 *   <tr><td>{@code DataSource}</td><td>connections as the login role: not superuser, not BYPASSRLS,
 *       NOINHERIT, a member of {@code anon}, {@code authenticated} and {@code service_role}</td></tr>
 *   <tr><td>{@code DSLContext}</td><td>jOOQ over that data source</td></tr>
 *   <tr><td>{@code @Admin DataSource}, {@code @Admin DSLContext}</td><td>the same as the admin role, for
 *       setup</td></tr>
 *   <tr><td>{@link Tenants}</td><td>organizations, users, and acting as them</td></tr>
 *   <tr><td>{@code TestDatabase}</td><td>the database itself (name, JDBC URL, server)</td></tr>
 * </table>
 *
 * <p>Register it with {@link VoxannePostgres}, or programmatically when the configuration is computed:
 * <pre>{@code
 * @RegisterExtension
 * static VoxanneDatabaseExtension db = VoxanneDatabaseExtension.builder()
 *         .migrations("classpath:db/migration")
 *         .scope(DatabaseScope.PER_METHOD)
 *         .build();
 * }</pre>
 *
 * <p>The database is created when a parameter first needs it and dropped when its scope ends. Its
 * template is prepared once per JVM for each distinct configuration.
 */
public final class VoxanneDatabaseExtension implements ParameterResolver {

    /** Flyway's default history table, used for the consumer's migrations unless configured otherwise. */
    public static final String DEFAULT_HISTORY_TABLE = "flyway_schema_history";

    /** Null when registered by {@link VoxannePostgres}: the annotation then says what to do. */
    private final DatabaseSettings settings;

    /**
     * The extension as {@link VoxannePostgres} registers it, configured by that annotation on the test
     * class (or an enclosing class); prefer {@link #builder()} for programmatic registration.
     */
    public VoxanneDatabaseExtension() {
        this.settings = null;
    }

    private VoxanneDatabaseExtension(DatabaseSettings settings) {
        this.settings = settings;
    }

    /** Starts a programmatic configuration (defaults: Voxanne migrations only, one database per class). */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return ExtensionSupport.supports(parameter);
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        DatabaseSettings effective = settings != null ? settings : DatabaseSettings.fromAnnotation(context.getRequiredTestClass());
        return ExtensionSupport.resolve(parameter, context, effective);
    }

    /** Configures a {@link VoxanneDatabaseExtension}. */
    public static final class Builder {
        private List<String> migrations = List.of();
        private String historyTable = DEFAULT_HISTORY_TABLE;
        private DatabaseScope scope = DatabaseScope.PER_CLASS;

        private Builder() {
        }

        /** Flyway locations of the consumer's migrations, applied after Voxanne's (see {@link VoxannePostgres#migrations()}). */
        public Builder migrations(String... locations) {
            this.migrations = List.of(locations);
            return this;
        }

        /** The Flyway history table of the consumer's migrations. */
        public Builder historyTable(String table) {
            this.historyTable = Objects.requireNonNull(table, "table");
            return this;
        }

        /** One database per test class (default) or per test method. */
        public Builder scope(DatabaseScope scope) {
            this.scope = Objects.requireNonNull(scope, "scope");
            return this;
        }

        /** The extension. */
        public VoxanneDatabaseExtension build() {
            return new VoxanneDatabaseExtension(new DatabaseSettings(migrations, historyTable, scope));
        }
    }
}
