package io.watchgate.core.blockhound;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Lets tests log from event-loop threads: writing a log line to the console is blocking I/O that
 * BlockHound would otherwise report. Everything else stays checked. Registered through {@code
 * META-INF/services}, so BlockHound (installed for every test by {@code blockhound-junit-platform})
 * picks it up.
 */
public final class LoggingAllowance implements BlockHoundIntegration {

    /** Used by the service loader. */
    public LoggingAllowance() {}

    @Override
    public void applyTo(BlockHound.Builder builder) {
        builder.allowBlockingCallsInside("ch.qos.logback.core.OutputStreamAppender", "subAppend");
        builder.allowBlockingCallsInside("ch.qos.logback.core.OutputStreamAppender", "writeBytes");
        builder.allowBlockingCallsInside("ch.qos.logback.core.UnsynchronizedAppenderBase", "doAppend");
    }
}
