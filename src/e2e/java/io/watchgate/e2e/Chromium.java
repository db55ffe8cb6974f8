package io.watchgate.e2e;

import io.watchgate.core.testing.Await;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The machine's headless Chromium as a child process, connected to over the DevTools protocol. Its
 * output goes to a log file; the endpoint is read from the {@code DevToolsActivePort} file Chromium
 * writes into its profile.
 */
final class Chromium implements AutoCloseable {

    /** Set to a browser binary to use that one instead of the first Chromium on the PATH. */
    static final String BINARY_PROPERTY = "watchgate.e2e.chromium";

    private static final List<String> NAMES = List.of("chromium", "chromium-browser", "google-chrome");

    private final Process process;
    private final DevTools devTools;

    private Chromium(Process process, DevTools devTools) {
        this.process = process;
        this.devTools = devTools;
    }

    /**
     * Starts headless Chromium with a fresh profile and connects to it.
     *
     * @throws AssertionError when the machine has no Chromium (saying how to install it) or it does
     *     not start
     */
    static Chromium start(Path profile, Path log, Duration timeout) {
        Path binary = binary().orElseThrow(() -> new AssertionError("The browser test needs Chromium and found none ("
                + String.join(", ", NAMES) + " on the PATH, or -D" + BINARY_PROPERTY + "): install it (Debian/Ubuntu:"
                + " apt-get install -y chromium), or skip this test with -Dwatchgate.e2e.skip=true"));
        Process process;
        try {
            Files.createDirectories(profile);
            Files.createDirectories(log.getParent());
            process = new ProcessBuilder(
                            binary.toString(),
                            "--headless=new",
                            "--no-sandbox", // CI runs as root
                            "--disable-gpu",
                            "--disable-dev-shm-usage",
                            "--disable-background-networking",
                            "--disable-component-update",
                            "--no-first-run",
                            "--no-default-browser-check",
                            "--remote-debugging-port=0",
                            "--user-data-dir=" + profile.toAbsolutePath(),
                            "about:blank")
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
        } catch (IOException e) {
            throw new AssertionError("cannot start " + binary + ": " + e, e);
        }
        Path activePort = profile.resolve("DevToolsActivePort");
        try {
            Await.until(
                    () -> !process.isAlive() || endpoint(activePort).isPresent(),
                    timeout,
                    () -> "Chromium's DevTools endpoint (its output is in " + log + ")");
        } catch (AssertionError e) {
            process.destroyForcibly();
            throw e;
        }
        Optional<URI> endpoint = endpoint(activePort);
        if (endpoint.isEmpty()) {
            process.destroyForcibly();
            throw new AssertionError("Chromium (" + binary + ") exited with " + process.exitValue()
                    + " before opening its DevTools endpoint; its output is in " + log);
        }
        try {
            return new Chromium(process, new DevTools(endpoint.get()));
        } catch (RuntimeException e) {
            process.destroyForcibly();
            throw e;
        }
    }

    private static Optional<Path> binary() {
        String configured = System.getProperty(BINARY_PROPERTY, "");
        if (!configured.isBlank()) {
            return Optional.of(Path.of(configured)).filter(Files::isExecutable);
        }
        List<Path> directories = Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
                .filter(directory -> !directory.isBlank())
                .map(Path::of)
                .toList();
        return NAMES.stream()
                .flatMap(name -> directories.stream().map(directory -> directory.resolve(name)))
                .filter(Files::isExecutable)
                .findFirst();
    }

    /** "port\n/devtools/browser/id", complete once it has both lines. */
    private static Optional<URI> endpoint(Path activePort) {
        try {
            if (!Files.exists(activePort)) {
                return Optional.empty();
            }
            List<String> lines = Files.readAllLines(activePort, StandardCharsets.UTF_8);
            if (lines.size() < 2 || lines.get(1).isBlank()) {
                return Optional.empty();
            }
            return Optional.of(URI.create("ws://127.0.0.1:" + lines.get(0).strip() + lines.get(1).strip()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The DevTools connection to the browser. */
    DevTools devTools() {
        return devTools;
    }

    /**
     * Closes the browser (DevTools {@code Browser.close}, so that it cleans up after itself; then
     * SIGKILL for whatever is left) and waits until it is gone.
     */
    @Override
    public void close() {
        List<ProcessHandle> all = new ArrayList<>(process.descendants().toList());
        all.add(process.toHandle());
        try {
            devTools.send(null, "Browser.close", Map.of());
            process.waitFor(10, TimeUnit.SECONDS);
        } catch (RuntimeException e) {
            // already gone, or not answering: killed below
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            devTools.close();
        }
        all.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle handle : all) {
            handle.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(ignored -> handle).join();
        }
    }
}
