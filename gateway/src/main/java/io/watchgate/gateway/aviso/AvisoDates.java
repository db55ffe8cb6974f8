package io.watchgate.gateway.aviso;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * aviso's {@code from_date} formats: RFC 3339 with {@code Z} or an offset; {@code YYYY-MM-DD
 * HH:MM:SS[.f]} with an optional offset; a naive date-time (read as UTC, {@code T} or a space);
 * an all-digit unix epoch (11 significant digits or fewer: seconds, else milliseconds; an optional
 * leading {@code +}). Date-only values, negative epochs and empty strings are refused.
 */
public final class AvisoDates {

    private static final Pattern EPOCH = Pattern.compile("\\+?[0-9]+");

    private static final DateTimeFormatter LOCAL = new DateTimeFormatterBuilder()
            .appendPattern("uuuu-MM-dd")
            .optionalStart()
            .appendLiteral('T')
            .optionalEnd()
            .optionalStart()
            .appendLiteral(' ')
            .optionalEnd()
            .appendPattern("HH:mm:ss")
            .optionalStart()
            .appendFraction(ChronoField.NANO_OF_SECOND, 1, 9, true)
            .optionalEnd()
            .toFormatter();

    private static final DateTimeFormatter WITH_OFFSET = new DateTimeFormatterBuilder()
            .append(LOCAL)
            .appendOffset("+HH:MM", "Z")
            .toFormatter();

    private AvisoDates() {}

    /** The instant a {@code from_date} names, or empty when aviso would refuse it. */
    public static Optional<Instant> parse(String text) {
        String value = text.strip();
        if (value.isEmpty()) {
            return Optional.empty();
        }
        if (EPOCH.matcher(value).matches()) {
            String digits = value.replaceFirst("^\\+", "").replaceFirst("^0+(?=.)", "");
            if (digits.length() > 18) {
                return Optional.empty();
            }
            long number = Long.parseLong(digits);
            return Optional.of(digits.length() <= 11 ? Instant.ofEpochSecond(number) : Instant.ofEpochMilli(number));
        }
        try {
            return Optional.of(OffsetDateTime.parse(value, WITH_OFFSET).toInstant());
        } catch (DateTimeException withoutOffset) {
            try {
                return Optional.of(LocalDateTime.parse(value, LOCAL).toInstant(ZoneOffset.UTC));
            } catch (DateTimeException e) {
                return Optional.empty();
            }
        }
    }
}
