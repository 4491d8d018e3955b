package com.voxanne.testkit.internal;

import com.voxanne.schema.ServiceMigrations;
import com.voxanne.schema.VoxanneSchema;
import com.voxanne.testkit.DatabaseScope;
import com.voxanne.testkit.VoxannePostgres;
import com.voxanne.testkit.postgres.TestDatabase;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import javax.sql.DataSource;
import org.junit.jupiter.api.extension.ExtensionConfigurationException;
import org.junit.platform.commons.support.AnnotationSupport;

/**
 * One configuration of the extension. Equal settings share a database within a scope; settings with the
 * same migrations share a template for the whole JVM (the scope does not change what is in it).
 *
 * @param migrations the consumer's Flyway locations, applied after ours
 * @param historyTable the consumer's Flyway history table
 * @param scope how long one database lives
 */
public record DatabaseSettings(List<String> migrations, String historyTable, DatabaseScope scope) {

    /** Validates and copies. */
    public DatabaseSettings {
        migrations = List.copyOf(migrations);
        Objects.requireNonNull(historyTable, "historyTable");
        Objects.requireNonNull(scope, "scope");
        if (historyTable.equals(VoxanneSchema.HISTORY_TABLE)) {
            throw new IllegalArgumentException("the consumer's migrations need a history table of their own, not "
                    + VoxanneSchema.HISTORY_TABLE);
        }
        if (!migrations.isEmpty()) {
            // the same rules as production's: a plain identifier, at least one non-blank location
            serviceMigrations(migrations, historyTable);
        }
    }

    private static ServiceMigrations serviceMigrations(List<String> migrations, String historyTable) {
        return new ServiceMigrations(historyTable, migrations);
    }

    /** The settings of the {@link VoxannePostgres} on {@code testClass} or, for a nested class, around it. */
    public static DatabaseSettings fromAnnotation(Class<?> testClass) {
        for (Class<?> c = testClass; c != null; c = c.getEnclosingClass()) {
            Optional<VoxannePostgres> found = AnnotationSupport.findAnnotation(c, VoxannePostgres.class);
            if (found.isPresent()) {
                VoxannePostgres a = found.get();
                return new DatabaseSettings(List.of(a.migrations()), a.historyTable(), a.scope());
            }
        }
        throw new ExtensionConfigurationException("VoxanneDatabaseExtension on " + testClass.getName()
                + " has no configuration: annotate the class with @VoxannePostgres, or register the extension with"
                + " @RegisterExtension static VoxanneDatabaseExtension db = VoxanneDatabaseExtension.builder().build()");
    }

    /**
     * The template's name on the shared server: the same for every class with these migrations, so that
     * they are applied once per JVM, and different for different migrations.
     */
    String templateName() {
        if (migrations.isEmpty()) {
            return "voxanne";
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((String.join("\n", migrations) + "\n" + historyTable).getBytes(StandardCharsets.UTF_8));
            return "voxanne_" + HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    /**
     * Fills a template: our migrations and then the consumer's, through {@link VoxanneSchema} as a service
     * migrates in production (its own history table, baseline 0 beside our schema, a missing location
     * fails, the history table hidden from the API roles); then the login role's API roles.
     */
    void prepare(TestDatabase template) throws SQLException {
        DataSource admin = template.adminDataSource();
        VoxanneSchema.Configuration schema = VoxanneSchema.configure().dataSource(admin);
        if (!migrations.isEmpty()) {
            schema.serviceMigrations(serviceMigrations(migrations, historyTable));
        }
        schema.load().migrate();
        // Like Supabase's authenticator, the login role may switch to the API roles (and, being NOINHERIT,
        // has their rights only after switching). Roles are cluster-wide, so granting again is harmless.
        // The role name was validated as a plain lower-case identifier by TestPostgresConfig.
        try (Connection c = admin.getConnection(); Statement s = c.createStatement()) {
            s.execute("grant anon, authenticated, service_role to \"" + template.server().loginRole() + "\"");
        }
    }
}
