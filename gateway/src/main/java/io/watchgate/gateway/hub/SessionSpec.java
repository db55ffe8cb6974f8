package io.watchgate.gateway.hub;

import java.util.function.Supplier;

/**
 * What a hub session is: its key, where it comes from, and how to feed it.
 *
 * @param key the session key (also the journal's key)
 * @param upstream the upstream's name
 * @param description the canonical request, for logs and operators
 * @param pinned whether the session runs without subscribers
 * @param remote whether an upstream feeds it ({@code false}: the local origin's publishers)
 * @param ingest makes the session's feed when the session starts
 */
public record SessionSpec(
        String key, String upstream, String description, boolean pinned, boolean remote, Supplier<Ingest> ingest) {}
