package com.voxanne.testkit.postgres.internal;

import com.voxanne.testkit.postgres.PostgresBackend;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Citus cluster on this machine: a coordinator and two workers, each an ordinary PostgreSQL server
 * initialised into a throwaway directory from installed binaries with Citus preloaded.
 *
 * <p>Every node trusts connections from 127.0.0.1 (the coordinator connects to the workers as the
 * session's user, and the nodes are reachable from this machine only). The maintenance database has the
 * extension on every node and the workers added, so that roles created there (the login role) reach the
 * workers; the databases the kit creates are set up the same way by {@link ManagedServer}.
 */
final class CitusBackend {

    private static final Logger LOG = LoggerFactory.getLogger(CitusBackend.class);
    static final String PG_BIN_PROPERTY = "voxanne.test.citus-pg-bin";
    static final String PG_BIN_VARIABLE = "VOXANNE_TEST_CITUS_PG_BIN";
    static final String DEFAULT_PG_BIN = "/usr/lib/postgresql/15/bin";
    /** The address every node listens on and is registered under in Citus's metadata. */
    static final String HOST = "127.0.0.1";
    static final int WORKERS = 2;

    private CitusBackend() {
    }

    /** The directory of the PostgreSQL binaries the cluster is started from, as configured. */
    static Path binaries() {
        String configured = System.getProperty(PG_BIN_PROPERTY);
        if (configured == null || configured.isBlank()) {
            configured = System.getenv(PG_BIN_VARIABLE);
        }
        return Path.of(configured == null || configured.isBlank() ? DEFAULT_PG_BIN : configured.trim());
    }

    /**
     * Where {@code citus.so} must be for these binaries: PostgreSQL's package library directory, which for
     * the Debian and PGDG layouts is {@code ../lib} beside {@code bin}.
     */
    static Path citusLibrary(Path bin) {
        return bin.getParent().resolve("lib").resolve("citus.so");
    }

    static StartedProcess start() throws UnavailableException {
        Path bin = binaries();
        for (String tool : List.of("initdb", "pg_ctl", "postgres")) {
            if (!Files.isExecutable(bin.resolve(tool))) {
                throw new UnavailableException("no PostgreSQL binaries at " + bin + " (" + tool + " is missing); set -D"
                        + PG_BIN_PROPERTY + " or " + PG_BIN_VARIABLE + " to the bin directory of a PostgreSQL with Citus");
            }
        }
        if (!Files.isRegularFile(citusLibrary(bin))) {
            throw new UnavailableException("Citus is not installed for the PostgreSQL at " + bin + " (no "
                    + citusLibrary(bin) + "); install it, for PostgreSQL 15 with ../shared/tools/citus/install.sh as root");
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        Path base;
        try {
            base = Files.createTempDirectory("voxanne-citus-");
        } catch (IOException e) {
            throw new UnavailableException("cannot create a directory for the cluster: " + e.getMessage(), e);
        }
        Cluster cluster = new Cluster(bin, base, root);
        long started = System.nanoTime();
        try {
            if (root) {
                // PostgreSQL refuses to run as root; the servers run as 'postgres', which must own the directory.
                UserPrincipal postgres = base.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
                Files.setOwner(base, postgres);
                Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            Node coordinator = cluster.startNode("coordinator");
            List<Node> workers = new ArrayList<>();
            for (int i = 1; i <= WORKERS; i++) {
                workers.add(cluster.startNode("worker" + i));
            }
            for (Node node : cluster.nodes) {
                execute(node, "postgres", "create extension if not exists citus");
            }
            join(coordinator, workers, "postgres");
            LOG.info("Citus cluster (coordinator {}, workers {}) up in {} ms", coordinator.port(),
                    workers.stream().map(w -> String.valueOf(w.port())).toList(), (System.nanoTime() - started) / 1_000_000);
            return new ClusterProcess(cluster, coordinator, List.copyOf(workers));
        } catch (UnavailableException e) {
            cluster.stop();
            throw e;
        } catch (IOException | SQLException | RuntimeException e) {
            cluster.stop();
            throw new UnavailableException("the Citus cluster did not start: " + e.getMessage(), e);
        }
    }

    /** Registers the nodes in {@code database} on the coordinator: itself as coordinator, then each worker. */
    static void join(Node coordinator, List<Node> workers, String database) throws SQLException {
        try (Connection c = dataSource(coordinator, database).getConnection(); Statement s = c.createStatement()) {
            s.execute("select pg_catalog.citus_set_coordinator_host(" + Sql.literal(HOST) + ", " + coordinator.port() + ")");
            for (Node worker : workers) {
                s.execute("select pg_catalog.citus_add_node(" + Sql.literal(HOST) + ", " + worker.port() + ")");
            }
        }
    }

    static void execute(Node node, String database, String sql) throws SQLException {
        try (Connection c = dataSource(node, database).getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    static PGSimpleDataSource dataSource(Node node, String database) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setServerNames(new String[] {HOST});
        ds.setPortNumbers(new int[] {node.port()});
        ds.setDatabaseName(database);
        ds.setUser("postgres");
        ds.setApplicationName("voxanne-testkit");
        ds.setConnectTimeout(10);
        return ds;
    }

    /** One server of the cluster. */
    record Node(String name, int port, Path dataDirectory) {
    }

    /** The cluster's processes and directory, stopped and removed together. */
    private static final class Cluster {
        private final Path bin;
        private final Path base;
        private final boolean root;
        private final List<Node> nodes = new ArrayList<>();

        Cluster(Path bin, Path base, boolean root) {
            this.bin = bin;
            this.base = base;
            this.root = root;
        }

        Node startNode(String name) throws IOException, UnavailableException {
            Path data = base.resolve(name);
            run(List.of(bin.resolve("initdb").toString(), "--no-sync", "--auth=trust", "--username=postgres",
                    "--encoding=UTF8", "--locale=C.UTF-8", "-D", data.toString()), "initdb " + name);
            int port = freePort();
            Path log = base.resolve(name + ".log");
            String options = String.join(" ", List.of("-p " + port, "-c listen_addresses=" + HOST,
                    "-c unix_socket_directories=" + base,
                    "-c shared_preload_libraries=citus",
                    // Durability is worthless for throwaway test data and costs seconds per suite.
                    "-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off",
                    "-c max_connections=300", "-c timezone=UTC"));
            Node node = new Node(name, port, data);
            nodes.add(node);
            run(List.of(bin.resolve("pg_ctl").toString(), "-w", "-t", "60", "-D", data.toString(), "-l", log.toString(),
                    "-o", options, "start"), "starting " + name + " (log " + log + ")");
            return node;
        }

        private void run(List<String> command, String what) throws IOException, UnavailableException {
            List<String> full = new ArrayList<>();
            if (root) {
                full.addAll(List.of("runuser", "-u", "postgres", "--"));
            }
            full.addAll(command);
            Process process = new ProcessBuilder(full).redirectErrorStream(true).start();
            byte[] output;
            try {
                output = process.getInputStream().readAllBytes();
                if (!process.waitFor(90, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                    throw new UnavailableException(what + " did not finish in 90 s");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
                throw new UnavailableException(what + " was interrupted", e);
            }
            if (process.exitValue() != 0) {
                throw new UnavailableException(what + " failed (exit " + process.exitValue() + "): "
                        + new String(output, StandardCharsets.UTF_8).strip() + logTail());
            }
        }

        private String logTail() {
            StringBuilder tail = new StringBuilder();
            for (Node node : nodes) {
                Path log = base.resolve(node.name() + ".log");
                try {
                    List<String> lines = Files.readAllLines(log);
                    tail.append("\n").append(log).append(":\n")
                            .append(String.join("\n", lines.subList(Math.max(0, lines.size() - 5), lines.size())));
                } catch (IOException e) {
                    // No log yet: the node did not get as far as starting.
                }
            }
            return tail.toString();
        }

        void stop() {
            for (Node node : nodes) {
                try {
                    run(List.of(bin.resolve("pg_ctl").toString(), "-w", "-t", "30", "-D", node.dataDirectory().toString(),
                            "-m", "immediate", "stop"), "stopping " + node.name());
                } catch (IOException | UnavailableException e) {
                    LOG.warn("Could not stop Citus node {}: {}", node.name(), e.getMessage());
                }
            }
            try (Stream<Path> files = Files.walk(base)) {
                files.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
            } catch (IOException e) {
                LOG.warn("Could not remove {}: {}", base, e.getMessage());
            }
        }

        private static int freePort() throws IOException {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
                return socket.getLocalPort();
            }
        }
    }

    private record ClusterProcess(Cluster cluster, Node coordinator, List<Node> workers) implements StartedProcess {
        @Override public PostgresBackend backend() { return PostgresBackend.CITUS; }
        @Override public String host() { return HOST; }
        @Override public int port() { return coordinator.port(); }
        @Override public String maintenanceDatabase() { return "postgres"; }
        @Override public String adminUser() { return "postgres"; }
        @Override public String adminPassword() { return ""; }
        @Override public List<Integer> workerPorts() { return workers.stream().map(Node::port).toList(); }
        @Override public void stop() { cluster.stop(); }
    }
}
