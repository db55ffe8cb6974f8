package io.watchgate.gateway.hub;

import io.watchgate.core.Notification;
import io.watchgate.gateway.sse.EventStreamFrames;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/**
 * A journaled notification on its way to subscribers, with its frames encoded once, on first use,
 * and then shared by every subscriber that writes them.
 */
public final class JournaledEvent {

    private final long offset;
    private final Notification notification;
    private volatile @Nullable ByteBuffer eventStreamFrame;
    private volatile byte @Nullable [] data;

    /**
     * @param offset the gateway offset: the session's cursor of this notification
     * @param notification the notification
     */
    public JournaledEvent(long offset, Notification notification) {
        this.offset = offset;
        this.notification = notification;
    }

    /** The gateway offset (the {@code id} subscribers see). */
    public long offset() {
        return offset;
    }

    /** The notification. */
    public Notification notification() {
        return notification;
    }

    /**
     * {@code id: <offset>} and the notification's data, as EventSource expects it: one read-only
     * direct buffer shared by every subscriber, so connections write it without a copy. Readers must
     * leave its position alone (take a duplicate or a slice).
     */
    public ByteBuffer eventStreamFrame() {
        ByteBuffer frame = eventStreamFrame;
        if (frame == null) {
            frame = EventStreamFrames.shared(EventStreamFrames.message(Long.toString(offset), notification.raw()));
            eventStreamFrame = frame;
        }
        return frame;
    }

    /** The notification's data as UTF-8 bytes. */
    public byte[] data() {
        byte[] bytes = data;
        if (bytes == null) {
            bytes = notification.raw().getBytes(StandardCharsets.UTF_8);
            data = bytes;
        }
        return bytes;
    }
}
