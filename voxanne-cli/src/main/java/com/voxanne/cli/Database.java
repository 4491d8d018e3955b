package com.voxanne.cli;

import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The database a command works on, chosen from the flags and the environment, and the embedded server
 * behind it if there is one (stopped on {@link #close()}).
 *
 * <p>Precedence: {@code --url} (with {@code --user}/{@code --password}) &gt; {@code VOXANNE_DB_URL} &gt;
 * {@code PGHOST}/{@code PGPORT}/{@code PGDATABASE} &gt; the embedded server. {@code PGUSER} and
 * {@code PGPASSWORD} alone pick no server: they supply credentials to whichever URL wins, as they do for
 * psql. {@code --data-dir} and {@code --fresh} ask for the embedded server, so they outrank the environment.
 */
final class Database implements AutoCloseable {

    final DataSource dataSource;
    private final EmbeddedServer embedded;

    private Database(DataSource dataSource, EmbeddedServer embedded) {
        this.dataSource = dataSource;
        this.embedded = embedded;
    }

    /** Resolves, connects once (so that a bad host or password fails here, clearly) and says where. */
    static Database open(DatabaseOptions options, Map<String, String> env, PrintWriter err) {
        boolean embeddedAsked = options.dataDir != null || options.fresh;
        if (options.url != null && embeddedAsked) {
            throw new CliException(ExitCode.USAGE, "--data-dir and --fresh are for the embedded server; drop them or --url");
        }
        String user = options.user != null ? options.user : get(env, "PGUSER");
        String password = options.password != null ? options.password : get(env, "PGPASSWORD");
        String url = options.url;
        String source = "--url";
        if (url == null && !embeddedAsked && get(env, "VOXANNE_DB_URL") != null) {
            url = get(env, "VOXANNE_DB_URL");
            source = "VOXANNE_DB_URL";
        }
        if (url == null && !embeddedAsked && Stream.of("PGHOST", "PGPORT", "PGDATABASE").anyMatch(v -> get(env, v) != null)) {
            // libpq's defaults, so that the variables mean here what they mean to psql.
            user = user != null ? user : System.getProperty("user.name");
            url = urlFromPgEnvironment(env, user);
            source = "PGHOST/PGPORT/PGDATABASE";
        }
        if (url == null) {
            return openEmbedded(options, err);
        }
        PGSimpleDataSource ds = new PGSimpleDataSource();
        try {
            ds.setURL(url);
        } catch (IllegalArgumentException e) {
            // Not echoed: a URL may carry a password.
            throw new CliException(ExitCode.USAGE, source + " is not a PostgreSQL JDBC URL such as "
                    + "jdbc:postgresql://localhost:5432/postgres", e);
        }
        if (user != null) {
            ds.setUser(user);
        }
        if (password != null) {
            ds.setPassword(password);
        }
        ds.setApplicationName("voxanne-cli");
        String where = String.join(",", ds.getServerNames()) + ":" + (ds.getPortNumbers()[0] == 0 ? 5432 : ds.getPortNumbers()[0]);
        err.println("voxanne: " + describe(ds) + " on " + where + " (from " + source + ")");
        err.flush();
        return new Database(ds, null);
    }

    private static Database openEmbedded(DatabaseOptions options, PrintWriter err) {
        Path dir = options.dataDir != null ? options.dataDir : EmbeddedServer.defaultDataDirectory();
        EmbeddedServer server = EmbeddedServer.start(dir, options.fresh);
        try {
            err.println("voxanne: embedded " + describe(server.dataSource()) + " on localhost:" + server.port()
                    + "; data directory " + server.dataDirectory + (server.created ? " (new)" : " (kept from an earlier run)")
                    + ", log " + server.logFile);
            err.flush();
            return new Database(server.dataSource(), server);
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
    }

    /**
     * The same server and database (host, port, name and every URL setting such as {@code sslmode}) as
     * {@code user} with {@code password}: for a command that must not work as the operator's login.
     */
    DataSource loginAs(String user, String password) {
        PGSimpleDataSource same;
        try {
            same = dataSource.unwrap(PGSimpleDataSource.class);
        } catch (SQLException e) {
            throw new IllegalStateException("the connection is not a PostgreSQL data source", e);
        }
        PGSimpleDataSource login = new PGSimpleDataSource();
        login.setURL(same.getURL());
        login.setUser(user);
        login.setPassword(password);
        login.setApplicationName("voxanne-cli");
        return login;
    }

    /** "PostgreSQL 17.6, database postgres as postgres": what the server itself says it is. */
    private static String describe(DataSource ds) {
        try (Connection c = ds.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select current_setting('server_version'), current_database(), current_user")) {
            rs.next();
            return "PostgreSQL " + rs.getString(1).replaceFirst(" .*", "") + ", database " + rs.getString(2)
                    + " as " + rs.getString(3);
        } catch (SQLException e) {
            throw Failures.explain(e);
        }
    }

    private static String urlFromPgEnvironment(Map<String, String> env, String user) {
        String host = get(env, "PGHOST") != null ? get(env, "PGHOST") : "localhost";
        if (host.startsWith("/")) {
            throw new CliException(ExitCode.USAGE, "PGHOST=" + host + " is a Unix socket directory; voxanne connects over "
                    + "TCP: set PGHOST to a host name such as localhost");
        }
        String port = get(env, "PGPORT") != null ? get(env, "PGPORT") : "5432";
        if (!port.matches("\\d{1,5}")) {
            throw new CliException(ExitCode.USAGE, "PGPORT=" + port + " is not a port number");
        }
        String database = get(env, "PGDATABASE") != null ? get(env, "PGDATABASE") : user;
        return "jdbc:postgresql://" + host + ":" + port + "/" + URLEncoder.encode(database, StandardCharsets.UTF_8);
    }

    private static String get(Map<String, String> env, String name) {
        String value = env.get(name);
        return value == null || value.isBlank() ? null : value;
    }

    @Override
    public void close() {
        if (embedded != null) {
            embedded.close();
        }
    }
}
