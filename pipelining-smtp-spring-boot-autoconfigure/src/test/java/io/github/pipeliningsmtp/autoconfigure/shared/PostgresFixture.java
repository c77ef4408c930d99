package io.github.pipeliningsmtp.autoconfigure.shared;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * The private PostgreSQL of scripts/postgres/start.sh, read from its state file
 * (target/postgres/postgres.properties at the repository root), and its stop and start scripts.
 */
final class PostgresFixture {

    /** The repository root: the parent of the module directory Failsafe runs in. */
    static final Path REPO = Path.of("").toAbsolutePath().getParent();
    private static final Path STATE = REPO.resolve("target/postgres/postgres.properties");

    final String url;
    final String user;
    final String password;

    private PostgresFixture(Properties p) {
        this.url = p.getProperty("url");
        this.user = p.getProperty("user");
        this.password = p.getProperty("password");
    }

    /** The running server; fails when scripts/postgres/start.sh was not run. */
    static PostgresFixture running() throws IOException {
        if (!Files.exists(STATE)) {
            throw new IllegalStateException("no " + STATE + ": start PostgreSQL first (bash scripts/postgres/start.sh)");
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(STATE)) {
            p.load(in);
        }
        return new PostgresFixture(p);
    }

    /** A pooled DataSource (HikariCP, as Spring Boot gives an application); closes with its context. */
    HikariDataSource dataSource() {
        return dataSource(url, user, password);
    }

    /** At most 8 connections; 2 s to get one; the driver's connect 2 s and socket 5 s timeouts. */
    static HikariDataSource dataSource(String url, String user, String password) {
        PGSimpleDataSource pg = new PGSimpleDataSource();
        pg.setUrl(url);
        pg.setUser(user);
        pg.setPassword(password);
        pg.setConnectTimeout(2);
        pg.setSocketTimeout(5);
        HikariConfig config = new HikariConfig();
        config.setDataSource(pg);
        config.setMaximumPoolSize(8);
        config.setMinimumIdle(0);
        config.setConnectionTimeout(2000);
        config.setInitializationFailTimeout(-1);
        return new HikariDataSource(config);
    }

    /** Stops the server, keeping the cluster and its port (scripts/postgres/stop.sh with KEEP=1); at most 60 s. */
    static void stop() throws IOException, InterruptedException {
        script("stop.sh");
    }

    /**
     * Starts it again on the same port (scripts/postgres/start.sh); at most 60 s. When it returns the
     * server accepts connections.
     *
     * @throws IllegalStateException when the script fails, or the server came back on another port
     *         than before (a pool holding the old URL would never find it again)
     */
    static void start() throws IOException, InterruptedException {
        String before = Files.exists(STATE) ? running().url : null;
        script("start.sh");
        String after = running().url;
        if (before != null && !before.equals(after)) {
            throw new IllegalStateException("PostgreSQL came back at " + after + ", not at " + before);
        }
    }

    private static void script(String name) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", REPO.resolve("scripts/postgres/" + name).toString())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("KEEP", "1");
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("scripts/postgres/" + name + " failed");
        }
    }
}
