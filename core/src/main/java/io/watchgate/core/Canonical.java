package io.watchgate.core;

import java.nio.charset.StandardCharsets;

/** Escaping for the canonical form of requests (see {@link WatchRequest#canonical()}). */
final class Canonical {

    private Canonical() {}

    /** Percent-encodes the characters that separate parts of a canonical form, and non-ASCII bytes. */
    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c <= 0x20 || c >= 0x7f || "%&?#:=,[]".indexOf(c) >= 0) {
                out.append('%')
                        .append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            } else {
                out.append((char) c);
            }
        }
        return out.toString();
    }
}
