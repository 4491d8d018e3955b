package com.voxanne.schema.internal;

import com.voxanne.schema.AppliedMigration;
import com.voxanne.schema.MigrationListener;
import com.voxanne.schema.MigrationStatus;
import com.voxanne.schema.RollbackRefusedException;
import com.voxanne.schema.RollbackResult;
import com.voxanne.schema.SchemaException;
import com.voxanne.schema.VoxanneSchema;
import com.voxanne.schema.session.RequestBinding.Placement;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.flywaydb.core.api.MigrationVersion;

/**
 * Runs the shipped rollback scripts (Flyway's community edition has no undo). All scripts of one
 * rollback run in a single transaction with the history rows they remove, so a refusal or failure
 * leaves the database exactly as it was.
 */
final class RollbackRunner {

    /** SQLSTATE the rollback scripts raise when they would destroy data and are not forced. */
    static final String REFUSED_SQLSTATE = "VX001";
    /** Transaction-local setting the scripts read to allow data loss. */
    static final String FORCE_SETTING = "voxanne.rollback_force";
    /** The oldest version a distributed database may be rolled back to: V17's audit triggers run on a shard. */
    static final MigrationVersion OLDEST_ON_A_DISTRIBUTED_DATABASE = MigrationVersion.fromVersion("17");

    private final DataSource dataSource;
    private final MigrationListener listener;

    RollbackRunner(DataSource dataSource, MigrationListener listener) {
        this.dataSource = dataSource;
        this.listener = listener;
    }

    RollbackResult rollbackTo(List<MigrationStatus> statuses, String version, boolean force, Placement placement) {
        MigrationVersion target = parse(version);
        if (placement == Placement.DISTRIBUTED && OLDEST_ON_A_DISTRIBUTED_DATABASE.isNewerThan(target)) {
            throw new RollbackRefusedException(RollbackRefusedException.Reason.OLDER_THAN_A_DISTRIBUTED_DATABASE_ALLOWS,
                    "rollback to version " + version + " refused, nothing changed: the database"
                    + " is distributed by Citus, where Voxanne's schema runs from version " + OLDEST_ON_A_DISTRIBUTED_DATABASE
                    + " on (its audit triggers name their table, which the audit rows written on a shard need;"
                    + " docs/citus.md, fact 36); version " + OLDEST_ON_A_DISTRIBUTED_DATABASE + " is the oldest to"
                    + " roll back to there", null);
        }
        List<MigrationStatus> applied = statuses.stream()
                .filter(s -> s.state() == MigrationStatus.State.APPLIED)
                .collect(Collectors.toList());
        String from = applied.isEmpty() ? "0" : applied.get(applied.size() - 1).version();
        List<MigrationStatus> toUndo = applied.stream()
                .filter(s -> MigrationVersion.fromVersion(s.version()).isNewerThan(target))
                .sorted(Comparator.comparing((MigrationStatus s) -> MigrationVersion.fromVersion(s.version())).reversed())
                .collect(Collectors.toList());
        List<String> scripts = new ArrayList<>();
        for (MigrationStatus s : toUndo) {
            scripts.add(load(s, placement));
        }
        List<AppliedMigration> undone = new ArrayList<>();
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (Statement st = c.createStatement();
                 PreparedStatement forget = c.prepareStatement(
                         "delete from public." + VoxanneSchema.HISTORY_TABLE + " where version = ?")) {
                // Like the migrations: fail fast rather than queue behind a long transaction on a live database.
                st.execute("select set_config('lock_timeout', '10s', true)");
                if (force) {
                    st.execute("select set_config('" + FORCE_SETTING + "', 'on', true)");
                }
                for (int i = 0; i < toUndo.size(); i++) {
                    MigrationStatus s = toUndo.get(i);
                    long started = System.nanoTime();
                    st.execute(scripts.get(i));
                    forget.setString(1, s.version());
                    forget.executeUpdate();
                    undone.add(new AppliedMigration(s.version(), s.description(), (System.nanoTime() - started) / 1_000_000));
                }
                c.commit();
            } catch (SQLException e) {
                c.rollback();
                // The scripts' refusals are Voxanne's own RAISEs (SQLSTATE VX001): they name the table and a
                // count, and SqlFailures passes their words on; anything else is told by SQLSTATE and names.
                if (REFUSED_SQLSTATE.equals(e.getSQLState())) {
                    throw new RollbackRefusedException("rollback to version " + version + " refused, nothing changed: "
                            + serverMessage(e) + " (force it only if that data may go)", SqlFailures.scrub(e));
                }
                throw new SchemaException("rollback to version " + version + " failed, nothing changed: "
                        + SqlFailures.describe(e), SqlFailures.scrub(e));
            }
        } catch (SQLException e) {
            throw new SchemaException("rollback to version " + version + " failed: " + SqlFailures.describe(e),
                    SqlFailures.scrub(e));
        }
        undone.forEach(listener::completed);
        return new RollbackResult(from, version, undone);
    }

    private static MigrationVersion parse(String version) {
        try {
            return MigrationVersion.fromVersion(version);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a migration version: '" + version + "'", e);
        }
    }

    /** The rollback script of {@code migration}, its tenant policies in the form {@code placement} needs. */
    private static String load(MigrationStatus migration, Placement placement) {
        String script = migration.script();
        if (!script.startsWith("V")) {
            throw new SchemaException("version " + migration.version() + " (" + script + ") has no rollback script");
        }
        String resource = VoxanneSchema.ROLLBACK_LOCATION + "/U" + script.substring(1);
        try (InputStream in = VoxanneSchema.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new SchemaException("rollback script " + resource + " is missing for version " + migration.version());
            }
            return MigrationPlaceholders.resolve(new String(in.readAllBytes(), StandardCharsets.UTF_8), resource, placement);
        } catch (IOException e) {
            throw new SchemaException("cannot read " + resource + ": " + e.getMessage(), e);
        }
    }

    /** The script's own sentence where {@link SqlFailures} allows it, else the SQLSTATE and names. */
    private static String serverMessage(SQLException e) {
        String words = SqlFailures.serverWords(e);
        return words != null ? words : SqlFailures.describe(e);
    }
}
