package com.voxanne.schema.internal;

import java.util.ArrayList;
import java.util.List;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * Keeps jOOQ's logo and "tip of the day" out of the log of the application that uses Voxanne (the DAO,
 * verify).
 *
 * <p>jOOQ 3.19 logs both at INFO (logger {@code org.jooq.Constants}) once per class loader, when the
 * class that renders SQL initializes, unless the system properties {@code org.jooq.no-logo} /
 * {@code org.jooq.no-tips} are {@code true} at that moment; nothing reads them afterwards, and no
 * {@link org.jooq.conf.Settings} or per-{@link org.jooq.Configuration} switch exists. The other ways out
 * all change what the whole application gets: setting the properties for good (they stay visible to
 * everything in the JVM), {@link org.jooq.tools.JooqLogger#globalThreshold} (hides every jOOQ message,
 * warnings included, for every jOOQ user), or the application's logging configuration (not ours to
 * edit). So the properties are set only for the instant it takes to initialize that class, by rendering
 * a trivial query, and then removed: when this returns, the system properties are as they were.
 *
 * <p>What stays decided is the banner itself, for every jOOQ user of the same class loader, the
 * application's own included; an application that wants the logo anyway says so by setting a property
 * to {@code false} (left as it is), or has already rendered a query before the DAO's first use (jOOQ has
 * printed it by then). The class is rendered through public API, not named, so a jOOQ that initializes
 * differently costs only a banner, which the DAO's tests would show.
 */
public final class JooqBanner {

    private static final String[] PROPERTIES = {"org.jooq.no-logo", "org.jooq.no-tips"};

    /** Holder idiom: the class initializes once, whichever thread comes first, the others wait. */
    private static final boolean SILENCED = silenceOnce();

    private JooqBanner() {
    }

    /**
     * Makes sure jOOQ has initialized without its banner (see the class comment); cheap after the first
     * call.
     *
     * @return false when a security manager refused the properties: the banner is cosmetic, so nothing
     *         fails for it
     */
    public static boolean silence() {
        return SILENCED;
    }

    private static boolean silenceOnce() {
        List<String> set = new ArrayList<>();
        try {
            for (String property : PROPERTIES) {
                if (System.getProperty(property) == null) {
                    System.setProperty(property, "true");
                    set.add(property);
                }
            }
            DSL.using(SQLDialect.POSTGRES).renderInlined(DSL.select(DSL.inline(1)));
            return true;
        } catch (SecurityException e) {
            return false;
        } finally {
            for (String property : set) {
                // only our own value: another value the application set meanwhile is left alone
                if ("true".equals(System.getProperty(property))) {
                    System.clearProperty(property);
                }
            }
        }
    }
}
