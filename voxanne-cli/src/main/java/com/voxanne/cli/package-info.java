/**
 * The {@code voxanne} command line, run as {@code java -jar voxanne.jar}.
 *
 * <p>{@link com.voxanne.cli.VoxanneCli} is the only public type. Each subcommand is a package-private
 * picocli command; those that need a database extend {@code DatabaseCommand}, which resolves the
 * connection ({@code Database}: flags, then {@code VOXANNE_DB_URL}, then the PG* variables, then an
 * embedded PostgreSQL with a persistent data directory) and stops the embedded server afterwards.
 * {@code Failures} maps what a command throws to one line and a distinct {@code ExitCode}. A new command
 * (such as {@code audit archive} or {@code demo}) extends
 * {@code DatabaseCommand} and is listed in {@code VoxanneCli}'s subcommands.
 */
package com.voxanne.cli;
