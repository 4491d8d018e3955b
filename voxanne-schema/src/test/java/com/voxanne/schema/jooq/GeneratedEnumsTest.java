package com.voxanne.schema.jooq;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.schema.jooq.enums.OrganizationStatus;
import com.voxanne.schema.jsonb.NotificationChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.jooq.EnumType;
import org.jooq.Record2;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/** The Java enums say exactly what the database allows: the generated ones and the hand-written channel. */
class GeneratedEnumsTest {

    @AutoClose
    private final MigratedDsl db = new MigratedDsl();

    @Test
    void everyPgEnumHasAJavaEnumWithTheSameLiteralsInOrder() throws Exception {
        Map<String, List<String>> postgres = db.dsl.resultQuery(
                        "select t.typname::text, array_agg(e.enumlabel::text order by e.enumsortorder)"
                                + " from pg_catalog.pg_enum e"
                                + " join pg_catalog.pg_type t on t.oid = e.enumtypid"
                                + " join pg_catalog.pg_namespace n on n.oid = t.typnamespace"
                                + " where n.nspname = 'public' group by t.typname")
                .coerce(DSL.field("name", String.class), DSL.field("labels", String[].class))
                .fetch()
                .stream()
                .collect(Collectors.toMap(Record2::value1, r -> List.of(r.value2()), (a, b) -> a, TreeMap::new));

        Map<String, List<String>> java = new TreeMap<>();
        for (Class<? extends EnumType> type : generatedEnums()) {
            EnumType[] constants = type.getEnumConstants();
            java.put(constants[0].getName(), Arrays.stream(constants).map(EnumType::getLiteral).collect(Collectors.toList()));
        }

        assertThat(postgres).isNotEmpty();
        assertThat(java).isEqualTo(postgres);
    }

    @Test
    void notificationChannelIsExactlyWhatTheCheckConstraintAllows() {
        // The constraint's text, as PostgreSQL prints it: ... channels <@ '["in_app", "email", "sms", "push"]'::jsonb
        String definition = db.dsl.resultQuery("select pg_get_constraintdef(oid) from pg_catalog.pg_constraint"
                + " where conrelid = 'public.notifications'::regclass and conname = 'ck_notifications_channels'")
                .fetchSingle(0, String.class);
        List<String> allowed = Pattern.compile("\"([a-z_]+)\"").matcher(definition).results()
                .map(m -> m.group(1)).collect(Collectors.toList());

        assertThat(Arrays.stream(NotificationChannel.values()).map(NotificationChannel::literal))
                .containsExactlyElementsOf(allowed);
    }

    /** The classes of the generated enums package; the tests run from target/classes, a directory. */
    private static List<Class<? extends EnumType>> generatedEnums() throws Exception {
        String pkg = OrganizationStatus.class.getPackageName();
        Path dir = Path.of(OrganizationStatus.class.getResource("").toURI());
        List<String> classFiles;
        try (Stream<Path> files = Files.list(dir)) {
            classFiles = files.map(f -> f.getFileName().toString())
                    .filter(n -> n.endsWith(".class") && !n.contains("$"))
                    .collect(Collectors.toList());
        }
        List<Class<? extends EnumType>> types = new ArrayList<>();
        for (String file : classFiles) {
            String name = pkg + "." + file.substring(0, file.length() - ".class".length());
            types.add(Class.forName(name).asSubclass(EnumType.class));
        }
        return types;
    }
}
