package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;

import com.voxanne.testkit.VoxannePostgres;
import com.voxanne.testkit.postgres.TestDatabase;
import com.voxanne.testkit.postgres.TestPostgresConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.Test;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * jOOQ's logo and tip of the day never reach the log of an application that uses Voxanne. jOOQ prints
 * them once per class loader, so each case runs in a JVM of its own (this test's class path, slf4j-simple
 * writing to stderr as an application's logger would): in this JVM other tests rendered SQL long ago.
 */
@VoxannePostgres
class JooqBannerTest {

    private static final String LOGO = "Thank you for using jOOQ";
    private static final String TIP = "jOOQ tip of the day";

    @Test
    void constructingVoxanneAndRunningACallPrintsNoBanner(TestDatabase db) throws Exception {
        String output = run(db, "voxanne");
        assertThat(output).contains("probe done: Banner clinic");
        assertThat(output).doesNotContain(LOGO).doesNotContain(TIP);
    }

    @Test
    void theSystemPropertiesAreAsTheApplicationLeftThem(TestDatabase db) throws Exception {
        assertThat(run(db, "voxanne")).contains("org.jooq.no-logo=null, org.jooq.no-tips=null");
        assertThat(run(db, "voxanne", "-Dorg.jooq.no-logo=false", "-Dorg.jooq.no-tips=yes"))
                .contains("org.jooq.no-logo=false, org.jooq.no-tips=yes");
    }

    /** The control: plain jOOQ in the same kind of JVM prints both, so the capture would have seen them. */
    @Test
    void plainJooqPrintsTheBanner(TestDatabase db) throws Exception {
        String output = run(db, "plain");
        assertThat(output).contains("probe done: 1").contains(LOGO).contains(TIP);
    }

    private static String run(TestDatabase db, String mode, String... jvmOptions) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Probe.class.getName(), mode,
                db.jdbcUrl(), db.server().loginRole(), TestPostgresConfig.fromEnvironment().loginPassword()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        byte[] bytes = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = new String(bytes, StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as(output).isZero();
        return output;
    }

    /** The application: {@code mode} is {@code voxanne} (Voxanne's first call) or {@code plain} (jOOQ alone). */
    static final class Probe {
        public static void main(String[] args) throws Exception {
            PGSimpleDataSource pool = new PGSimpleDataSource();
            pool.setURL(args[1]);
            pool.setUser(args[2]);
            pool.setPassword(args[3]);
            String result;
            if (args[0].equals("voxanne")) {
                Voxanne voxanne = Voxanne.create(pool);
                result = voxanne.service().organizations().create("Banner clinic", "UTC").name();
            } else {
                try (Connection c = pool.getConnection()) {
                    result = String.valueOf(DSL.using(c, SQLDialect.POSTGRES).fetchValue("select 1"));
                }
            }
            System.out.println("probe done: " + result);
            System.out.println("org.jooq.no-logo=" + System.getProperty("org.jooq.no-logo")
                    + ", org.jooq.no-tips=" + System.getProperty("org.jooq.no-tips"));
        }
    }
}
