package com.voxanne.dao.bench;

import com.voxanne.schema.session.RequestBinding;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;

/**
 * What the benchmarks of this package share: measuring a task's throughput on several threads, the
 * median of rounds, pools, reading a result whole, the DAO's query without its binding, and the summary
 * of a plan.
 */
final class Bench {

    private Bench() {
    }

    /** One call of the measured operation. */
    interface Task {
        void run() throws Exception;
    }

    /**
     * Throughput, the benchmark JVM's CPU time per operation (all its threads, GC and JIT compilation
     * included), and the CPU time of the threads that made the calls alone, per operation: the code a
     * call runs, without what the JVM does beside it (compiling, collecting) and charges to whichever
     * variant happens to be measured. The JIT's compilation time during the counted calls, per
     * operation, tells how much of the difference between the two CPU figures is compilation: the JVM
     * compiles and recompiles shared code (PgJDBC's, the pool's) whenever the variants' profiles change
     * it, whichever variant runs at the time.
     */
    record Measurement(double opsPerSecond, double clientCpuMicrosPerOp, double callerCpuMicrosPerOp,
                       double compilationMicrosPerOp) {

        Measurement(double opsPerSecond, double clientCpuMicrosPerOp) {
            this(opsPerSecond, clientCpuMicrosPerOp, Double.NaN, Double.NaN);
        }
    }

    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final CompilationMXBean JIT = ManagementFactory.getCompilationMXBean();

    /** The benchmark JVM's CPU time so far, all threads, in nanoseconds. */
    static long processCpuNanos() {
        return OS.getProcessCpuTime();
    }

    /** The round with the median throughput. */
    static Measurement median(List<Measurement> rounds) {
        List<Measurement> sorted = new ArrayList<>(rounds);
        sorted.sort(Comparator.comparingDouble(Measurement::opsPerSecond));
        return sorted.get(sorted.size() / 2);
    }

    /**
     * Operations per second of {@code task} on {@code threads} threads: every thread calls it in a loop,
     * {@code warmupSeconds} uncounted, then {@code seconds} counted. A task's failure stops the run and is
     * thrown.
     */
    static Measurement measure(int threads, int warmupSeconds, int seconds, Task task) throws InterruptedException {
        LongAdder count = new LongAdder();
        LongAdder callerCpu = new LongAdder();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        // 0 warming up, 1 measuring, 2 stop
        int[] phase = {0};
        Object lock = new Object();
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread worker = new Thread(() -> {
                // this thread's CPU from its first counted call to the end of its last one
                long cpuAtFirstCounted = -1;
                while (true) {
                    int p;
                    synchronized (lock) {
                        p = phase[0];
                    }
                    if (p == 1 && cpuAtFirstCounted < 0) {
                        cpuAtFirstCounted = THREADS.getCurrentThreadCpuTime();
                    }
                    if (p == 2 || failure.get() != null) {
                        if (cpuAtFirstCounted >= 0) {
                            callerCpu.add(THREADS.getCurrentThreadCpuTime() - cpuAtFirstCounted);
                        }
                        return;
                    }
                    try {
                        task.run();
                    } catch (Throwable e) {
                        failure.compareAndSet(null, e);
                        return;
                    }
                    if (p == 1) {
                        count.increment();
                    }
                }
            }, "bench-" + t);
            workers.add(worker);
            worker.start();
        }
        Thread.sleep(warmupSeconds * 1000L);
        long start;
        long cpuStart;
        long jitStart;
        synchronized (lock) {
            phase[0] = 1;
            start = System.nanoTime();
            cpuStart = OS.getProcessCpuTime();
            jitStart = JIT.getTotalCompilationTime();
        }
        Thread.sleep(seconds * 1000L);
        long end;
        long done;
        long cpuEnd;
        long jitEnd;
        synchronized (lock) {
            phase[0] = 2;
            end = System.nanoTime();
            cpuEnd = OS.getProcessCpuTime();
            jitEnd = JIT.getTotalCompilationTime();
            done = count.sum();
        }
        for (Thread worker : workers) {
            worker.join();
        }
        if (failure.get() != null) {
            throw new IllegalStateException("benchmark task failed", failure.get());
        }
        return new Measurement(done / ((end - start) / 1e9), (cpuEnd - cpuStart) / 1e3 / Math.max(1, done),
                callerCpu.sum() / 1e3 / Math.max(1, done), (jitEnd - jitStart) * 1e3 / Math.max(1, done));
    }

    /** One call of a paired comparison, given the input both variants share. */
    interface PairedTask {
        void run(Object input) throws Exception;
    }

    /**
     * What {@link #paired} measured: CPU microseconds and allocated bytes per call of each variant, and
     * the CPU ratio over the whole run and over each half (how steady it was).
     */
    record Paired(double firstCpuMicros, double firstBytes, double secondCpuMicros, double secondBytes,
                  double cpuRatio, double cpuRatioFirstHalf, double cpuRatioSecondHalf) {
    }

    /**
     * {@code calls} calls of each of two variants on this thread, alternating call by call (which goes
     * first alternates too) with the same input from {@code inputs}, each call's CPU time and allocated
     * bytes taken around it. The machine's load, the JIT and the collector then fall on both alike; what
     * differs is what each variant's own code costs on the calling thread.
     */
    static Paired paired(int calls, java.util.function.Supplier<Object> inputs, PairedTask first, PairedTask second)
            throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) THREADS;
        long tid = Thread.currentThread().getId();
        long[] cpu = new long[4];  // first, second: first half; first, second: second half
        long[] bytes = new long[2];
        for (int i = 0; i < calls; i++) {
            Object input = inputs.get();
            int half = i < calls / 2 ? 0 : 2;
            for (int k = 0; k < 2; k++) {
                boolean runFirst = (k == 0) == (i % 2 == 0);
                long b0 = threads.getThreadAllocatedBytes(tid);
                long c0 = THREADS.getCurrentThreadCpuTime();
                (runFirst ? first : second).run(input);
                long c1 = THREADS.getCurrentThreadCpuTime();
                long b1 = threads.getThreadAllocatedBytes(tid);
                cpu[half + (runFirst ? 0 : 1)] += c1 - c0;
                bytes[runFirst ? 0 : 1] += b1 - b0;
            }
        }
        double n = calls;
        return new Paired((cpu[0] + cpu[2]) / 1e3 / n, bytes[0] / n, (cpu[1] + cpu[3]) / 1e3 / n, bytes[1] / n,
                (double) (cpu[0] + cpu[2]) / (cpu[1] + cpu[3]), (double) cpu[0] / cpu[1], (double) cpu[2] / cpu[3]);
    }

    /** A Hikari pool of {@code size} connections over {@code ds}, all opened at once. */
    static HikariDataSource pool(DataSource ds, int size, String name) {
        return pool(ds, size, name, null);
    }

    /** As {@link #pool(DataSource, int, String)}, each connection first running {@code initSql} (when set). */
    static HikariDataSource pool(DataSource ds, int size, String name, String initSql) {
        HikariConfig config = new HikariConfig();
        config.setDataSource(ds);
        config.setMaximumPoolSize(size);
        config.setMinimumIdle(size);
        config.setPoolName(name);
        if (initSql != null) {
            config.setConnectionInitSql(initSql);
        }
        return new HikariDataSource(config);
    }

    /** Reads every column of every row, as a client that maps the rows would. */
    static void readAll(ResultSet rs) throws SQLException {
        int columns = rs.getMetaData().getColumnCount();
        while (rs.next()) {
            for (int i = 1; i <= columns; i++) {
                rs.getObject(i);
            }
        }
    }

    /**
     * The query alone when the DAO sent the binding prefixed to it in one string
     * ({@code BIND_SQL; query}, or {@code begin; BIND_SQL; query; commit} for a single-statement unit):
     * the begin, the binding and its parameters removed, the others renumbered, the commit dropped.
     */
    static RecordingDataSource.Statement withoutBinding(RecordingDataSource.Statement statement) {
        String sql = statement.sql().replaceFirst("^begin;\\s*", "");
        if (!sql.startsWith(RequestBinding.BIND_SQL)) {
            return statement;
        }
        String query = sql.substring(RequestBinding.BIND_SQL.length()).replaceFirst("^\\s*;\\s*", "")
                .replaceFirst(";\\s*commit\\s*$", "");
        List<RecordingDataSource.Bind> binds = new ArrayList<>();
        for (RecordingDataSource.Bind bind : statement.binds()) {
            int index = (Integer) bind.args()[0];
            if (index > RequestBinding.PARAMETER_COUNT) {
                Object[] args = bind.args().clone();
                args[0] = index - RequestBinding.PARAMETER_COUNT;
                binds.add(new RecordingDataSource.Bind(bind.setter(), args));
            }
        }
        return new RecordingDataSource.Statement(query, binds);
    }

    private static final Pattern SCAN = Pattern.compile(
            "(Index Only Scan(?: Backward)? using \\w+|Index Scan(?: Backward)? using \\w+|Bitmap Index Scan on \\w+|Seq Scan on \\w+)");
    private static final Pattern EXECUTION = Pattern.compile("Execution Time: ([0-9.]+) ms");
    private static final Pattern ROWS_REMOVED = Pattern.compile("Rows Removed by (?:Filter|Index Recheck): (\\d+)");

    /** The scans of a plan, the rows its filters removed and its execution time. */
    static String planSummary(String plan) {
        Set<String> scans = new LinkedHashSet<>();
        Matcher m = SCAN.matcher(plan);
        while (m.find()) {
            scans.add(m.group(1).replaceFirst("^(Index Only Scan|Index Scan|Bitmap Index Scan)(?: Backward)? (?:using|on) ", "$1 ")
                    .replace("Index Only Scan ", "index-only ").replace("Index Scan ", "index ")
                    .replace("Bitmap Index Scan ", "bitmap ").replace("Seq Scan on ", "SEQ SCAN "));
        }
        long removed = 0;
        Matcher r = ROWS_REMOVED.matcher(plan);
        while (r.find()) {
            removed += Long.parseLong(r.group(1));
        }
        Matcher e = EXECUTION.matcher(plan);
        String time = e.find() ? e.group(1) + " ms" : "?";
        return String.join(", ", scans) + (removed > 0 ? "; " + removed + " rows filtered out" : "") + "; " + time;
    }
}
