package io.watchgate.core.testing;

import java.util.HexFormat;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Random identifiers for the test servers.
 *
 * <p>{@link UUID#randomUUID()} reads {@code SecureRandom}, which may touch {@code /dev/urandom} and
 * trips BlockHound on an event loop; test identifiers need no cryptographic strength.
 */
final class TestIds {

    private TestIds() {}

    /** A random version-4 UUID in its lowercase, hyphenated form. */
    static String uuid() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long msb = (random.nextLong() & ~0xF000L) | 0x4000L;
        long lsb = (random.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(msb, lsb).toString();
    }

    /** A random opaque token of 32 lowercase hex digits. */
    static String token() {
        byte[] bytes = new byte[16];
        ThreadLocalRandom.current().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
