package com.voxanne.schema.internal;

import java.util.ArrayList;
import java.util.List;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/**
 * Keeps jOOQ's logo and "tip of the day" out of the output of whoever runs {@code verify} (an
 * application's log, the {@code voxanne} command's terminal).
 *
 * <p>jOOQ 3.19 logs both at INFO once per class loader, when the class that renders SQL initializes,
 * unless the system properties {@code org.jooq.no-logo} / {@code org.jooq.no-tips} are {@code true} at
 * that moment; no {@link org.jooq.conf.Settings} switch exists. So the properties are set only for the
 * instant it takes to initialize that class, by rendering a trivial query, and then removed: the
 * application's system properties stay as they were. voxanne-dao does the same for its units.
 */
final class JooqBanner {

    private static final String[] PROPERTIES = {"org.jooq.no-logo", "org.jooq.no-tips"};

    /** Holder idiom: the class initializes once, whichever thread comes first, the others wait. */
    private static final boolean SILENCED = silenceOnce();

    private JooqBanner() {
    }

    /** Makes sure jOOQ has initialized without its banner; false when a security manager refused the properties. */
    static boolean silence() {
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
