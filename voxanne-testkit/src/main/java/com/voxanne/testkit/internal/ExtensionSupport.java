package com.voxanne.testkit.internal;

import com.voxanne.testkit.Admin;
import com.voxanne.testkit.DatabaseScope;
import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.VoxanneDatabaseExtension;
import com.voxanne.testkit.postgres.TestDatabase;
import javax.sql.DataSource;
import org.jooq.DSLContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolutionException;

/**
 * What {@link VoxanneDatabaseExtension} does with a parameter. Databases live in the JUnit store of the
 * context that owns them, so JUnit drops them when that context ends, whatever registered the extension
 * and however tests are nested. Only the API of JUnit Jupiter 5.10 is used, so the kit runs on 5.10+ and 6.x.
 */
public final class ExtensionSupport {

    private static final Namespace NAMESPACE = Namespace.create(VoxanneDatabaseExtension.class);

    private ExtensionSupport() {
    }

    /** Whether the extension injects this parameter. */
    public static boolean supports(ParameterContext parameter) {
        Class<?> type = parameter.getParameter().getType();
        if (type == DataSource.class || type == DSLContext.class) {
            return true;
        }
        // @Admin only qualifies connections; an @Admin Tenants is left to other resolvers (and so fails).
        return (type == Tenants.class || type == TestDatabase.class) && !parameter.isAnnotated(Admin.class);
    }

    /** The value of a parameter that {@link #supports} accepted, from the database of its scope. */
    public static Object resolve(ParameterContext parameter, ExtensionContext context, DatabaseSettings settings) {
        DatabaseFixture fixture = owner(context, settings.scope(), parameter).getStore(NAMESPACE)
                .getOrComputeIfAbsent(settings, DatabaseFixture::create, DatabaseFixture.class);
        Class<?> type = parameter.getParameter().getType();
        boolean admin = parameter.isAnnotated(Admin.class);
        if (type == DataSource.class) {
            return admin ? fixture.adminDataSource() : fixture.loginDataSource();
        }
        if (type == DSLContext.class) {
            return admin ? fixture.adminDsl() : fixture.loginDsl();
        }
        if (type == Tenants.class) {
            return fixture.tenants();
        }
        return fixture.database();
    }

    /**
     * The context whose store holds the database: for one per class, the outermost class, so that
     * {@code @Nested} classes share their enclosing class's database as they share its set-up; for one per
     * method, the test method (or, for a parameterized test, the invocation).
     */
    private static ExtensionContext owner(ExtensionContext context, DatabaseScope scope, ParameterContext parameter) {
        if (scope == DatabaseScope.PER_METHOD) {
            if (context.getTestMethod().isEmpty()) {
                throw new ParameterResolutionException("cannot inject " + parameter.getParameter()
                        + " into " + parameter.getDeclaringExecutable() + ": with DatabaseScope.PER_METHOD each"
                        + " test method has its own database, and there is none outside a test method"
                        + " (@BeforeAll, constructors); use @BeforeEach, or DatabaseScope.PER_CLASS");
            }
            return context;
        }
        ExtensionContext owner = context;
        while (owner.getParent().isPresent() && owner.getParent().get().getTestClass().isPresent()) {
            owner = owner.getParent().get();
        }
        return owner;
    }
}
