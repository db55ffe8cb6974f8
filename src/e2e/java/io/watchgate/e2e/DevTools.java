package io.watchgate.e2e;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * A minimal Chrome DevTools Protocol client over the JDK's WebSocket: sends commands (to the browser,
 * or with a session id to a page) and waits for their results, and queues the events the browser
 * sends so that a test can wait for the next one of a kind.
 */
final class DevTools implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);

    private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final Map<String, BlockingQueue<JsonNode>> events = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final WebSocket socket;

    DevTools(URI browserEndpoint) {
        this.socket = HttpClient.newHttpClient()
                .newWebSocketBuilder()
                .connectTimeout(Duration.ofSeconds(10))
                .buildAsync(browserEndpoint, new Listener())
                .join();
    }

    /** Sends a command and returns its {@code result}; {@code sessionId} null addresses the browser. */
    JsonNode send(@Nullable String sessionId, String method, Map<String, ?> params) {
        int id = ids.incrementAndGet();
        ObjectNode message = JSON.createObjectNode();
        message.put("id", id);
        message.put("method", method);
        message.set("params", JSON.valueToTree(params));
        if (sessionId != null) {
            message.put("sessionId", sessionId);
        }
        CompletableFuture<JsonNode> answer = new CompletableFuture<>();
        pending.put(id, answer);
        JsonNode reply;
        try {
            socket.sendText(JSON.writeValueAsString(message), true).join();
            reply = answer.get(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(method + ": " + e, e);
        } finally {
            pending.remove(id);
        }
        if (reply.has("error")) {
            throw new IllegalStateException(method + " failed: " + reply.get("error"));
        }
        return reply.get("result");
    }

    /**
     * Takes the next event {@code method} not taken yet (events are queued from the moment the
     * browser sends them) and returns its {@code params}.
     *
     * @throws AssertionError if none comes within {@code timeout}
     */
    JsonNode nextEvent(String method, Duration timeout) {
        try {
            JsonNode event = queue(method).poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (event == null) {
                throw new AssertionError("no DevTools event " + method + " within " + timeout);
            }
            return event.get("params");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private BlockingQueue<JsonNode> queue(String method) {
        return events.computeIfAbsent(method, ignored -> new LinkedBlockingQueue<>());
    }

    @Override
    public void close() {
        socket.abort();
    }

    private final class Listener implements WebSocket.Listener {
        private final StringBuilder text = new StringBuilder();

        @Override
        public @Nullable CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
                JsonNode message = JSON.readTree(text.toString());
                text.setLength(0);
                if (message.has("id")) {
                    CompletableFuture<JsonNode> answer =
                            pending.get(message.get("id").asInt());
                    if (answer != null) {
                        answer.complete(message);
                    }
                } else if (message.has("method")) {
                    queue(message.get("method").asString()).add(message);
                }
            }
            webSocket.request(1);
            return null;
        }

        @Override
        public @Nullable CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
            onError(webSocket, new IllegalStateException("DevTools connection closed: " + statusCode + " " + reason));
            return null;
        }

        @Override
        public void onError(WebSocket webSocket, Throwable error) {
            pending.values().forEach(answer -> answer.completeExceptionally(error));
        }
    }
}
