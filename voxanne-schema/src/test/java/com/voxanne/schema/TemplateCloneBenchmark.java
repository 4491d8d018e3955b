package com.voxanne.schema;

import com.voxanne.testkit.postgres.DatabaseTemplate;
import com.voxanne.testkit.postgres.PostgresServer;
import com.voxanne.testkit.postgres.TestDatabase;
import com.voxanne.testkit.postgres.TestPostgres;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * How long a test class waits for its database: a clone of the migrated template (the test kit's way,
 * STRATEGY FILE_COPY), the same clone with PostgreSQL's default WAL_LOG strategy, and — the baseline —
 * migrating a fresh database from scratch. All three in one run on one server; reported as medians and
 * as ratios to the baseline. Not a test: run it with the command in docs/benchmarks.md.
 */
public final class TemplateCloneBenchmark {

    private TemplateCloneBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 25;
        PostgresServer server = TestPostgres.shared();
        DatabaseTemplate template = SchemaTestSupport.migrated();

        List<Double> fileCopy = new ArrayList<>();
        List<Double> walLog = new ArrayList<>();
        List<Double> migrate = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
            long t0 = System.nanoTime();
            TestDatabase clone = template.newDatabase();
            fileCopy.add(millis(t0));
            clone.close();

            String name = "vx_bench_wal_" + i;
            t0 = System.nanoTime();
            admin(server, "create database " + name + " template \"" + template.name() + "\" strategy wal_log");
            walLog.add(millis(t0));
            admin(server, "drop database " + name);

            if (i < Math.max(3, rounds / 5)) {
                try (TestDatabase fresh = server.createDatabase()) {
                    t0 = System.nanoTime();
                    VoxanneSchema.configure().dataSource(fresh.adminDataSource()).load().migrate();
                    migrate.add(millis(t0));
                }
            }
        }
        double baseline = median(migrate);
        System.out.printf("server: PostgreSQL %d via %s, %d rounds%n", server.versionNumber(), server.backend(), rounds);
        System.out.printf("%-40s %10s %10s %14s%n", "way to get a migrated database", "median ms", "p90 ms", "vs migrate");
        report("clone, STRATEGY FILE_COPY (test kit)", fileCopy, baseline);
        report("clone, STRATEGY WAL_LOG (default)", walLog, baseline);
        report("migrate a fresh database (baseline)", migrate, baseline);
        server.close();
    }

    private static void report(String label, List<Double> samples, double baseline) {
        System.out.printf("%-40s %10.1f %10.1f %13.3fx%n", label, median(samples), percentile(samples, 0.9),
                median(samples) / baseline);
    }

    private static void admin(PostgresServer server, String sql) throws SQLException {
        try (Connection c = server.adminDataSource("postgres").getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }

    private static double millis(long start) {
        return (System.nanoTime() - start) / 1_000_000.0;
    }

    private static double median(List<Double> samples) {
        return percentile(samples, 0.5);
    }

    private static double percentile(List<Double> samples, double p) {
        List<Double> sorted = new ArrayList<>(samples);
        Collections.sort(sorted);
        return sorted.get((int) Math.min(sorted.size() - 1, Math.floor(p * sorted.size())));
    }
}
