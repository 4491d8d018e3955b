package com.voxanne.cli;

import com.voxanne.schema.ServiceMigrations;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * A service's own migrations beside Voxanne's (a picocli mixin of {@code migrate}, {@code verify} and
 * {@code info}): {@code --service-migrations intake_schema_history=filesystem:db/intake}, repeatable.
 */
final class ServiceMigrationOptions {

    @Option(names = "--service-migrations", paramLabel = "TABLE=LOCATION[,LOCATION...]",
            converter = Converter.class,
            description = {"A service's Flyway migrations, applied after Voxanne's and recorded in the service's own "
                    + "history table TABLE in schema public (e.g. intake_schema_history=filesystem:db/intake). "
                    + "A location without a prefix is a classpath location: use filesystem: for a directory. "
                    + "Repeatable, one history table per service. verify needs no option to judge a service's "
                    + "tables; with it, verify also checks that those migrations are applied."})
    List<ServiceMigrations> services = new ArrayList<>();

    /** {@code TABLE=LOCATION[,LOCATION...]}; a bad value is bad usage (exit code 2), said before any SQL. */
    static final class Converter implements ITypeConverter<ServiceMigrations> {
        @Override
        public ServiceMigrations convert(String value) {
            int equals = value.indexOf('=');
            if (equals < 0) {
                throw new TypeConversionException("expected HISTORY_TABLE=LOCATION[,LOCATION...], e.g."
                        + " intake_schema_history=filesystem:db/intake, not '" + value + "'");
            }
            List<String> locations = value.substring(equals + 1).isEmpty() ? List.of()
                    : Arrays.asList(value.substring(equals + 1).split(",", -1));
            try {
                return new ServiceMigrations(value.substring(0, equals), locations);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }
}
