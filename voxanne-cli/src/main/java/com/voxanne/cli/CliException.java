package com.voxanne.cli;

/**
 * A failure the CLI has already put into words for a person: the handler prints the message as is and
 * exits with the code, with no stack trace (unless --verbose).
 */
final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final ExitCode exitCode;

    CliException(ExitCode exitCode, String message) {
        this(exitCode, message, null);
    }

    CliException(ExitCode exitCode, String message, Throwable cause) {
        super(message, cause);
        this.exitCode = exitCode;
    }
}
