package com.voxanne.testkit.postgres.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which of this kit's containers a start removes: those whose JVM is gone, never a live JVM's. */
class LeftoversTest {

    private static final String MACHINE = "boot-1/host-a";
    private static final Instant NOW = Instant.parse("2026-12-06T12:00:00Z");

    private static Map<String, String> labels(String machine, long pid, String start, Instant created) {
        Map<String, String> labels = new HashMap<>();
        labels.put(Leftovers.KIND, Leftovers.KIND_VALUE);
        labels.put(Leftovers.MACHINE, machine);
        labels.put(Leftovers.PID, Long.toString(pid));
        labels.put(Leftovers.PROCESS_START, start);
        labels.put(Leftovers.CREATED, Long.toString(created.getEpochSecond()));
        return labels;
    }

    @Test
    void aContainerOfAJvmThatIsGoneIsALeftover() {
        Map<String, String> l = labels(MACHINE, 4242, "1000", NOW.minus(Duration.ofMinutes(5)));
        assertThat(Leftovers.isLeftover(l, MACHINE, NOW, (pid, start) -> false)).isTrue();
    }

    @Test
    void aContainerOfARunningJvmIsKept() {
        Map<String, String> l = labels(MACHINE, 4242, "1000", NOW.minus(Duration.ofHours(3)));
        assertThat(Leftovers.isLeftover(l, MACHINE, NOW, (pid, start) -> pid == 4242 && start.equals("1000"))).isFalse();
    }

    @Test
    void anotherMachinesContainerIsKeptUntilItIsADayOld() {
        Map<String, String> recent = labels("boot-2/host-b", 4242, "1000", NOW.minus(Duration.ofHours(3)));
        Map<String, String> old = labels("boot-2/host-b", 4242, "1000", NOW.minus(Duration.ofHours(25)));
        assertThat(Leftovers.isLeftover(recent, MACHINE, NOW, (pid, start) -> false)).isFalse();
        assertThat(Leftovers.isLeftover(old, MACHINE, NOW, (pid, start) -> true)).isTrue();
    }

    @Test
    void withoutAHostNameNoJvmCountsAsGone() {
        Map<String, String> l = labels("boot-1/", 4242, "1000", NOW.minus(Duration.ofMinutes(5)));
        assertThat(Leftovers.isLeftover(l, "boot-1/", NOW, (pid, start) -> false)).isFalse();
    }

    @Test
    void thisJvmsOwnContainerIsNotALeftover() {
        Map<String, String> own = Leftovers.labelsForThisJvm();
        assertThat(own).containsEntry(Leftovers.KIND, Leftovers.KIND_VALUE)
                .containsEntry(Leftovers.PID, Long.toString(ProcessHandle.current().pid()));
        // The real process check: this JVM runs, with the start time the label records.
        assertThat(Leftovers.isLeftover(own, Leftovers.machine(), Instant.now(), Leftovers::processRuns)).isFalse();
        Map<String, String> reused = new HashMap<>(own);
        reused.put(Leftovers.PROCESS_START, "1");
        assertThat(Leftovers.isLeftover(reused, Leftovers.machine(), Instant.now(), Leftovers::processRuns))
                .as("the same process id with another start time is another process")
                .isEqualTo(!Leftovers.machine().endsWith("/"));
    }
}
