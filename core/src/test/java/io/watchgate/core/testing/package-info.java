/**
 * Test upstreams for Watchgate: in-process HTTP servers that speak the upstream protocols over
 * loopback, with switches that inject the faults a resilient client must survive.
 *
 * <ul>
 *   <li>{@link io.watchgate.core.testing.AvisoTestServer}: an aviso-server emulator (watch, replay,
 *       notify, client-credentials token endpoint) following {@code aviso-protocol.md} §2–§4.
 *   <li>{@link io.watchgate.core.testing.SseTestServer}: a minimal generic Server-Sent-Events
 *       upstream with {@code Last-Event-ID} resume.
 *   <li>{@link io.watchgate.core.testing.RecordedRequest}, {@link io.watchgate.core.testing.Await}
 *       and {@link io.watchgate.core.testing.MutableClock}: observation and timing helpers shared by
 *       both servers.
 * </ul>
 *
 * <p>These classes live in the core test-jar so that the store and gateway modules reuse them. They
 * never call {@code Thread.sleep} and never block an event-loop or parallel thread (BlockHound is
 * active in the tests); only the {@code await...} and {@code close()} methods block, and they are
 * meant for the test thread.
 */
@NullMarked
package io.watchgate.core.testing;

import org.jspecify.annotations.NullMarked;
