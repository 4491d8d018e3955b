package com.voxanne.testkit.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.voxanne.testkit.postgres.TestPostgresConfig;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.testcontainers.dockerclient.DockerClientProviderStrategy;

/**
 * On a real Docker engine: a container left by a JVM that is gone is removed, one of a running JVM is
 * not. Skipped where no Docker engine answers or the image is absent, unless CI requires the
 * testcontainers backend.
 */
class LeftoversDockerTest {

    @Test
    void aDeadJvmsContainerIsRemovedAndALiveOnesIsKept() throws Exception {
        DockerClient docker = docker();
        String image = TestPostgresConfig.fromEnvironment().image();
        boolean imagePresent;
        try {
            docker.inspectImageCmd(image).exec();
            imagePresent = true;
        } catch (NotFoundException e) {
            imagePresent = false;
        }
        assumeTrue(imagePresent || required(), "image " + image + " is not present");

        // A process that has ended: its id is what a killed test JVM leaves on its container.
        Process ended = new ProcessBuilder("true").start();
        ended.waitFor();
        Map<String, String> deadLabels = new HashMap<>(Leftovers.labelsForThisJvm());
        deadLabels.put(Leftovers.PID, Long.toString(ended.pid()));
        String dead = docker.createContainerCmd(image).withLabels(deadLabels).exec().getId();
        String live = docker.createContainerCmd(image).withLabels(Leftovers.labelsForThisJvm()).exec().getId();
        try {
            Leftovers.remove(docker);
            List<String> remaining = docker.listContainersCmd().withShowAll(true)
                    .withLabelFilter(Map.of(Leftovers.KIND, Leftovers.KIND_VALUE)).exec()
                    .stream().map(Container::getId).toList();
            assertThat(remaining).doesNotContain(dead).contains(live);
        } finally {
            ContainerBackend.removeContainer(docker, dead);
            ContainerBackend.removeContainer(docker, live);
        }
    }

    private static DockerClient docker() {
        try {
            return DockerClientProviderStrategy.getClientForConfig(ContainerBackend.testcontainersDiscovery());
        } catch (RuntimeException e) {
            assumeTrue(required(), "no Docker engine answers: " + e.getMessage());
            throw e;
        }
    }

    private static boolean required() {
        return System.getenv().getOrDefault("VOXANNE_TEST_REQUIRE_BACKENDS", "").contains("testcontainers");
    }
}
