package com.voxanne.testkit.postgres.internal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.testcontainers.dockerclient.TransportConfig;

/**
 * A Docker Engine API on a local port that answers what a Docker engine without a registry answers: it
 * pings, tells its version, has no images, and its pulls never finish ({@link Mode#PULL_HANGS}) or fail
 * ({@link Mode#PULL_FAILS}); or it accepts connections and never answers anything ({@link Mode#SILENT}).
 */
final class FakeDockerEngine implements AutoCloseable {

    enum Mode { PULL_HANGS, PULL_FAILS, SILENT }

    /** What a Docker engine says when the registry's name cannot be resolved. */
    static final String REGISTRY_ERROR =
            "Get \\\"https://registry-1.docker.io/v2/\\\": dial tcp: lookup registry-1.docker.io: no such host";

    private final Mode mode;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "fake-docker-engine");
        t.setDaemon(true);
        return t;
    });
    private final CountDownLatch release = new CountDownLatch(1);
    private final List<String> requests = new CopyOnWriteArrayList<>();

    FakeDockerEngine(Mode mode) throws IOException {
        this.mode = mode;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    /** How the test kit finds this engine, in place of Testcontainers' discovery. */
    TransportConfig transport() {
        return TransportConfig.builder()
                .dockerHost(URI.create("tcp://127.0.0.1:" + server.getAddress().getPort()))
                .build();
    }

    /** Method and path of every request received. */
    List<String> requests() {
        return List.copyOf(requests);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String path = exchange.getRequestURI().getPath().replaceFirst("^/v[0-9.]+", "");
        String query = exchange.getRequestURI().getRawQuery();
        requests.add(exchange.getRequestMethod() + " " + path + (query == null ? "" : "?" + query));
        try (exchange) {
            if (mode == Mode.SILENT) {
                hang();
                respond(exchange, 500, "{\"message\":\"fake engine closing\"}");
            } else if (path.equals("/_ping")) {
                respond(exchange, 200, "OK");
            } else if (path.equals("/version")) {
                respond(exchange, 200, "{\"Version\":\"99.0.0-fake\",\"ApiVersion\":\"1.44\",\"Os\":\"linux\",\"Arch\":\"amd64\"}");
            } else if (path.equals("/info")) {
                respond(exchange, 200, "{\"ServerVersion\":\"99.0.0-fake\",\"OSType\":\"linux\",\"OperatingSystem\":\"fake\"}");
            } else if (path.equals("/containers/json")) {
                respond(exchange, 200, "[]");
            } else if (path.startsWith("/images/") && path.endsWith("/json")) {
                respond(exchange, 404, "{\"message\":\"No such image\"}");
            } else if (path.equals("/images/create") && mode == Mode.PULL_HANGS) {
                hang();
                respond(exchange, 500, "{\"message\":\"fake engine closing\"}");
            } else if (path.equals("/images/create")) {
                respond(exchange, 500, "{\"message\":\"" + REGISTRY_ERROR + "\"}");
            } else {
                respond(exchange, 500, "{\"message\":\"the fake engine does not implement " + path + "\"}");
            }
        }
    }

    private void hang() {
        try {
            release.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void respond(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", status == 200 && body.equals("OK") ? "text/plain" : "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        exchange.getResponseBody().write(bytes);
    }

    @Override
    public void close() {
        release.countDown();
        server.stop(0);
        executor.shutdownNow();
    }
}
