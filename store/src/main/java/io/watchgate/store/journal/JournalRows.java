package io.watchgate.store.journal;

import io.r2dbc.spi.Readable;
import io.r2dbc.spi.Statement;
import io.watchgate.core.Notification;
import io.watchgate.store.sql.Rows;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Map;
import java.util.TreeMap;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** How a journal entry maps to a row of {@code journal_entry}: the columns, binding and reading. */
final class JournalRows {

    /** The columns an insert binds, in order. */
    static final String INSERT_COLUMNS =
            "session_key, entry_offset, epoch, upstream_cursor, upstream_sequence, event_type,"
                    + " event_time, entry_time, journaled_at, identifier, payload, raw";

    /** How many values one inserted row binds. */
    static final int INSERT_WIDTH = 12;

    /** The columns {@link #entry} reads. */
    static final String SELECT_COLUMNS =
            "entry_offset, epoch, journaled_at, upstream_cursor, upstream_sequence, event_type,"
                    + " event_time, identifier, payload, raw";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final TypeReference<Map<String, String>> IDENTIFIER = new TypeReference<>() {};

    private JournalRows() {}

    /** Binds {@code entry} as the row starting at bind index {@code first}. */
    static void bind(Statement statement, int first, String sessionKey, JournalEntry entry) {
        Notification notification = entry.notification();
        Instant eventTime = notification.time();
        int i = first;
        statement.bind(i++, sessionKey);
        statement.bind(i++, entry.offset());
        statement.bind(i++, entry.epoch());
        statement.bind(i++, notification.cursor());
        if (notification.sequence().isPresent()) {
            statement.bind(i++, notification.sequence().getAsLong());
        } else {
            statement.bindNull(i++, Long.class);
        }
        statement.bind(i++, notification.eventType());
        if (eventTime != null) {
            statement.bind(i++, Rows.timestamp(eventTime));
        } else {
            statement.bindNull(i++, OffsetDateTime.class);
        }
        statement.bind(i++, Rows.timestamp(eventTime != null ? eventTime : entry.journaledAt()));
        statement.bind(i++, Rows.timestamp(entry.journaledAt()));
        statement.bind(i++, identifier(notification));
        if (notification.payload() != null) {
            statement.bind(i++, notification.payload());
        } else {
            statement.bindNull(i++, String.class);
        }
        statement.bind(i, notification.raw());
    }

    /** The identifier column's value: the identifier as JSON, its keys sorted. */
    static String identifier(Notification notification) {
        return JSON.writeValueAsString(new TreeMap<>(notification.identifier()));
    }

    /** Reads an entry from a row holding {@link #SELECT_COLUMNS}. */
    static JournalEntry entry(Readable row) {
        Notification notification = new Notification(
                Rows.text(row, "upstream_cursor"),
                Rows.optionalLong(row, "upstream_sequence"),
                Rows.text(row, "event_type"),
                Rows.optionalInstant(row, "event_time"),
                JSON.readValue(Rows.text(row, "identifier"), IDENTIFIER),
                Rows.optionalText(row, "payload"),
                Rows.text(row, "raw"));
        return new JournalEntry(
                Rows.longValue(row, "entry_offset"),
                Rows.longValue(row, "epoch"),
                Rows.instant(row, "journaled_at"),
                notification);
    }

    /** The notification as the journal keeps it: its time at microsecond precision. */
    static Notification stored(Notification notification) {
        Instant time = notification.time();
        if (time == null || time.equals(Rows.stored(time))) {
            return notification;
        }
        return new Notification(
                notification.cursor(),
                notification.sequence(),
                notification.eventType(),
                Rows.stored(time),
                notification.identifier(),
                notification.payload(),
                notification.raw());
    }
}
