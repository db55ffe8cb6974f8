package io.watchgate.store.journal;

import io.r2dbc.spi.Readable;
import io.r2dbc.spi.Statement;
import io.watchgate.core.Notification;
import io.watchgate.store.sql.Rows;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/** How a journal entry maps to a row of {@code journal_entry}: the columns, binding and reading. */
final class JournalRows {

    /** The columns an insert binds, in order. */
    private static final List<String> INSERTED = List.of(
            "session_key",
            "entry_offset",
            "epoch",
            "upstream_cursor",
            "upstream_sequence",
            "event_type",
            "event_time",
            "entry_time",
            "journaled_at",
            "identifier",
            "payload",
            "raw");

    /**
     * The text columns among them: {@link #bind} binds them as UTF-8 bytes, which the insert
     * decodes ({@link #insertValue}). r2dbc-h2 binds every {@code String} as a CLOB, and H2 keeps a
     * CLOB in memory only while three times its length fits in 256 bytes: any longer value (a
     * notification's raw text, its identifier) went to H2's LOB store and was read back from it to
     * fill the {@code VARCHAR} column: half the time of an append on H2.
     */
    private static final Set<String> TEXT =
            Set.of("session_key", "upstream_cursor", "event_type", "identifier", "payload", "raw");

    /** The columns an insert binds, in order, as SQL. */
    static final String INSERT_COLUMNS = String.join(", ", INSERTED);

    /** How many values one inserted row binds. */
    static final int INSERT_WIDTH = INSERTED.size();

    /** The columns {@link #entry} reads. */
    static final String SELECT_COLUMNS =
            "entry_offset, epoch, journaled_at, upstream_cursor, upstream_sequence, event_type,"
                    + " event_time, identifier, payload, raw";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final TypeReference<Map<String, String>> IDENTIFIER = new TypeReference<>() {};

    private JournalRows() {}

    /**
     * The SQL expression for column {@code column} (0-based, in {@link #INSERT_COLUMNS}) of an
     * inserted row, reading bind marker {@code $marker}: text columns wrap it in {@code
     * UTF8TOSTRING}, since {@link #bind} gives them UTF-8 bytes.
     */
    static String insertValue(int column, int marker) {
        return TEXT.contains(INSERTED.get(column)) ? "UTF8TOSTRING($" + marker + ")" : "$" + marker;
    }

    /**
     * Binds {@code entry} as the row starting at bind index {@code first} of an insert whose values
     * are {@link #insertValue}s (H2's insert; PostgreSQL's goes by {@link JournalCopy}).
     */
    static void bind(Statement statement, int first, String sessionKey, JournalEntry entry) {
        Notification notification = entry.notification();
        Instant eventTime = notification.time();
        int i = first;
        statement.bind(i++, utf8(sessionKey));
        statement.bind(i++, entry.offset());
        statement.bind(i++, entry.epoch());
        statement.bind(i++, utf8(notification.cursor()));
        if (notification.sequence().isPresent()) {
            statement.bind(i++, notification.sequence().getAsLong());
        } else {
            statement.bindNull(i++, Long.class);
        }
        statement.bind(i++, utf8(notification.eventType()));
        if (eventTime != null) {
            statement.bind(i++, Rows.timestamp(eventTime));
        } else {
            statement.bindNull(i++, OffsetDateTime.class);
        }
        statement.bind(i++, Rows.timestamp(eventTime != null ? eventTime : entry.journaledAt()));
        statement.bind(i++, Rows.timestamp(entry.journaledAt()));
        statement.bind(i++, utf8(identifier(notification)));
        if (notification.payload() != null) {
            statement.bind(i++, utf8(notification.payload()));
        } else {
            statement.bindNull(i++, byte[].class);
        }
        statement.bind(i, utf8(notification.raw()));
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
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
