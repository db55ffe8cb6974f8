package io.watchgate.store.sql;

import static io.r2dbc.spi.ConnectionFactoryOptions.DATABASE;
import static io.r2dbc.spi.ConnectionFactoryOptions.DRIVER;
import static io.r2dbc.spi.ConnectionFactoryOptions.HOST;
import static io.r2dbc.spi.ConnectionFactoryOptions.PASSWORD;
import static io.r2dbc.spi.ConnectionFactoryOptions.PORT;
import static io.r2dbc.spi.ConnectionFactoryOptions.PROTOCOL;
import static io.r2dbc.spi.ConnectionFactoryOptions.USER;

import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.Option;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * A store URL understood: which {@link Dialect}, the R2DBC options, and the JDBC URL that Flyway
 * migrates through. Two forms are accepted:
 *
 * <ul>
 *   <li>{@code r2dbc:postgresql://user:secret@host:5432/database[?schema=name]} (the optional
 *       {@code schema} is created when missing and becomes the connections' search path);
 *   <li>{@code r2dbc:h2:file:///./data/watchgate} (a path relative to the working directory) or
 *       {@code r2dbc:h2:file:////var/lib/watchgate/db} (absolute).
 * </ul>
 *
 * @param dialect the database kind
 * @param options the R2DBC connection options
 * @param jdbcUrl the same database as a JDBC URL, without credentials
 * @param user the user, for JDBC
 * @param password the password, for JDBC
 * @param schema the PostgreSQL schema, if the URL names one
 */
public record StoreUrl(
        Dialect dialect,
        ConnectionFactoryOptions options,
        String jdbcUrl,
        @Nullable String user,
        @Nullable String password,
        Optional<String> schema) {

    private static final Option<String> SCHEMA = Option.valueOf("schema");

    /** r2dbc-postgresql's TLS option ({@code ?sslMode=require}). */
    private static final Option<Object> SSL_MODE = Option.valueOf("sslMode");

    /** Validates the components. */
    public StoreUrl {
        Objects.requireNonNull(dialect, "dialect");
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(jdbcUrl, "jdbcUrl");
        Objects.requireNonNull(schema, "schema");
    }

    /**
     * Parses a store URL.
     *
     * @throws IllegalArgumentException naming the accepted forms when the URL is not one of them
     */
    public static StoreUrl parse(String url) {
        Objects.requireNonNull(url, "url");
        ConnectionFactoryOptions options;
        try {
            options = ConnectionFactoryOptions.parse(url);
        } catch (RuntimeException e) {
            // not the driver's message: it may quote the URL, password and all
            throw invalid(url, "not an R2DBC URL");
        }
        String driver = String.valueOf(options.getValue(DRIVER));
        return switch (driver) {
            case "postgresql" -> postgresql(url, options);
            case "h2" -> h2(url, options);
            default -> throw invalid(url, "unsupported driver '" + driver + "'");
        };
    }

    /** The database, without credentials. */
    @Override
    public String toString() {
        return dialect.vendor() + " " + jdbcUrl
                + schema.map(name -> " schema " + name).orElse("");
    }

    /** The URL with its password masked, for messages and logs. */
    public static String redact(String url) {
        return url.replaceFirst("(//[^:/@]*:)[^@]*@", "$1****@");
    }

    private static StoreUrl postgresql(String url, ConnectionFactoryOptions options) {
        String host = text(options, HOST);
        String database = text(options, DATABASE);
        if (host == null || database == null) {
            throw invalid(url, "a PostgreSQL URL needs a host and a database");
        }
        Object port = options.getValue(PORT);
        String sslMode = text(options, SSL_MODE);
        // Flyway connects over JDBC: it gets the same TLS demand as the R2DBC connections
        String jdbc = "jdbc:postgresql://" + host + ":" + (port == null ? 5432 : port) + "/" + database
                + (sslMode == null
                        ? ""
                        : "?sslmode=" + sslMode.toLowerCase(Locale.ROOT).replace('_', '-'));
        Optional<String> schema = Optional.ofNullable(text(options, SCHEMA));
        return new StoreUrl(Dialect.POSTGRESQL, options, jdbc, text(options, USER), text(options, PASSWORD), schema);
    }

    private static StoreUrl h2(String url, ConnectionFactoryOptions options) {
        String protocol = text(options, PROTOCOL);
        String database = text(options, DATABASE);
        if (!"file".equals(protocol) || database == null || database.isBlank()) {
            throw invalid(url, "an H2 URL must name a file: r2dbc:h2:file:///./data/watchgate");
        }
        return new StoreUrl(
                Dialect.H2,
                options,
                "jdbc:h2:file:" + database,
                text(options, USER),
                text(options, PASSWORD),
                Optional.empty());
    }

    private static @Nullable String text(ConnectionFactoryOptions options, Option<?> option) {
        Object value = options.getValue(option);
        return value == null ? null : value.toString();
    }

    private static IllegalArgumentException invalid(String url, @Nullable String why) {
        return new IllegalArgumentException("invalid store URL '" + redact(url) + "': " + why
                + " (expected r2dbc:postgresql://user:password@host:5432/database"
                + " or r2dbc:h2:file:///./data/watchgate)");
    }
}
