package com.voxanne.testkit.postgres.internal;

import com.voxanne.testkit.postgres.DatabaseTemplate;
import com.voxanne.testkit.postgres.PostgresBackend;
import com.voxanne.testkit.postgres.PostgresServer;
import com.voxanne.testkit.postgres.TemplatePreparer;
import com.voxanne.testkit.postgres.TestDatabase;
import com.voxanne.testkit.postgres.TestPostgresConfig;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A started server plus what the test kit keeps on it: the login role, the templates and the databases
 * this JVM created (dropped on close, so an external server is left as it was found).
 */
final class ManagedServer implements PostgresServer {

    /** How long a drop on a Citus node waits for the extension's reconnections to let go. */
    private static final long DROP_RETRY_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(10);

    private static final Logger LOG = LoggerFactory.getLogger(ManagedServer.class);
    private static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
    /**
     * FILE_COPY copies the template's files directly; for the small databases of tests it is several
     * times faster than the default WAL_LOG, which writes every block to the WAL (see docs/benchmarks.md).
     */
    static final String CLONE_STRATEGY = System.getProperty("voxanne.test.clone-strategy", "FILE_COPY");

    private final StartedProcess process;
    private final TestPostgresConfig config;
    /** Distinguishes this JVM's databases from those of other JVMs sharing an external server. */
    private final String token;
    private final int versionNumber;
    private final boolean pgauditPreloaded;
    private final AtomicInteger counter = new AtomicInteger();
    private final Map<String, Template> templates = new ConcurrentHashMap<>();
    private final Set<String> databases = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    private ManagedServer(StartedProcess process, TestPostgresConfig config, int versionNumber, boolean pgauditPreloaded) {
        this.process = process;
        this.config = config;
        this.token = randomToken(6);
        this.versionNumber = versionNumber;
        this.pgauditPreloaded = pgauditPreloaded;
    }

    static ManagedServer open(StartedProcess process, TestPostgresConfig config) throws UnavailableException {
        try (Connection c = admin(process, process.maintenanceDatabase()).getConnection();
             Statement s = c.createStatement()) {
            int version = queryInt(s, "select current_setting('server_version_num')::int");
            boolean pgaudit;
            try (ResultSet rs = s.executeQuery("select current_setting('shared_preload_libraries')")) {
                rs.next();
                pgaudit = rs.getString(1).toLowerCase(Locale.ROOT).contains("pgaudit");
            }
            if (version < 150000) {
                throw new UnavailableException("PostgreSQL " + version + " is too old: 15 or newer is needed");
            }
            ensureLoginRole(s, config);
            return new ManagedServer(process, config, version, pgaudit);
        } catch (SQLException e) {
            process.stop();
            throw new UnavailableException("the server started but could not be set up: " + e.getMessage(), e);
        } catch (UnavailableException e) {
            process.stop();
            throw e;
        }
    }

    /**
     * Creates or resets the login role. Its attributes are what make row-level security apply to tests:
     * never superuser, never BYPASSRLS, and NOINHERIT so that it only has a role's rights after SET ROLE.
     */
    private static void ensureLoginRole(Statement s, TestPostgresConfig config) throws SQLException {
        String role = Sql.identifier(config.loginRole());
        // Other JVMs may share an external server: serialise role changes between them.
        s.execute("select pg_advisory_lock(hashtext('voxanne-testkit-login-role'))");
        try {
            boolean exists;
            try (ResultSet rs = s.executeQuery("select 1 from pg_roles where rolname = " + Sql.literal(config.loginRole()))) {
                exists = rs.next();
            }
            if (!exists) {
                s.execute("create role " + role + " login noinherit");
            }
            s.execute("alter role " + role + " with login noinherit nosuperuser nobypassrls nocreatedb nocreaterole password "
                    + Sql.literal(config.loginPassword()));
        } finally {
            s.execute("select pg_advisory_unlock(hashtext('voxanne-testkit-login-role'))");
        }
    }

    @Override
    public PostgresBackend backend() {
        return process.backend();
    }

    @Override
    public String host() {
        return process.host();
    }

    @Override
    public int port() {
        return process.port();
    }

    @Override
    public int versionNumber() {
        return versionNumber;
    }

    @Override
    public boolean pgauditPreloaded() {
        return pgauditPreloaded;
    }

    @Override
    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + process.host() + ":" + process.port() + "/" + database;
    }

    @Override
    public DataSource adminDataSource(String database) {
        return admin(process, database);
    }

    @Override
    public DataSource loginDataSource(String database) {
        if (config.loginUrl().isEmpty()) {
            return dataSource(process, database, config.loginRole(), config.loginPassword());
        }
        // Through a pooler: its host, port and parameters, this database, the same role and settings.
        PGSimpleDataSource pooled = new PGSimpleDataSource();
        pooled.setURL(config.loginUrl().get());
        pooled.setDatabaseName(database);
        pooled.setUser(config.loginRole());
        pooled.setPassword(config.loginPassword());
        pooled.setApplicationName("voxanne-testkit");
        pooled.setConnectTimeout(10);
        return pooled;
    }

    @Override
    public String loginRole() {
        return config.loginRole();
    }

    @Override
    public DatabaseTemplate template(String name, TemplatePreparer preparer) {
        checkOpen();
        Template template = templates.computeIfAbsent(name, n -> new Template(n, templateName(n), preparer));
        template.ensurePrepared();
        return template;
    }

    @Override
    public TestDatabase createDatabase() {
        checkOpen();
        return cloneOf("template0", "WAL_LOG");
    }

    private TestDatabase cloneOf(String source, String strategy) {
        String name = "vx_" + token + "_" + counter.incrementAndGet();
        // On a Citus cluster each node clones its own copy of the source: the clones together are a copy of
        // the cluster, whose metadata names the nodes by address and the shards by their (copied) tables.
        executeOnEveryNode("create database " + Sql.identifier(name) + " template " + Sql.identifier(source)
                + " strategy " + strategy);
        databases.add(name);
        if (source.equals("template0")) {
            joinCluster(name);
        } else {
            executeOnEveryNode(copyDatabaseLevelState(source, name));
        }
        return new Database(name);
    }

    /**
     * Makes a new, empty database on a Citus cluster a distributed one: the extension on every node (a
     * database's extensions are its own) and, on the coordinator, the nodes registered in it. A no-op for
     * a single server.
     */
    private void joinCluster(String database) {
        if (process.workerPorts().isEmpty()) {
            return;
        }
        for (int port : nodePorts()) {
            executeOn(port, database, "create extension if not exists citus");
        }
        executeOn(process.port(), database, "select pg_catalog.citus_set_coordinator_host(" + Sql.literal(process.host())
                + ", " + process.port() + ")");
        for (int port : process.workerPorts()) {
            executeOn(process.port(), database, "select pg_catalog.citus_add_node(" + Sql.literal(process.host()) + ", "
                    + port + ")");
        }
    }

    /** The coordinator (or the only server) first, then any workers. */
    private List<Integer> nodePorts() {
        List<Integer> ports = new ArrayList<>();
        ports.add(process.port());
        ports.addAll(process.workerPorts());
        return ports;
    }

    private void executeOnEveryNode(String sql) {
        for (int port : nodePorts()) {
            executeOn(port, process.maintenanceDatabase(), sql);
        }
    }

    private void executeOn(int port, String database, String sql) {
        PGSimpleDataSource ds = (PGSimpleDataSource) dataSource(process, database, process.adminUser(), process.adminPassword());
        ds.setPortNumbers(new int[] {port});
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            s.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("test database setup failed on port " + port + ": " + sql + ": " + e.getMessage(), e);
        }
    }

    /**
     * CREATE DATABASE copies a template's content but not what is kept per database outside it: the
     * database's own privileges (a schema may revoke TEMPORARY from PUBLIC) and the role settings made
     * {@code IN DATABASE}. A clone is meant to be the template again, so both are copied.
     */
    private static String copyDatabaseLevelState(String source, String target) {
        return """
                do $copy$
                declare
                  v_source oid := (select oid from pg_catalog.pg_database where datname = %1$s);
                  v_owner  oid := (select datdba from pg_catalog.pg_database where datname = %1$s);
                  v_acl    pg_catalog.aclitem[] := (select datacl from pg_catalog.pg_database where datname = %1$s);
                  v_grant  record;
                  v_setting record;
                begin
                  if v_acl is not null then
                    execute pg_catalog.format('revoke all on database %%I from public', %2$s);
                    for v_grant in
                      select a.grantee, a.privilege_type, a.is_grantable from pg_catalog.aclexplode(v_acl) a
                       where a.grantee <> v_owner
                    loop
                      execute pg_catalog.format('grant %%s on database %%I to %%s%%s', v_grant.privilege_type, %2$s,
                        case when v_grant.grantee = 0 then 'public'
                             else pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(v_grant.grantee)) end,
                        case when v_grant.is_grantable then ' with grant option' else '' end);
                    end loop;
                  end if;
                  for v_setting in
                    select s.setrole, pg_catalog.unnest(s.setconfig) as item
                      from pg_catalog.pg_db_role_setting s where s.setdatabase = v_source
                  loop
                    execute pg_catalog.format(
                      case when v_setting.setrole = 0 then 'alter database %%2$I set %%3$I = %%4$L'
                           else 'alter role %%1$I in database %%2$I set %%3$I = %%4$L' end,
                      pg_catalog.pg_get_userbyid(v_setting.setrole), %2$s,
                      pg_catalog.split_part(v_setting.item, '=', 1),
                      pg_catalog.substr(v_setting.item, pg_catalog.strpos(v_setting.item, '=') + 1));
                  end loop;
                end $copy$""".formatted(Sql.literal(source), Sql.literal(target));
    }

    private String templateName(String name) {
        String clean = name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_]", "_");
        String full = "vx_" + token + "_tpl_" + clean;
        return full.length() > 63 ? full.substring(0, 63) : full;
    }

    private void drop(String name) {
        if (!databases.remove(name)) {
            return;
        }
        String drop = "drop database if exists " + Sql.identifier(name) + " with (force)";
        if (process.workerPorts().isEmpty()) {
            executeOn(process.port(), process.maintenanceDatabase(), drop);
            return;
        }
        // A two-phase commit cut off halfway (a test terminating the backends of a distributed unit) leaves
        // a prepared transaction that holds the database until Citus's maintenance daemon recovers it, up to
        // a minute later, and refuses the drop meanwhile; the database is going, so is the transaction.
        for (int port : nodePorts()) {
            rollBackPreparedTransactions(port, name);
        }
        // On a Citus node the extension's maintenance daemon and the coordinator's cached connections to
        // the workers come back between FORCE's termination and the drop: closed first, then dropped,
        // and the drop tried again while a reconnection still holds the database.
        for (int port : nodePorts()) {
            executeOn(port, process.maintenanceDatabase(), "alter database " + Sql.identifier(name)
                    + " with allow_connections false");
        }
        for (int port : nodePorts()) {
            dropWhenReleased(port, drop);
        }
    }

    /**
     * Rolls back the transactions prepared in {@code database} on {@code port}. PostgreSQL finishes a
     * prepared transaction only from a session of its database; one that Citus's recovery finished in the
     * meantime is gone (42704) and needs nothing.
     */
    private void rollBackPreparedTransactions(int port, String database) {
        PGSimpleDataSource ds = (PGSimpleDataSource) dataSource(process, database, process.adminUser(), process.adminPassword());
        ds.setPortNumbers(new int[] {port});
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            List<String> prepared = new ArrayList<>();
            try (ResultSet rs = s.executeQuery("select gid from pg_catalog.pg_prepared_xacts where database = current_database()")) {
                while (rs.next()) {
                    prepared.add(rs.getString(1));
                }
            }
            for (String gid : prepared) {
                try {
                    s.execute("rollback prepared " + Sql.literal(gid));
                } catch (SQLException e) {
                    if (!"42704".equals(e.getSQLState())) {
                        throw e;
                    }
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException("test database teardown failed on port " + port + ": rolling back the"
                    + " transactions prepared in " + database + ": " + e.getMessage(), e);
        }
    }

    /** Runs {@code drop} on {@code port}, again for a few seconds while the database is still in use (55006). */
    private void dropWhenReleased(int port, String drop) {
        long deadline = System.nanoTime() + DROP_RETRY_NANOS;
        while (true) {
            try {
                executeOn(port, process.maintenanceDatabase(), drop);
                return;
            } catch (IllegalStateException e) {
                if (!(e.getCause() instanceof SQLException sql) || !"55006".equals(sql.getSQLState())
                        || System.nanoTime() > deadline) {
                    throw e;
                }
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException interrupted) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while dropping a test database", interrupted);
            }
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("this test PostgreSQL server is closed");
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (process.backend() == PostgresBackend.EXTERNAL) {
                // Leave a shared server as we found it; a server we started goes away whole.
                for (String name : Set.copyOf(databases)) {
                    drop(name);
                }
                for (Template template : templates.values()) {
                    executeOnEveryNode("alter database " + Sql.identifier(template.databaseName) + " is_template false");
                    executeOnEveryNode("drop database if exists " + Sql.identifier(template.databaseName) + " with (force)");
                }
            }
        } catch (RuntimeException e) {
            LOG.warn("Could not drop every test database: {}", e.getMessage());
        } finally {
            process.stop();
        }
    }

    private static DataSource admin(StartedProcess process, String database) {
        return dataSource(process, database, process.adminUser(), process.adminPassword());
    }

    private static DataSource dataSource(StartedProcess process, String database, String user, String password) {
        PGSimpleDataSource ds = new PGSimpleDataSource();
        ds.setServerNames(new String[] {process.host()});
        ds.setPortNumbers(new int[] {process.port()});
        ds.setDatabaseName(database);
        ds.setUser(user);
        ds.setPassword(password);
        ds.setApplicationName("voxanne-testkit");
        ds.setConnectTimeout(10);
        return ds;
    }

    private static int queryInt(Statement s, String sql) throws SQLException {
        try (ResultSet rs = s.executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static String randomToken(int length) {
        SecureRandom random = new SecureRandom();
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
        }
        return sb.toString();
    }

    private final class Template implements DatabaseTemplate {
        private final String logicalName;
        private final String databaseName;
        private final TemplatePreparer preparer;
        private boolean prepared;

        Template(String logicalName, String databaseName, TemplatePreparer preparer) {
            this.logicalName = logicalName;
            this.databaseName = databaseName;
            this.preparer = preparer;
        }

        synchronized void ensurePrepared() {
            if (prepared) {
                return;
            }
            long started = System.nanoTime();
            executeOnEveryNode("create database " + Sql.identifier(databaseName) + " template template0");
            try {
                joinCluster(databaseName);
                preparer.prepare(new Database(databaseName, false));
            } catch (Exception e) {
                executeOnEveryNode("drop database if exists " + Sql.identifier(databaseName) + " with (force)");
                throw new IllegalStateException("preparing the template '" + logicalName + "' failed: " + e.getMessage(), e);
            }
            // A clone fails while anyone is connected to its template, so close the door for good, then
            // end the sessions still in it (Citus's maintenance daemon would otherwise reconnect between the two).
            executeOnEveryNode("alter database " + Sql.identifier(databaseName) + " with is_template true allow_connections false");
            executeOnEveryNode("select pg_terminate_backend(pid) from pg_stat_activity where datname = "
                    + Sql.literal(databaseName) + " and pid <> pg_backend_pid()");
            prepared = true;
            LOG.info("Template {} prepared in {} ms", logicalName, (System.nanoTime() - started) / 1_000_000);
        }

        @Override
        public String name() {
            return databaseName;
        }

        @Override
        public synchronized TestDatabase newDatabase() {
            checkOpen();
            return cloneOf(databaseName, CLONE_STRATEGY);
        }
    }

    private final class Database implements TestDatabase {
        private final String name;
        private final boolean droppable;

        Database(String name) {
            this(name, true);
        }

        Database(String name, boolean droppable) {
            this.name = name;
            this.droppable = droppable;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public PostgresServer server() {
            return ManagedServer.this;
        }

        @Override
        public void close() {
            if (droppable && !closed) {
                drop(name);
            }
        }

        @Override
        public String toString() {
            return "TestDatabase[" + name + " on " + process.host() + ":" + process.port() + "]";
        }
    }
}
