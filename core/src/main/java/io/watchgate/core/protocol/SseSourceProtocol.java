package io.watchgate.core.protocol;

import io.watchgate.core.Notification;
import io.watchgate.core.Start;
import io.watchgate.core.WatchRequest;
import io.watchgate.core.session.SessionEvent;
import io.watchgate.core.sse.SseEvent;
import io.watchgate.core.sse.SseFrame;
import io.watchgate.core.sse.SseMalformed;
import io.watchgate.core.sse.SseRetry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A generic Server-Sent-Events source: {@code GET} a URL template filled with the request's
 * variables; every event is a notification whose cursor is the event id (its sequence when the id
 * is a decimal number); reconnects send {@code Last-Event-ID}; {@code retry:} sets the base
 * reconnection delay.
 */
public final class SseSourceProtocol implements UpstreamProtocol {

    private static final Pattern VARIABLE = Pattern.compile("\\{([^{}]+)}");

    private final String urlTemplate;

    /** A source at this URL template ({@code http://host/events/{channel}}). */
    public SseSourceProtocol(String urlTemplate) {
        this.urlTemplate = urlTemplate;
    }

    @Override
    public void validate(WatchRequest request) {
        if (!(request instanceof WatchRequest.SseRequest sse)) {
            throw new IllegalArgumentException("an SSE upstream needs WatchRequest.sse(), not " + request.canonical());
        }
        Matcher matcher = VARIABLE.matcher(urlTemplate);
        while (matcher.find()) {
            if (!sse.variables().containsKey(matcher.group(1))) {
                throw new IllegalArgumentException(
                        "the URL template " + urlTemplate + " needs the variable '" + matcher.group(1) + "'");
            }
        }
    }

    @Override
    public UpstreamCall call(WatchRequest request, Start start) {
        WatchRequest.SseRequest sse = (WatchRequest.SseRequest) request;
        Matcher matcher = VARIABLE.matcher(urlTemplate);
        StringBuilder url = new StringBuilder();
        while (matcher.find()) {
            String value = sse.variables().get(matcher.group(1));
            if (value == null) {
                throw new IllegalArgumentException(
                        "the URL template " + urlTemplate + " needs the variable '" + matcher.group(1) + "'");
            }
            matcher.appendReplacement(url, Matcher.quoteReplacement(encodePathSegment(value)));
        }
        matcher.appendTail(url);
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Accept", "text/event-stream");
        headers.put("Cache-Control", "no-cache");
        if (start instanceof Start.After after && !after.checkpoint().cursor().isEmpty()) {
            headers.put("Last-Event-ID", after.checkpoint().cursor());
        }
        return new UpstreamCall("GET", URI.create(url.toString()), headers, null);
    }

    @Override
    public void decode(SseFrame frame, Consumer<SessionEvent> out) {
        switch (frame) {
            case SseEvent event ->
                out.accept(new SessionEvent.Received(new Notification(
                        event.lastEventId(),
                        event.ownId() ? sequenceOf(event.lastEventId()) : OptionalLong.empty(),
                        event.type(),
                        null,
                        Map.of(),
                        event.data(),
                        event.data())));
            case SseRetry retry -> out.accept(new SessionEvent.RetryHint(Duration.ofMillis(retry.millis())));
            case SseMalformed malformed ->
                out.accept(new SessionEvent.Malformed(
                        malformed.kind().name().toLowerCase(Locale.ROOT), malformed.detail()));
            default -> {}
        }
    }

    @Override
    public boolean announcesReplay() {
        return false;
    }

    private static OptionalLong sequenceOf(String id) {
        if (id.isEmpty() || id.length() > 18) {
            return OptionalLong.empty();
        }
        for (int i = 0; i < id.length(); i++) {
            if (id.charAt(i) < '0' || id.charAt(i) > '9') {
                return OptionalLong.empty();
            }
        }
        return OptionalLong.of(Long.parseLong(id));
    }

    private static String encodePathSegment(String value) {
        StringBuilder out = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
                out.append((char) c);
            } else {
                out.append('%').append(String.format(Locale.ROOT, "%02X", c));
            }
        }
        return out.toString();
    }
}
