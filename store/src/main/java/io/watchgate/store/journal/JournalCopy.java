package io.watchgate.store.journal;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.r2dbc.postgresql.api.PostgresqlConnection;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.Wrapped;
import io.watchgate.core.Notification;
import io.watchgate.store.sql.Rows;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Inserts journal entries on PostgreSQL with {@code COPY journal_entry FROM STDIN}, in its text
 * format: one line per entry, tab-separated columns, {@code \N} for a null and backslash escapes
 * for a backslash, newline, carriage return and tab in a text value.
 *
 * <p>It is the bulk path the server offers: one statement for a batch of any size, each value
 * written once as text without bind parameters to parse or plan. A multi-row {@code INSERT}
 * carries 12 parameters per row, which the driver encodes and the server parses row by row, and
 * arrays ({@code unnest}) are encoded by the driver character by character.
 */
final class JournalCopy {

    private static final String SQL = "COPY journal_entry (" + JournalRows.INSERT_COLUMNS + ") FROM STDIN";

    /** How many lines one buffer (one CopyData message) holds. */
    private static final int LINES_PER_BUFFER = 64;

    private static final byte TAB = '\t';
    private static final byte NEWLINE = '\n';
    private static final byte BACKSLASH = '\\';

    private JournalCopy() {}

    /**
     * Inserts {@code entries} in the transaction open on {@code connection}, a PostgreSQL
     * connection or one that wraps it (a pool's).
     *
     * @return how many rows the server inserted
     */
    static Mono<Long> insert(Connection connection, String sessionKey, List<JournalEntry> entries) {
        PostgresqlConnection postgresql = postgresql(connection);
        // one CopyData message per buffer: what the driver holds at a time is one buffer's lines
        Flux<Mono<ByteBuf>> buffers = Flux.range(0, (entries.size() + LINES_PER_BUFFER - 1) / LINES_PER_BUFFER)
                .map(buffer -> Mono.fromCallable(() -> {
                    int from = buffer * LINES_PER_BUFFER;
                    return lines(sessionKey, entries.subList(from, Math.min(entries.size(), from + LINES_PER_BUFFER)));
                }));
        return postgresql.copyIn(SQL).fromMany(buffers).build();
    }

    /** The lines of {@code entries}, in the order of {@link JournalRows#INSERT_COLUMNS}. */
    static ByteBuf lines(String sessionKey, List<JournalEntry> entries) {
        ByteBuf out = ByteBufAllocator.DEFAULT.buffer(entries.size() * 512);
        try {
            for (JournalEntry entry : entries) {
                Notification notification = entry.notification();
                Instant eventTime = notification.time();
                text(out, sessionKey).writeByte(TAB);
                number(out, entry.offset()).writeByte(TAB);
                number(out, entry.epoch()).writeByte(TAB);
                text(out, notification.cursor()).writeByte(TAB);
                if (notification.sequence().isPresent()) {
                    number(out, notification.sequence().getAsLong());
                } else {
                    nullValue(out);
                }
                out.writeByte(TAB);
                text(out, notification.eventType()).writeByte(TAB);
                time(out, eventTime).writeByte(TAB);
                time(out, eventTime != null ? eventTime : entry.journaledAt()).writeByte(TAB);
                time(out, entry.journaledAt()).writeByte(TAB);
                text(out, JournalRows.identifier(notification)).writeByte(TAB);
                text(out, notification.payload()).writeByte(TAB);
                text(out, notification.raw()).writeByte(NEWLINE);
            }
            return out;
        } catch (RuntimeException e) {
            out.release();
            throw e;
        }
    }

    private static ByteBuf number(ByteBuf out, long value) {
        ByteBufUtil.writeAscii(out, Long.toString(value));
        return out;
    }

    /** A time as ISO-8601 in UTC ({@code 2026-11-22T08:00:00.123456Z}), at the store's precision. */
    private static ByteBuf time(ByteBuf out, @Nullable Instant time) {
        if (time == null) {
            return nullValue(out);
        }
        ByteBufUtil.writeAscii(out, Rows.stored(time).toString());
        return out;
    }

    private static ByteBuf nullValue(ByteBuf out) {
        return out.writeByte(BACKSLASH).writeByte('N');
    }

    /**
     * A text value in UTF-8, its backslashes, newlines, carriage returns and tabs escaped (bytes
     * that, in UTF-8, only ever stand for those characters).
     */
    private static ByteBuf text(ByteBuf out, @Nullable String value) {
        if (value == null) {
            return nullValue(out);
        }
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            byte escaped = switch (bytes[i]) {
                case '\\' -> '\\';
                case '\n' -> 'n';
                case '\r' -> 'r';
                case '\t' -> 't';
                default -> 0;
            };
            if (escaped != 0) {
                out.writeBytes(bytes, start, i - start).writeByte(BACKSLASH).writeByte(escaped);
                start = i + 1;
            }
        }
        return out.writeBytes(bytes, start, bytes.length - start);
    }

    private static PostgresqlConnection postgresql(Connection connection) {
        Object current = connection;
        while (!(current instanceof PostgresqlConnection) && current instanceof Wrapped<?> wrapped) {
            current = wrapped.unwrap();
        }
        if (current instanceof PostgresqlConnection postgresql) {
            return postgresql;
        }
        throw new IllegalStateException(
                "not a PostgreSQL connection: " + connection.getClass().getName());
    }
}
