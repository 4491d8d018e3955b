package com.voxanne.testkit.postgres.internal;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BiPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The labels on this kit's containers, and the removal of containers left by test JVMs that died before
 * their shutdown hook ran (killed, or crashed).
 *
 * <p>A container belongs to a JVM: the machine (boot id and host name), the process id and the
 * process's start time. It is a leftover when its JVM is known to be gone (same machine, and no process
 * with that id and start time), or, when that cannot be told (another machine or container sharing the
 * Docker engine), when it is older than {@link #MAX_AGE}, far longer than any test run.
 */
final class Leftovers {

    private static final Logger LOG = LoggerFactory.getLogger(Leftovers.class);

    static final String KIND = "com.voxanne.testkit";
    static final String KIND_VALUE = "postgres";
    static final String MACHINE = "com.voxanne.testkit.machine";
    static final String PID = "com.voxanne.testkit.pid";
    static final String PROCESS_START = "com.voxanne.testkit.process-start";
    static final String CREATED = "com.voxanne.testkit.created";
    static final Duration MAX_AGE = Duration.ofHours(24);

    private Leftovers() {
    }

    /** The labels for a container this JVM creates. */
    static Map<String, String> labelsForThisJvm() {
        ProcessHandle self = ProcessHandle.current();
        return Map.of(
                KIND, KIND_VALUE,
                MACHINE, machine(),
                PID, Long.toString(self.pid()),
                PROCESS_START, processStart(self).map(i -> Long.toString(i.toEpochMilli())).orElse(""),
                CREATED, Long.toString(Instant.now().getEpochSecond()));
    }

    /** Removes this kit's containers whose JVM is gone; never fails the caller. */
    static void remove(DockerClient docker) {
        List<Container> containers;
        try {
            containers = docker.listContainersCmd().withShowAll(true)
                    .withLabelFilter(Map.of(KIND, KIND_VALUE)).exec();
        } catch (RuntimeException e) {
            LOG.debug("Could not list earlier test containers: {}", e.getMessage());
            return;
        }
        String machine = machine();
        Instant now = Instant.now();
        for (Container container : containers) {
            if (isLeftover(container.getLabels(), machine, now, Leftovers::processRuns)) {
                LOG.info("Removing test PostgreSQL container {} left behind by a test JVM that is gone", container.getId());
                ContainerBackend.removeContainer(docker, container.getId());
            }
        }
    }

    /**
     * Whether a container with these labels was left behind.
     *
     * @param processRuns whether a process with this id and start time (epoch millis, or empty) runs here
     */
    static boolean isLeftover(Map<String, String> labels, String thisMachine, Instant now,
                              BiPredicate<Long, String> processRuns) {
        if (labels == null) {
            return false;
        }
        Optional<Instant> created = parseLong(labels.get(CREATED)).map(Instant::ofEpochSecond);
        if (created.isPresent() && created.get().plus(MAX_AGE).isBefore(now)) {
            return true;
        }
        Optional<Long> pid = parseLong(labels.get(PID));
        boolean sameMachine = thisMachine.equals(labels.get(MACHINE)) && !thisMachine.endsWith("/");
        return sameMachine && pid.isPresent() && !processRuns.test(pid.get(), labels.getOrDefault(PROCESS_START, ""));
    }

    static boolean processRuns(long pid, String startMillis) {
        return ProcessHandle.of(pid)
                .filter(ProcessHandle::isAlive)
                // The same id with another start time is a new process that reused the id.
                .map(p -> startMillis.isEmpty() || processStart(p).map(i -> Long.toString(i.toEpochMilli()))
                        .map(startMillis::equals).orElse(true))
                .orElse(false);
    }

    private static Optional<Instant> processStart(ProcessHandle process) {
        return process.info().startInstant();
    }

    /**
     * This machine and boot: Linux's boot id (a process id means nothing across a reboot) and the host
     * name (containers on one machine share the boot id but not the process ids). Ends with "/" when the
     * host name is unknown, which makes no container's JVM count as "known to be gone".
     */
    static String machine() {
        String boot = read(Path.of("/proc/sys/kernel/random/boot_id")).orElse("");
        String host = Optional.ofNullable(System.getenv("HOSTNAME")).filter(h -> !h.isBlank())
                .or(() -> read(Path.of("/etc/hostname")))
                .or(() -> Optional.ofNullable(System.getenv("COMPUTERNAME")))
                .orElse("");
        return boot + "/" + host;
    }

    private static Optional<String> read(Path file) {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8).strip();
            return text.isEmpty() ? Optional.empty() : Optional.of(text);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static Optional<Long> parseLong(String value) {
        try {
            return value == null || value.isBlank() ? Optional.empty() : Optional.of(Long.parseLong(value.trim()));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }
}
