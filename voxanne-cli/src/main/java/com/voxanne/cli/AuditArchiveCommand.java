package com.voxanne.cli;

import com.voxanne.dao.ArchiveResult;
import com.voxanne.dao.AuditEvent;
import com.voxanne.dao.AuditSink;
import com.voxanne.dao.AuditSinks;
import com.voxanne.dao.JsonLinesAuditSink;
import com.voxanne.dao.Voxanne;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Path;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * {@code voxanne audit archive}: retention of the audit trail. Streams the rows older than
 * {@code --older-than} to a gzip-compressed JSON-lines file and deletes exactly those rows, in one
 * transaction, only once the file is complete and synced to disk.
 *
 * <p>It runs through the DAO's service scope, built with the DAO's opt-out of the login-role check,
 * because the CLI logs in as an operator (a superuser on plain PostgreSQL, {@code postgres} on
 * Supabase) and the check would refuse it. That is acceptable here and only here: the check exists
 * so that a user's request never runs where row-level security does not apply, and this command
 * makes no user request. Its one unit of work runs, as every service-scope call does, after
 * {@code SET LOCAL ROLE service_role}: it has service_role's privileges (read the trail, execute
 * {@code archive_old_audit_logs}), not the operator's, and the rows it deletes are still only those
 * the append-only guard lets that function delete. A non-superuser login works too if it is a member
 * of {@code service_role}.
 */
@Command(name = "archive", description = {"Export audit rows older than --older-than to a new gzip JSON-lines",
        "file, then delete exactly the exported rows, in one transaction. Nothing is",
        "deleted unless the file was written completely; a file is never overwritten."})
final class AuditArchiveCommand extends DatabaseCommand {

    static final long PROGRESS_EVERY = 10_000;

    private Duration olderThan;

    @Option(names = "--out", paramLabel = "FILE.jsonl.gz", required = true,
            description = "The archive to write; must not exist.")
    Path out;

    /** Checked while parsing, so that a typo is a usage error before anything connects. */
    @Option(names = "--older-than", paramLabel = "DAYSd", required = true,
            description = "Retention in whole days, for example 90d (at least 1d).")
    void olderThan(String value) {
        if (!value.matches("[1-9]\\d{0,5}d")) {
            throw new ParameterException(spec.commandLine(),
                    "--older-than must be a whole number of days such as 90d, not '" + value + "'");
        }
        this.olderThan = Duration.ofDays(Long.parseLong(value.substring(0, value.length() - 1)));
    }

    @Override
    ExitCode run(Database database) throws IOException {
        Voxanne voxanne = Voxanne.builder(database.dataSource)
                .allowPrivilegedLoginRoleUnsafeForLocalExperimentsOnly() // service scope only: see the class comment
                .build();
        PrintWriter err = err();
        ArchiveResult result;
        try (JsonLinesAuditSink file = AuditSinks.gzipJsonLines(out)) {
            err.println("voxanne: archiving audit rows older than " + olderThan.toDays() + " days to " + out);
            err.flush();
            result = voxanne.service().audit().archive(olderThan, new Progress(file, err));
        } catch (FileAlreadyExistsException e) {
            throw new CliException(ExitCode.USAGE, out + " exists; an audit archive is never overwritten", e);
        }
        out().println("audit archive: " + result.rowsExported() + " row(s) exported to " + out + ", "
                + result.rowsDeleted() + " deleted" + (result.rowsExported() == 0 ? "" : " (through id " + result.throughId() + ")"));
        out().flush();
        return ExitCode.OK;
    }

    /** Passes rows on and says every {@value #PROGRESS_EVERY} how far it got. */
    private static final class Progress implements AuditSink {
        private final AuditSink next;
        private final PrintWriter err;
        private long rows;

        Progress(AuditSink next, PrintWriter err) {
            this.next = next;
            this.err = err;
        }

        @Override
        public void accept(AuditEvent event) throws IOException {
            next.accept(event);
            if (++rows % PROGRESS_EVERY == 0) {
                err.println("  exported " + rows + " rows");
                err.flush();
            }
        }

        @Override
        public void complete() throws IOException {
            next.complete();
            err.println("  " + rows + " rows written and synced; deleting them from the trail");
            err.flush();
        }
    }
}
