package com.voxanne.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code voxanne audit}: the audit trail's operator commands; only {@code archive} so far. */
@Command(name = "audit", subcommands = AuditArchiveCommand.class,
        description = "Operator work on the audit trail (see 'voxanne audit archive --help').")
final class AuditCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "Missing subcommand: voxanne audit archive");
    }
}
