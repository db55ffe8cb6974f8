package io.watchgate.store.sql;

import io.r2dbc.spi.Readable;
import io.r2dbc.spi.Result;
import io.r2dbc.spi.Statement;
import io.watchgate.core.cursor.Checkpoint;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.OptionalLong;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Runs statements and reads and writes column values the same way on both dialects: times as {@code TIMESTAMP WITH
 * TIME ZONE} in UTC at microsecond precision (what both databases keep), so that a time written
 * and read back is equal to the one written.
 */
public final class Rows {

    private Rows() {}

    /**
     * The upstream position in a row's {@code upstream_cursor}, {@code upstream_sequence} and {@code
     * epoch} columns, or {@code null} when the cursor is.
     */
    public static @Nullable Checkpoint checkpoint(Readable row) {
        String cursor = optionalText(row, "upstream_cursor");
        return cursor == null
                ? null
                : new Checkpoint(cursor, optionalLong(row, "upstream_sequence"), longValue(row, "epoch"));
    }

    /** The time as the store keeps it: truncated to microseconds. */
    public static Instant stored(Instant time) {
        return time.truncatedTo(ChronoUnit.MICROS);
    }

    /** The value to bind for a time column. */
    public static OffsetDateTime timestamp(Instant time) {
        return OffsetDateTime.ofInstant(stored(time), ZoneOffset.UTC);
    }

    /** A non-null text column. */
    public static String text(Readable row, String column) {
        return require(row.get(column, String.class), column);
    }

    /** A nullable text column. */
    public static @Nullable String optionalText(Readable row, String column) {
        return row.get(column, String.class);
    }

    /** A non-null integer column. */
    public static long longValue(Readable row, String column) {
        return require(row.get(column, Long.class), column);
    }

    /** A nullable integer column. */
    public static OptionalLong optionalLong(Readable row, String column) {
        Long value = row.get(column, Long.class);
        return value == null ? OptionalLong.empty() : OptionalLong.of(value);
    }

    /** A nullable time column. */
    public static @Nullable Instant optionalInstant(Readable row, String column) {
        OffsetDateTime value = row.get(column, OffsetDateTime.class);
        return value == null ? null : value.toInstant();
    }

    /** A non-null time column. */
    public static Instant instant(Readable row, String column) {
        return require(optionalInstant(row, column), column);
    }

    /** Executes a query and maps each row it returns. */
    public static <T> Flux<T> query(Statement statement, Function<Readable, T> mapper) {
        return Flux.from(statement.execute()).flatMap(result -> result.map((row, metadata) -> mapper.apply(row)));
    }

    /** Executes a change and answers how many rows it changed. */
    public static Mono<Long> update(Statement statement) {
        return Flux.from(statement.execute()).flatMap(Result::getRowsUpdated).reduce(0L, Long::sum);
    }

    private static <T> T require(@Nullable T value, String column) {
        if (value == null) {
            throw new IllegalStateException("column " + column + " is null");
        }
        return value;
    }
}
