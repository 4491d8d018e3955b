package com.voxanne.cli;

import com.voxanne.schema.DistributionRefusedException;
import com.voxanne.schema.DistributionResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code voxanne distribute}: places a migrated database on its Citus cluster, on the coordinator, in one
 * transaction (voxanne-schema's {@code VoxanneSchema.distribute()}). Prints one line per table, the database
 * settings added, and per worker what the operator must still do there; run again, it changes nothing and
 * says so. A database it cannot place (no citus extension, a worker's, no workers, not migrated, a table
 * placed otherwise, a local table referencing one it places, audit rows without an organization) is
 * refused with exit code 1, nothing changed.
 */
@Command(name = "distribute", description = {"Place a migrated database on its Citus cluster (run on the coordinator,",
        "workers added): tenant tables distributed by org_id and colocated with",
        "organizations, auth.users a reference table, policies in the form Citus takes.",
        "One transaction; run again, it changes nothing. Prints what the operator must",
        "still do on each worker. Refused, nothing changed, without Citus or workers."})
final class DistributeCommand extends DatabaseCommand {

    @Option(names = "--verify", description = "Then print the verification checklist; exit 3 if an item FAILs.")
    boolean verify;

    @Override
    ExitCode run(Database database) {
        DistributionResult result;
        try {
            result = schema(database).distribute();
        } catch (DistributionRefusedException e) {
            throw new CliException(ExitCode.FAILED, "refusing to distribute: " + e.getMessage(), e);
        }
        for (DistributionResult.Table table : result.tables()) {
            out().println("distribute: " + table);
        }
        if (!result.settingsAdded().isEmpty()) {
            out().println("distribute: database settings added: " + String.join(", ", result.settingsAdded()));
        }
        out().println(result.changed() ? "distribute: done, in one transaction"
                : "distribute: nothing to do; every table was already placed and every setting made");
        for (DistributionResult.Worker worker : result.workers()) {
            String where = "distribute: worker " + worker.host() + ":" + worker.port() + ": ";
            if (worker.rolesWithoutLogin().isEmpty()) {
                out().println(where + "authenticated and service_role may log in; " + DistributionResult.Worker.PG_HBA);
            } else {
                out().println(where + "to do, as a superuser connected to it: " + String.join("; ", worker.statements())
                        + "; then " + DistributionResult.Worker.PG_HBA + " (until then tenant queries fail, closed)");
            }
        }
        out().flush();
        return verify ? VerifyCommand.print(schema(database).verify(), out()) : ExitCode.OK;
    }
}
