package io.watchgate.store.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jspecify.annotations.Nullable;

/**
 * Finds a PostgreSQL server for the tests, in this order: the R2DBC URL in the environment
 * variable {@code WATCHGATE_TEST_PG_URL}; a server on {@code 127.0.0.1:5432} (user {@code
 * postgres}, database {@code test}) if one answers; a throwaway server started from the machine's
 * PostgreSQL binaries ({@code initdb}, {@code pg_ctl}; PostgreSQL refuses to run as root). When
 * none works, using it fails with a message that says how to provide one.
 */
public final class TestPostgres {

    /** The environment variable that names the tests' PostgreSQL. */
    public static final String URL_VARIABLE = "WATCHGATE_TEST_PG_URL";

    private static final String LOCAL_URL = "r2dbc:postgresql://postgres@127.0.0.1:5432/test";

    private static @Nullable String url;

    private TestPostgres() {}

    /**
     * The R2DBC URL of the tests' PostgreSQL server (without a schema option).
     *
     * @throws IllegalStateException explaining how to provide a server when none is found
     */
    public static synchronized String url() {
        if (url == null) {
            url = find();
        }
        return url;
    }

    private static String find() {
        String configured = System.getenv(URL_VARIABLE);
        if (configured != null && !configured.isBlank()) {
            return asR2dbc(configured.trim());
        }
        if (answers("127.0.0.1", 5432)) {
            return LOCAL_URL;
        }
        List<String> tried =
                new ArrayList<>(List.of(URL_VARIABLE + " is not set", "nothing answers on 127.0.0.1:5432"));
        if ("root".equals(System.getProperty("user.name"))) {
            tried.add("an embedded server cannot run as root");
        } else {
            Optional<Path> binaries = binaries();
            if (binaries.isEmpty()) {
                tried.add("no PostgreSQL binaries (initdb, pg_ctl) under /usr/lib/postgresql");
            } else {
                try {
                    return Embedded.start(binaries.get());
                } catch (IOException | RuntimeException e) {
                    tried.add("the embedded server did not start: " + e.getMessage());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    tried.add("interrupted while starting the embedded server");
                }
            }
        }
        throw new IllegalStateException("no PostgreSQL for the tests (" + String.join("; ", tried) + "). Provide one:"
                + " start a server on 127.0.0.1:5432 with user postgres and a database test (trust auth),"
                + " or set " + URL_VARIABLE + "=r2dbc:postgresql://user:password@host:5432/database,"
                + " or install PostgreSQL's server binaries and run the tests as a user other than root.");
    }

    /** Accepts {@code r2dbc:postgresql://}, {@code postgresql://} and {@code jdbc:postgresql://} forms. */
    static String asR2dbc(String configured) {
        if (configured.startsWith("r2dbc:")) {
            return configured;
        }
        if (configured.startsWith("jdbc:")) {
            return "r2dbc:" + configured.substring("jdbc:".length());
        }
        return "r2dbc:" + configured;
    }

    private static boolean answers(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 1_000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static Optional<Path> binaries() {
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.map(version -> version.resolve("bin"))
                    .filter(bin ->
                            Files.isExecutable(bin.resolve("initdb")) && Files.isExecutable(bin.resolve("pg_ctl")))
                    .max(Comparator.naturalOrder());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** A server in a temporary directory, stopped when the JVM exits. */
    private static final class Embedded {

        static String start(Path bin) throws IOException, InterruptedException {
            Path data = Files.createTempDirectory("watchgate-pg-");
            int port = freePort();
            run(bin.resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres", "-A", "trust", "--no-sync");
            run(
                    bin.resolve("pg_ctl").toString(),
                    "-D",
                    data.toString(),
                    "-w",
                    "-l",
                    data.resolve("server.log").toString(),
                    "-o",
                    "-p " + port + " -k " + data + " -c listen_addresses=127.0.0.1 -c fsync=off",
                    "start");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    run(bin.resolve("pg_ctl").toString(), "-D", data.toString(), "-m", "immediate", "stop");
                } catch (IOException | InterruptedException | RuntimeException e) {
                    // The JVM is exiting: nothing left to tell.
                }
            }));
            return "r2dbc:postgresql://postgres@127.0.0.1:" + port + "/postgres";
        }

        private static int freePort() throws IOException {
            try (ServerSocket socket = new ServerSocket(0)) {
                return socket.getLocalPort();
            }
        }

        private static void run(String... command) throws IOException, InterruptedException {
            Process process =
                    new ProcessBuilder(command).redirectErrorStream(true).start();
            String output =
                    new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException(command[0] + " failed: " + output.strip());
            }
        }
    }
}
