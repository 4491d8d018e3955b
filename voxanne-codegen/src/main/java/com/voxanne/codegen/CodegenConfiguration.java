package com.voxanne.codegen;

import java.nio.file.Path;
import java.util.List;
import org.jooq.codegen.JavaGenerator;
import org.jooq.meta.jaxb.Configuration;
import org.jooq.meta.jaxb.Database;
import org.jooq.meta.jaxb.ForcedType;
import org.jooq.meta.jaxb.Generate;
import org.jooq.meta.jaxb.GeneratedSerialVersionUID;
import org.jooq.meta.jaxb.GeneratedTextBlocks;
import org.jooq.meta.jaxb.Generator;
import org.jooq.meta.jaxb.Logging;
import org.jooq.meta.jaxb.MatcherRule;
import org.jooq.meta.jaxb.MatcherTransformType;
import org.jooq.meta.jaxb.Matchers;
import org.jooq.meta.jaxb.MatchersEnumType;
import org.jooq.meta.jaxb.OnError;
import org.jooq.meta.jaxb.SchemaMappingType;
import org.jooq.meta.jaxb.Strategy;
import org.jooq.meta.jaxb.Target;

/**
 * What jOOQ generates, and how. The reasons are in {@code docs/adr/0003-jooq-codegen-and-jsonb-types.md};
 * in short: schema {@code public} only, nothing internal, jsonb as useful Java types, and output that is
 * byte-identical on every machine and every run.
 */
final class CodegenConfiguration {

    /** The package of the generated classes, in voxanne-schema. */
    static final String PACKAGE = "com.voxanne.schema.jooq";

    private static final String CONVERTERS = "com.voxanne.schema.jsonb.";

    /**
     * Objects of schema public that are not for consumers: Flyway's history table; the report the
     * migrations write for {@code VoxanneSchema.verify()} (with its sequence); the record of what the
     * security migration changed outside its own objects, read only by its rollback; and two helpers of the
     * schema's own SQL: the range function of the no-double-booking constraint (a tstzrange, which jOOQ's
     * open-source edition cannot type) and the caller check of the SECURITY DEFINER functions.
     */
    static final List<String> EXCLUDED = List.of(
            "voxanne_schema_history",
            "voxanne_migration_report",
            "voxanne_migration_report_id_seq",
            "voxanne_security_baseline",
            "appointment_time_range",
            "is_service_role_caller");

    private CodegenConfiguration() {
    }

    static Configuration of(Path outputDirectory) {
        return new Configuration()
                .withLogging(Logging.WARN)
                // A forced type or exclusion that matches nothing is a mistake (a renamed column): fail.
                .withOnUnused(OnError.FAIL)
                .withGenerator(new Generator()
                        .withName(JavaGenerator.class.getName())
                        .withDatabase(database())
                        .withStrategy(new Strategy().withMatchers(new Matchers().withEnums(new MatchersEnumType()
                                .withExpression(".*")
                                // The default class name, spelled out: jOOQ 3.19 applies the literal rule only
                                // when a class rule matches.
                                .withEnumClass(rule(MatcherTransformType.PASCAL))
                                // Constants in Java style: hot_lead -> HOT_LEAD (getLiteral() stays "hot_lead").
                                .withEnumLiteral(rule(MatcherTransformType.UPPER)))))
                        .withGenerate(generate())
                        .withTarget(new Target()
                                .withPackageName(PACKAGE)
                                .withDirectory(outputDirectory.toString())
                                .withEncoding("UTF-8")
                                // Names are upper-cased with this locale, not the machine's (Turkish 'i').
                                .withLocale("en")
                                // Removes files of dropped objects.
                                .withClean(true)));
    }

    private static MatcherRule rule(MatcherTransformType transform) {
        return new MatcherRule().withTransform(transform).withExpression("$0");
    }

    private static Database database() {
        return new Database()
                .withName("org.jooq.meta.postgres.PostgresDatabase")
                // Not auth (Supabase owns it; our shim imitates only a few columns), not extensions (theirs).
                .withSchemata(new SchemaMappingType().withInputSchema("public"))
                .withIncludes(".*")
                .withExcludes(String.join("|", EXCLUDED))
                // set_updated_at(), prevent_org_id_change(), ... cannot be called; they only run as triggers.
                .withIncludeTriggerRoutines(false)
                // Sequences behind serial columns too (audit_logs_id_seq): today the only ones there are.
                .withIncludeSystemSequences(true)
                .withForcedTypes(
                        jsonb("public\\.contacts\\.service_interests",
                                "java.util.List<java.lang.String>", "StringListConverter"),
                        jsonb("public\\.notifications\\.channels|public\\.create_notification\\.p_channels",
                                "java.util.Set<com.voxanne.schema.jsonb.NotificationChannel>",
                                "NotificationChannelSetConverter"),
                        // Every other jsonb (audit row data, webhook payloads): a tree. Listed last: the first
                        // forced type that matches wins.
                        jsonb(".*", "com.fasterxml.jackson.databind.JsonNode", "JsonNodeConverter"),
                        // audit_logs.client_addr: read as text ("203.0.113.7"). Only the column default writes it.
                        new ForcedType().withIncludeTypes("inet").withIncludeExpression(".*").withName("VARCHAR"));
    }

    private static ForcedType jsonb(String columnsOrParameters, String userType, String converter) {
        return new ForcedType()
                .withIncludeTypes("jsonb")
                .withIncludeExpression(columnsOrParameters)
                .withUserType(userType)
                .withConverter(CONVERTERS + converter);
    }

    private static Generate generate() {
        return new Generate()
                // Deterministic output: no @Generated with dates or versions, constant serialVersionUID,
                // fixed newline, indentation and string style whatever the JDK or OS.
                .withGeneratedAnnotation(false)
                .withGeneratedSerialVersionUID(GeneratedSerialVersionUID.CONSTANT)
                .withNewline("\n")
                .withIndentation("    ")
                .withTextBlocks(GeneratedTextBlocks.OFF)
                // The SQL text of routines and views is in the migrations; repeating it here is noise.
                .withSources(false)
                .withSourcesOnViews(false)
                .withJavaTimeTypes(true)
                .withRecords(true)
                .withPojos(false)
                .withDaos(false)
                .withKeys(true)
                .withIndexes(true)
                .withSequences(true)
                .withRoutines(true)
                .withFluentSetters(true);
    }
}
