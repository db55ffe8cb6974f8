package io.watchgate.e2e;

import io.watchgate.core.testing.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged gateway ({@code java -jar watchgate-gateway.jar}) running as a child process, as it
 * is deployed: started with command-line properties, stopped with SIGTERM, its output in a log file.
 */
final class GatewayProcess implements AutoCloseable {

    private static final Pattern PORT = Pattern.compile("Netty started on port (\\d+)");
    private static final Pattern STARTED = Pattern.compile("Started \\w+ in ");
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(30);
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    private final Process process;
    private final Path log;
    private final int port;

    private GatewayProcess(Process process, Path log, int port) {
        this.process = process;
        this.log = log;
        this.port = port;
    }

    /**
     * Starts the jar and waits until the application has started.
     *
     * @param port the port, 0 for a free one
     * @param properties command-line properties ({@code --key=value})
     * @throws AssertionError if it exits or does not start within {@code timeout}
     */
    static GatewayProcess start(
            Path jar, Path workingDirectory, Path log, int port, Map<String, String> properties, Duration timeout) {
        if (!Files.isRegularFile(jar)) {
            throw new AssertionError("No gateway jar at " + jar.toAbsolutePath() + ": package it first (./mvnw -B"
                    + " install -DskipTests; Failsafe runs this test after the package phase)");
        }
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx256m",
                "-jar",
                jar.toAbsolutePath().toString(),
                "--server.port=" + port));
        properties.forEach((key, value) -> command.add("--" + key + "=" + value));
        Process process;
        try {
            Files.createDirectories(workingDirectory);
            Files.createDirectories(log.getParent());
            process = new ProcessBuilder(command)
                    .directory(workingDirectory.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Await.until(
                    () -> !process.isAlive() || STARTED.matcher(read(log)).find(),
                    timeout,
                    () -> "the gateway started (its output is in " + log + ")");
        } catch (AssertionError e) {
            process.destroyForcibly();
            throw e;
        }
        Matcher listening = PORT.matcher(read(log));
        if (!process.isAlive() || !listening.find()) {
            process.destroyForcibly();
            throw new AssertionError("The gateway did not start; its output (" + log + "):\n" + read(log));
        }
        return new GatewayProcess(process, log, Integer.parseInt(listening.group(1)));
    }

    private static String read(Path log) {
        try {
            return Files.readString(log, StandardCharsets.ISO_8859_1); // never malformed
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The port it listens on. */
    int port() {
        return port;
    }

    /** {@code http://127.0.0.1:port}. */
    String origin() {
        return "http://127.0.0.1:" + port;
    }

    /**
     * Publishes a notification of event type {@code demo} to the {@code local} origin and checks the
     * gateway answered 200 (it has journaled it).
     */
    void publishDemo(int n) {
        String body = "{\"event_type\":\"demo\",\"identifier\":{\"n\":\"%d\"},\"payload\":{\"i\":%d}}".formatted(n, n);
        HttpRequest request = HttpRequest.newBuilder(URI.create(origin() + "/api/v1/notification"))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        HttpResponse<String> response;
        try {
            response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        if (response.statusCode() != 200) {
            throw new AssertionError("publishing demo " + n + " answered " + response.statusCode() + ": "
                    + response.body());
        }
    }

    /**
     * Stops it the way a service manager does, with SIGTERM (a graceful shutdown), and waits until
     * the process has exited.
     *
     * @throws AssertionError if it is still running 30 seconds later (it is then killed)
     */
    void stop() {
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("The gateway did not exit within " + STOP_TIMEOUT
                        + " of SIGTERM; its output is in " + log);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Kills it if it is still running (after a failure) and waits for it. */
    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            process.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(ignored -> process).join();
        }
    }
}
