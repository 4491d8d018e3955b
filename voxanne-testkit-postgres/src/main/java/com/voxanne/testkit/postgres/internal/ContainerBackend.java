package com.voxanne.testkit.postgres.internal;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.command.PullImageResultCallback;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.Version;
import com.voxanne.testkit.postgres.PostgresBackend;
import com.voxanne.testkit.postgres.TestPostgresConfig;
import java.io.File;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.dockerclient.DockerClientProviderStrategy;
import org.testcontainers.dockerclient.TransportConfig;
import org.testcontainers.utility.DockerImageName;
import org.testcontainers.utility.ImageNameSubstitutor;

/**
 * A PostgreSQL container on the Docker engine Testcontainers finds (its discovery honours DOCKER_HOST,
 * {@code ~/.testcontainers.properties}, Docker Desktop and rootless sockets).
 *
 * <p>The container is created, watched and removed here through docker-java rather than through
 * Testcontainers' {@code GenericContainer}: Testcontainers starts its Ryuk reaper (and, inside a container,
 * a gateway probe) on first use, both of which pull images without a bound that the test kit can set, and
 * the only switch for Ryuk is a process-wide environment variable that would also change a consumer's own
 * containers. Without Ryuk the test kit cleans up itself: a JVM shutdown hook removes the container, and
 * every start removes containers this kit left behind in JVMs that have died (see {@link Leftovers}).
 *
 * <p>The whole attempt runs under one deadline, {@link TestPostgresConfig#dockerTimeout()}; when it
 * passes, the message names the step that did not finish.
 */
final class ContainerBackend {

    private static final Logger LOG = LoggerFactory.getLogger(ContainerBackend.class);
    private static final int POSTGRES_PORT = 5432;
    private static final String TIMEOUT_SETTING = "-Dvoxanne.test.docker-timeout or VOXANNE_TEST_DOCKER_TIMEOUT";

    private ContainerBackend() {
    }

    /** Finds the Docker engine to use; Testcontainers' discovery unless a test supplies its own. */
    @FunctionalInterface
    interface Discovery {
        TransportConfig find() throws Exception;
    }

    /** Testcontainers' discovery: no Ryuk, no gateway probe, no image pull. */
    static TransportConfig testcontainersDiscovery() {
        return DockerClientFactory.instance().getTransportConfig();
    }

    static StartedProcess start(TestPostgresConfig config) throws UnavailableException {
        try {
            Class.forName("org.testcontainers.DockerClientFactory");
        } catch (ClassNotFoundException e) {
            throw new UnavailableException("Testcontainers is not on the classpath", e);
        }
        return start(config, ContainerBackend::testcontainersDiscovery);
    }

    static StartedProcess start(TestPostgresConfig config, Discovery discovery) throws UnavailableException {
        Duration timeout = config.dockerTimeout();
        Attempt attempt = new Attempt(config, discovery);
        FutureTask<StartedProcess> task = new FutureTask<>(attempt::run);
        // A daemon thread, so that a Docker call that never returns cannot keep the JVM alive.
        Thread worker = new Thread(task, "voxanne-testkit-docker");
        worker.setDaemon(true);
        worker.start();
        try {
            return task.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            StartedProcess late = attempt.abandon();
            if (late != null) {
                return late;
            }
            worker.interrupt();
            throw new UnavailableException(attempt.step() + " within " + timeout.toSeconds() + " s (the limit is "
                    + TIMEOUT_SETTING + ")");
        } catch (InterruptedException e) {
            attempt.abandon();
            worker.interrupt();
            Thread.currentThread().interrupt();
            throw new UnavailableException("interrupted while " + attempt.step(), e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnavailableException unavailable) {
                throw unavailable;
            }
            throw new UnavailableException(attempt.step() + ": " + e.getCause(), e.getCause());
        }
    }

    /**
     * One attempt, run on its own thread. {@link #step()} says what it is doing, in the words of the
     * failure that an expiring deadline means at that point.
     */
    private static final class Attempt {
        private final TestPostgresConfig config;
        private final Discovery discovery;
        private volatile String step = "no Docker engine answered";
        private DockerClient docker;
        private String containerId;
        private boolean abandoned;
        private StartedProcess handedOver;

        Attempt(TestPostgresConfig config, Discovery discovery) {
            this.config = config;
            this.discovery = discovery;
        }

        String step() {
            return step;
        }

        StartedProcess run() throws UnavailableException, InterruptedException {
            TransportConfig transport;
            try {
                transport = discovery.find();
                docker = DockerClientProviderStrategy.getClientForConfig(transport);
            } catch (Exception e) {
                throw new UnavailableException("no Docker engine answers: " + e.getMessage(), e);
            }
            URI dockerHost = transport.getDockerHost();
            String engine;
            try {
                Version version = docker.versionCmd().exec();
                engine = "Docker " + version.getVersion() + " at " + dockerHost;
            } catch (RuntimeException e) {
                throw new UnavailableException("no Docker engine answers at " + dockerHost + ": " + e.getMessage(), e);
            }
            step = engine + " answers, but listing the containers earlier test JVMs left behind did not finish";
            Leftovers.remove(docker);

            String image = substitutedImage(config.image());
            step = engine + " answers, but image " + image + " is not present there and could not be pulled";
            ensureImage(image);

            step = engine + " answers, but the container of " + image + " did not start";
            String password = "vx-" + UUID.randomUUID();
            String id = createAndStart(image, password);

            step = "the container of " + image + " started on " + engine
                    + ", but PostgreSQL in it did not accept connections";
            Endpoint endpoint;
            try {
                endpoint = awaitConnection(id, dockerHost, password);
            } catch (UnavailableException | InterruptedException | RuntimeException e) {
                removeContainer(docker, id);
                throw e;
            }
            StartedProcess process = new ContainerProcess(docker, id, endpoint, password);
            synchronized (this) {
                if (abandoned) {
                    process.stop();
                    throw new UnavailableException(step + " in time");
                }
                handedOver = process;
            }
            return process;
        }

        /**
         * The caller has stopped waiting: a container that exists is removed (on another thread, since the
         * Docker engine may be the part that hangs), or one that was just handed over is returned.
         */
        StartedProcess abandon() {
            String id;
            synchronized (this) {
                if (handedOver != null) {
                    return handedOver;
                }
                abandoned = true;
                id = containerId;
            }
            if (id != null) {
                DockerClient client = docker;
                Thread remover = new Thread(() -> removeContainer(client, id), "voxanne-testkit-docker-cleanup");
                remover.setDaemon(true);
                remover.start();
            }
            return null;
        }

        private void ensureImage(String image) throws UnavailableException, InterruptedException {
            try {
                docker.inspectImageCmd(image).exec();
                return;
            } catch (NotFoundException absent) {
                LOG.info("Image {} is not present locally; pulling it (at most {} s for the whole Docker attempt)",
                        image, config.dockerTimeout().toSeconds());
            } catch (RuntimeException e) {
                throw new UnavailableException("cannot inspect image " + image + ": " + e.getMessage(), e);
            }
            DockerImageName name = DockerImageName.parse(image);
            PullImageResultCallback pull = docker.pullImageCmd(name.getUnversionedPart())
                    .withTag(name.getVersionPart())
                    .exec(new PullImageResultCallback());
            try {
                pull.awaitCompletion();
            } catch (RuntimeException e) {
                throw new UnavailableException(step + ": " + e.getMessage(), e);
            } finally {
                closeQuietly(pull);
            }
        }

        private String createAndStart(String image, String password) throws UnavailableException {
            List<String> command = new ArrayList<>(List.of(
                    "postgres",
                    // Durability is worthless for throwaway test data and costs seconds per suite.
                    "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
                    "-c", "max_connections=300"));
            if (config.pgaudit()) {
                command.addAll(List.of("-c", "shared_preload_libraries=pgaudit"));
            }
            try {
                // A non-official image is accepted as long as it honours the official image's contract:
                // these variables, and a temporary socket-only server during initialisation.
                String id = docker.createContainerCmd(image)
                        .withEnv("POSTGRES_USER=postgres", "POSTGRES_PASSWORD=" + password, "POSTGRES_DB=postgres")
                        .withCmd(command)
                        .withExposedPorts(ExposedPort.tcp(POSTGRES_PORT))
                        .withHostConfig(HostConfig.newHostConfig().withPublishAllPorts(true))
                        .withLabels(Leftovers.labelsForThisJvm())
                        .exec()
                        .getId();
                synchronized (this) {
                    containerId = id;
                    if (abandoned) {
                        removeContainer(docker, id);
                        throw new UnavailableException(step + " in time");
                    }
                }
                docker.startContainerCmd(id).exec();
                return id;
            } catch (RuntimeException e) {
                if (containerId != null) {
                    removeContainer(docker, containerId);
                }
                throw new UnavailableException(step + ": " + e.getMessage(), e);
            }
        }

        /**
         * Waits until PostgreSQL accepts a connection on one of the addresses the published port may be
         * reached at. Only the final server listens on TCP (the image's init server is socket-only), so the
         * first connection means the server is ready.
         */
        private Endpoint awaitConnection(String id, URI dockerHost, String password)
                throws UnavailableException, InterruptedException {
            List<Endpoint> candidates = List.of();
            while (true) {
                InspectContainerResponse container = docker.inspectContainerCmd(id).exec();
                InspectContainerResponse.ContainerState state = container.getState();
                if (state != null && !Boolean.TRUE.equals(state.getRunning())) {
                    String logs = lastLogLines(docker, id);
                    removeContainer(docker, id);
                    throw new UnavailableException("the container of " + substitutedImage(config.image())
                            + " exited with code " + state.getExitCodeLong() + " before PostgreSQL accepted connections;"
                            + " its last log lines:\n" + logs);
                }
                if (candidates.isEmpty()) {
                    candidates = endpoints(container, dockerHost);
                }
                for (Endpoint candidate : candidates) {
                    if (connects(candidate, password)) {
                        return candidate;
                    }
                }
                synchronized (this) {
                    if (abandoned) {
                        throw new UnavailableException(step + " in time");
                    }
                }
                Thread.sleep(200);
            }
        }

        /**
         * Where the published port can be reached from this JVM, most likely first. Testcontainers'
         * TESTCONTAINERS_HOST_OVERRIDE wins; a TCP engine is reached at its host; a local socket at
         * localhost, or, when this JVM itself runs in a container, at the bridge gateway or the
         * container's own address.
         */
        private List<Endpoint> endpoints(InspectContainerResponse container, URI dockerHost) {
            Ports.Binding[] bindings = container.getNetworkSettings() == null ? null
                    : container.getNetworkSettings().getPorts().getBindings().get(ExposedPort.tcp(POSTGRES_PORT));
            if (bindings == null || bindings.length == 0 || bindings[0].getHostPortSpec() == null) {
                return List.of();
            }
            int published = Integer.parseInt(bindings[0].getHostPortSpec());
            Set<Endpoint> endpoints = new LinkedHashSet<>();
            String override = System.getenv("TESTCONTAINERS_HOST_OVERRIDE");
            if (override != null && !override.isBlank()) {
                endpoints.add(new Endpoint(override.trim(), published));
                return List.copyOf(endpoints);
            }
            String scheme = dockerHost.getScheme() == null ? "" : dockerHost.getScheme();
            if (scheme.equals("tcp") || scheme.equals("http") || scheme.equals("https")) {
                endpoints.add(new Endpoint(dockerHost.getHost(), published));
                return List.copyOf(endpoints);
            }
            endpoints.add(new Endpoint("localhost", published));
            if (new File("/.dockerenv").exists()) {
                try {
                    docker.inspectNetworkCmd().withNetworkId("bridge").exec().getIpam().getConfig().stream()
                            .map(c -> c.getGateway())
                            .filter(g -> g != null && !g.isBlank())
                            .forEach(g -> endpoints.add(new Endpoint(g, published)));
                } catch (RuntimeException e) {
                    LOG.debug("No bridge network gateway: {}", e.getMessage());
                }
                Map<String, ContainerNetwork> networks = container.getNetworkSettings().getNetworks();
                if (networks != null) {
                    networks.values().stream()
                            .map(ContainerNetwork::getIpAddress)
                            .filter(ip -> ip != null && !ip.isBlank())
                            .forEach(ip -> endpoints.add(new Endpoint(ip, POSTGRES_PORT)));
                }
            }
            return List.copyOf(endpoints);
        }

        private String substitutedImage(String image) {
            // Honours a registry mirror configured for Testcontainers (hub.image.name.prefix and the like).
            return ImageNameSubstitutor.instance().apply(DockerImageName.parse(image)).asCanonicalNameString();
        }
    }

    private static boolean connects(Endpoint endpoint, String password) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setServerNames(new String[] {endpoint.host()});
        ds.setPortNumbers(new int[] {endpoint.port()});
        ds.setDatabaseName("postgres");
        ds.setUser("postgres");
        ds.setPassword(password);
        ds.setConnectTimeout(2);
        ds.setLoginTimeout(5);
        ds.setApplicationName("voxanne-testkit");
        try (Connection c = ds.getConnection()) {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    private static String lastLogLines(DockerClient docker, String id) {
        StringBuilder text = new StringBuilder();
        try {
            docker.logContainerCmd(id).withStdOut(true).withStdErr(true).withTail(20)
                    .exec(new ResultCallback.Adapter<Frame>() {
                        @Override
                        public void onNext(Frame frame) {
                            text.append(new String(frame.getPayload(), StandardCharsets.UTF_8));
                        }
                    })
                    .awaitCompletion(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            text.append("(its log could not be read: ").append(e.getMessage()).append(')');
        }
        return text.toString().strip();
    }

    static void removeContainer(DockerClient docker, String id) {
        try {
            docker.removeContainerCmd(id).withForce(true).withRemoveVolumes(true).exec();
        } catch (NotFoundException gone) {
            // Already removed, by the other of stop() and the shutdown hook.
        } catch (RuntimeException e) {
            LOG.warn("Could not remove the test PostgreSQL container {}: {}", id, e.getMessage());
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            LOG.debug("closing {} failed: {}", closeable, e.getMessage());
        }
    }

    /** Where a published port is reached. */
    record Endpoint(String host, int port) {
    }

    /**
     * A running container. It is removed by {@link #stop()} or, if nobody stops it, by a JVM shutdown
     * hook; a JVM killed before either runs leaves it to the next start's {@link Leftovers}.
     */
    private static final class ContainerProcess implements StartedProcess {
        private final DockerClient docker;
        private final String id;
        private final Endpoint endpoint;
        private final String password;
        private final AtomicBoolean removed = new AtomicBoolean();
        private final Thread hook;

        ContainerProcess(DockerClient docker, String id, Endpoint endpoint, String password) {
            this.docker = docker;
            this.id = id;
            this.endpoint = endpoint;
            this.password = password;
            this.hook = new Thread(this::remove, "voxanne-test-postgres-container-removal");
            Runtime.getRuntime().addShutdownHook(hook);
        }

        private void remove() {
            if (removed.compareAndSet(false, true)) {
                removeContainer(docker, id);
            }
        }

        @Override public PostgresBackend backend() { return PostgresBackend.TESTCONTAINERS; }
        @Override public String host() { return endpoint.host(); }
        @Override public int port() { return endpoint.port(); }
        @Override public String maintenanceDatabase() { return "postgres"; }
        @Override public String adminUser() { return "postgres"; }
        @Override public String adminPassword() { return password; }

        @Override
        public void stop() {
            remove();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Called from a shutdown hook: the hook has run or will find the container removed.
                return;
            }
            closeQuietly(docker);
        }
    }
}
