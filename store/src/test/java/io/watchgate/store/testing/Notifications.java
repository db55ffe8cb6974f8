package io.watchgate.store.testing;

import io.watchgate.core.Notification;
import java.time.Instant;
import java.util.Map;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/** Notifications as an aviso upstream would send them, for store tests. */
public final class Notifications {

    private Notifications() {}

    /** An aviso {@code mars} notification with sequence {@code sequence} and no time. */
    public static Notification mars(long sequence) {
        return mars(sequence, null);
    }

    /** An aviso {@code mars} notification with sequence {@code sequence}, stored at {@code time}. */
    public static Notification mars(long sequence, @Nullable Instant time) {
        String cursor = "mars@" + sequence;
        String payload = "{\"location\":\"s3://bucket/" + sequence + "\"}";
        String raw = "{\"id\":\"" + cursor + "\",\"type\":\"aviso\",\"data\":{\"event\":\"mars\","
                + "\"identifier\":{\"class\":\"od\",\"step\":\"" + sequence + "\"},\"payload\":" + payload + "}}";
        return new Notification(
                cursor,
                OptionalLong.of(sequence),
                "mars",
                time,
                Map.of("class", "od", "step", Long.toString(sequence)),
                payload,
                raw);
    }

    /** A generic SSE event with an opaque id and no sequence. */
    public static Notification sse(String id, String data) {
        return new Notification(id, OptionalLong.empty(), "message", null, Map.of(), data, data);
    }
}
