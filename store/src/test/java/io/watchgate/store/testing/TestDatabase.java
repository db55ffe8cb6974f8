package io.watchgate.store.testing;

import io.watchgate.store.WatchgateStore;
import io.watchgate.store.sql.Dialect;
import io.watchgate.store.sql.StoreUrl;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * An empty database of one dialect for one test class: a schema of its own in the tests'
 * PostgreSQL ({@link TestPostgres}), or an H2 file in a temporary directory. Closing it drops the
 * schema or deletes the directory.
 */
public final class TestDatabase implements AutoCloseable {

    private final Dialect dialect;
    private final String url;
    private final @Nullable String schema;
    private final @Nullable Path directory;

    private TestDatabase(Dialect dialect, String url, @Nullable String schema, @Nullable Path directory) {
        this.dialect = dialect;
        this.url = url;
        this.schema = schema;
        this.directory = directory;
    }

    /** A fresh database for {@code owner} on {@code dialect}. */
    public static TestDatabase create(Class<?> owner, Dialect dialect) {
        String name = owner.getSimpleName().toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "");
        String suffix = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        return switch (dialect) {
            case POSTGRESQL -> {
                String schema = "wg_" + name.substring(0, Math.min(40, name.length())) + "_" + suffix;
                String base = TestPostgres.url();
                yield new TestDatabase(
                        dialect, base + (base.contains("?") ? "&" : "?") + "schema=" + schema, schema, null);
            }
            case H2 -> {
                try {
                    Path directory = Files.createTempDirectory("watchgate-h2-" + name + "-");
                    yield new TestDatabase(dialect, "r2dbc:h2:file:///" + directory.resolve("store"), null, directory);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        };
    }

    /** The dialect. */
    public Dialect dialect() {
        return dialect;
    }

    /** The store URL of this database. */
    public String url() {
        return url;
    }

    /** A store builder for this database. */
    public WatchgateStore.Builder store() {
        return WatchgateStore.builder(url);
    }

    /** Runs plain SQL over JDBC, outside the store (to inspect or to break things). */
    public void execute(String sql) {
        try (Connection connection = connect();
                Statement statement = connection.createStatement()) {
            statement.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException("SQL failed: " + sql, e);
        }
    }

    /**
     * A JDBC connection of its own to this database, outside the store (to hold a lock, or to play
     * another writer); the caller closes it.
     */
    public Connection connect() throws SQLException {
        StoreUrl parsed = StoreUrl.parse(url);
        Connection connection = DriverManager.getConnection(parsed.jdbcUrl(), parsed.user(), parsed.password());
        if (schema != null) {
            try (Statement statement = connection.createStatement()) {
                statement.execute("SET search_path TO " + schema);
            } catch (SQLException e) {
                connection.close();
                throw e;
            }
        }
        return connection;
    }

    @Override
    public void close() {
        if (schema != null) {
            execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
        if (directory != null) {
            try (Stream<Path> files = Files.walk(directory)) {
                for (Path path : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
