package com.voxanne.dao.internal;

import com.voxanne.dao.VoxanneObserver;
import com.voxanne.dao.metrics.VoxanneMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Locale;

/**
 * What reporting one repository call and its unit to Micrometer costs the calling thread, against the
 * same calls with no observer, in one run (docs/benchmarks.md, "Metrics"). A main class in the test
 * sources, not a test: surefire never runs it.
 */
public final class ObserverCostBenchmark {

    private static final VoxanneObserver.Operation OPERATION = new VoxanneObserver.Operation("contacts", "list");
    private static volatile Object sink;

    private ObserverCostBenchmark() {
    }

    public static void main(String[] args) throws Throwable {
        long calls = args.length > 0 ? Long.parseLong(args[0]) : 20_000_000L;
        VoxanneObserver metrics = VoxanneMetrics.of(new SimpleMeterRegistry());
        for (int round = 1; round <= 5; round++) {
            double none = nanosPerCall(VoxanneObserver.NONE, calls);
            double metered = nanosPerCall(metrics, calls);
            System.out.printf(Locale.ROOT, "round %d: no observer %.1f ns/call, Micrometer %.1f ns/call, metrics cost %.1f ns/call%n",
                    round, none, metered, metered - none);
        }
    }

    /** A call as the per-call proxy makes it: timed and reported, with its unit timed and reported too. */
    private static double nanosPerCall(VoxanneObserver observer, long calls) throws Throwable {
        long start = System.nanoTime();
        for (long i = 0; i < calls; i++) {
            long unitStart = observer == VoxanneObserver.NONE ? 0 : System.nanoTime();
            sink = Observed.call(observer, OPERATION, () -> OPERATION);
            if (observer != VoxanneObserver.NONE) {
                long nanos = System.nanoTime() - unitStart;
                Observed.report(() -> observer.unitEnded(VoxanneObserver.UnitKind.TENANT_SINGLE_STATEMENT, nanos, true));
            }
        }
        return (System.nanoTime() - start) / (double) calls;
    }
}
