package io.watchgate.e2e;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A headless Chromium process with its DevTools endpoint. */
final class Chromium implements AutoCloseable {

    private final Process process;
    private final URI endpoint;

    private Chromium(Process process, URI endpoint) {
        this.process = process;
        this.endpoint = endpoint;
    }

    /**
     * Starts the machine's Chromium.
     *
     * @throws IllegalStateException when there is none (with how to install it)
     */
    static Chromium start(Path profile) {
        String binary = List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome").stream()
                .filter(path -> Files.isExecutable(Path.of(path)))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException(
                        "no Chromium found: install it (Debian: apt-get install -y chromium), or skip the browser"
                                + " test with -Dwatchgate.e2e.skip=true"));
        try {
            Process process = new ProcessBuilder(
                            binary,
                            "--headless=new",
                            "--no-sandbox",
                            "--disable-gpu",
                            "--disable-dev-shm-usage",
                            "--no-first-run",
                            "--remote-debugging-port=0",
                            "--user-data-dir=" + profile,
                            "about:blank")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            CompletableFuture<URI> endpoint = CompletableFuture.supplyAsync(() -> {
                try (BufferedReader err = new BufferedReader(
                        new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = err.readLine()) != null) {
                        int at = line.indexOf("ws://");
                        if (line.startsWith("DevTools listening on") && at >= 0) {
                            URI uri = URI.create(line.substring(at).strip());
                            // keep draining stderr so the browser never blocks on a full pipe
                            Thread.ofPlatform().daemon().start(() -> err.lines().forEach(ignored -> {}));
                            return uri;
                        }
                    }
                    throw new IllegalStateException("Chromium exited without a DevTools endpoint");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            return new Chromium(process, endpoint.get(30, TimeUnit.SECONDS));
        } catch (Exception e) {
            throw new IllegalStateException("cannot start " + binary + ": " + e, e);
        }
    }

    URI endpoint() {
        return endpoint;
    }

    /** Stops the browser and its helper processes, and waits until they are gone. */
    @Override
    public void close() {
        List<ProcessHandle> all = new java.util.ArrayList<>(process.descendants().toList());
        all.add(process.toHandle());
        all.forEach(ProcessHandle::destroyForcibly);
        for (ProcessHandle handle : all) {
            try {
                handle.onExit().get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                // best effort: a process that does not exit is reported by the temp folder cleanup
            }
        }
    }
}
