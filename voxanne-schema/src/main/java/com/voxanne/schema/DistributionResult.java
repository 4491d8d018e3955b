package com.voxanne.schema;

import com.voxanne.schema.internal.SqlFailures;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * What {@link VoxanneSchema#distribute()} did, table by table, and what the operator must still do on
 * each worker. A second run on a distributed database reports every table as already placed and
 * {@link #changed()} false.
 *
 * @param tables Voxanne's tables placed on the cluster, in the order they are placed
 * @param settingsAdded the database settings added ({@code citus.propagate_set_commands=local},
 *     {@code citus.enable_unsafe_triggers=on}); empty when both were already there
 * @param workers the active primary workers, each with what is left to do there
 */
public record DistributionResult(List<Table> tables, List<String> settingsAdded, List<Worker> workers) {

    /** Copies the lists. */
    public DistributionResult {
        tables = List.copyOf(tables);
        settingsAdded = List.copyOf(settingsAdded);
        workers = List.copyOf(workers);
    }

    /** How a table is placed on the cluster. */
    public enum Placement {
        /** Sharded by {@link Table#distributionColumn()} across the workers. */
        DISTRIBUTED,
        /** A full copy on every node ({@code auth.users}: every shard's foreign keys and joins reach it locally). */
        REFERENCE
    }

    /**
     * One table.
     *
     * @param name schema-qualified ({@code public.contacts}, {@code auth.users})
     * @param placement how it is placed
     * @param distributionColumn {@code org_id}, {@code id} for organizations; null for a reference table
     * @param placedNow whether this run placed it (its rows moved into shards); false when it already was
     * @param primaryKeyChanged whether this run changed its primary key from {@code (id)} to {@code (org_id, id)}
     * @param policiesRewritten how many of its policies this run rewrote from {@code (select auth_org_id())}
     *     to {@code auth_org_id()}
     */
    public record Table(String name, Placement placement, String distributionColumn, boolean placedNow,
                        boolean primaryKeyChanged, int policiesRewritten) {

        /** Checks the name and placement. */
        public Table {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(placement, "placement");
        }

        /** Whether this run changed anything about the table. */
        public boolean changed() {
            return placedNow || primaryKeyChanged || policiesRewritten > 0;
        }

        /** One line, for example {@code public.contacts: distributed by org_id now; primary key (org_id, id); 4 policies rewritten}. */
        @Override
        public String toString() {
            List<String> parts = new ArrayList<>();
            String how = placement == Placement.REFERENCE ? "reference table" : "distributed by " + distributionColumn;
            parts.add(placedNow ? how + " now" : "already " + how);
            if (primaryKeyChanged) {
                parts.add("primary key (org_id, id)");
            }
            if (policiesRewritten > 0) {
                parts.add(policiesRewritten + (policiesRewritten == 1 ? " policy" : " policies") + " rewritten to auth_org_id()");
            }
            return name + ": " + String.join("; ", parts);
        }
    }

    /**
     * One worker and what the operator must still do there. Citus reaches a worker as the coordinator's
     * current user, so a tenant's query arrives there as {@code authenticated} or {@code service_role}:
     * those roles must be allowed to log in on the workers (on the workers only; on the coordinator they
     * stay NOLOGIN) and admitted there from the coordinator alone. Until then every tenant query fails,
     * closed: {@code role "authenticated" is not permitted to log in}.
     *
     * @param host the worker's address as the coordinator knows it
     * @param port its port
     * @param rolesWithoutLogin the API roles that may not log in there yet; empty when done
     */
    public record Worker(String host, int port, List<String> rolesWithoutLogin) {

        /** What the operator must configure on every worker, done or not: pg_hba.conf cannot be read from SQL. */
        public static final String PG_HBA = "admit authenticated and service_role in pg_hba.conf from the coordinator's"
                + " address only (with a password in the coordinator's pg_dist_authinfo, or a certificate)";

        /** Copies the list. */
        public Worker {
            Objects.requireNonNull(host, "host");
            rolesWithoutLogin = List.copyOf(rolesWithoutLogin);
        }

        /**
         * The SQL to run on this worker, as a superuser connected to it, for the roles that may not log in
         * yet; empty when none is left. DDL propagation is off so that the worker does not send the change
         * back to the other nodes (the coordinator's roles stay NOLOGIN).
         */
        public List<String> statements() {
            if (rolesWithoutLogin.isEmpty()) {
                return List.of();
            }
            List<String> sql = new ArrayList<>();
            sql.add("set citus.enable_ddl_propagation = off");
            for (String role : rolesWithoutLogin) {
                sql.add("alter role " + role + " login");
            }
            return List.copyOf(sql);
        }
    }

    /** Whether this run changed anything: placed a table, changed a key or a policy, or added a setting. */
    public boolean changed() {
        return !settingsAdded.isEmpty() || tables.stream().anyMatch(Table::changed);
    }

    /** The workers where roles still need LOGIN. */
    public List<Worker> workersToConfigure() {
        return workers.stream().filter(w -> !w.rolesWithoutLogin().isEmpty()).toList();
    }

    /**
     * Runs each worker's {@link Worker#statements()} there, connected to {@code database} at the worker's
     * address and port as {@code user} (a superuser of the workers) with {@code password}: the step an
     * operator takes after {@code distribute} where the workers admit that user with a password. The
     * {@link Worker#PG_HBA} step is still the operator's. Safe to run twice: it has nothing to run once
     * the roles may log in.
     *
     * @return the workers it ran statements on
     * @throws SchemaException if a worker cannot be reached or refuses a statement, naming the worker and
     *     the SQLSTATE (the workers before it keep what ran there; run {@code distribute} again to see what
     *     is left)
     */
    public List<Worker> configureWorkers(String database, String user, String password) {
        Objects.requireNonNull(database, "database");
        Objects.requireNonNull(user, "user");
        List<Worker> configured = workersToConfigure();
        for (Worker worker : configured) {
            PGSimpleDataSource node = new PGSimpleDataSource();
            node.setServerNames(new String[] {worker.host()});
            node.setPortNumbers(new int[] {worker.port()});
            node.setDatabaseName(database);
            node.setUser(user);
            node.setPassword(password);
            try (Connection c = node.getConnection(); Statement s = c.createStatement()) {
                for (String sql : worker.statements()) {
                    s.execute(sql);
                }
            } catch (SQLException e) {
                throw new SchemaException("configuring worker " + worker.host() + ":" + worker.port() + " (database "
                        + database + ") failed: " + SqlFailures.describe(e), SqlFailures.scrub(e));
            }
        }
        return configured;
    }

    /** One line per table, then the settings and the workers. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        tables.forEach(t -> sb.append(t).append('\n'));
        if (!settingsAdded.isEmpty()) {
            sb.append("database settings added: ").append(String.join(", ", settingsAdded)).append('\n');
        }
        for (Worker w : workers) {
            sb.append("worker ").append(w.host()).append(':').append(w.port()).append(": ")
                    .append(w.rolesWithoutLogin().isEmpty() ? "the API roles may log in"
                            : "to do: " + String.join("; ", w.statements()))
                    .append('\n');
        }
        return sb.toString();
    }
}
