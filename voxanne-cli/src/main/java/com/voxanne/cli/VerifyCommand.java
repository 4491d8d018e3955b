package com.voxanne.cli;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.voxanne.schema.ServiceMigrations;
import com.voxanne.schema.VerifyReport;
import java.io.PrintWriter;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code voxanne verify}: the verification checklist, as a table or as JSON for monitoring. */
@Command(name = "verify", description = "Check the database against the verification checklist (read-only).")
final class VerifyCommand extends DatabaseCommand {

    @Option(names = "--json", description = "Print the report as JSON on standard output.")
    boolean json;

    @Mixin
    ServiceMigrationOptions services;

    @Override
    List<ServiceMigrations> serviceMigrations() {
        return services.services;
    }

    @Override
    ExitCode run(Database database) throws JsonProcessingException {
        VerifyReport report = schema(database).verify();
        if (json) {
            out().println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(JsonReport.of(report)));
            out().flush();
            return report.passed() ? ExitCode.OK : ExitCode.VERIFY_FAILED;
        }
        return print(report, out());
    }

    /** Prints the table and a summary line; shared with {@code migrate --verify}. */
    static ExitCode print(VerifyReport report, PrintWriter out) {
        Table table = new Table("STATUS", "CHECK", "DETAIL");
        report.checks().forEach(c -> table.row(c.status(), c.item(), c.reason()));
        table.print(out);
        out.printf("verify: %d PASS, %d WARN, %d FAIL%n", report.withStatus(VerifyReport.Status.PASS).size(),
                report.withStatus(VerifyReport.Status.WARN).size(), report.withStatus(VerifyReport.Status.FAIL).size());
        out.flush();
        return report.passed() ? ExitCode.OK : ExitCode.VERIFY_FAILED;
    }

    /** The JSON document: a stable shape for scripts, independent of how the report prints itself. */
    record JsonReport(boolean passed, List<JsonCheck> checks) {

        static JsonReport of(VerifyReport report) {
            return new JsonReport(report.passed(), report.checks().stream()
                    .map(c -> new JsonCheck(c.id().name(), c.item(), c.table(), c.status(), c.reason())).toList());
        }
    }

    /**
     * One item: {@code id} is the stable {@link com.voxanne.schema.VerifyCheck} name scripts select by;
     * {@code item} the title an operator reads; {@code table} only on an item made once per table.
     */
    @JsonPropertyOrder({"id", "item", "table", "status", "reason"})
    record JsonCheck(String id, String item, @JsonInclude(JsonInclude.Include.NON_NULL) String table,
                     VerifyReport.Status status, String reason) {
    }
}
