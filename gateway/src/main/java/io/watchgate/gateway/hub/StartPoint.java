package io.watchgate.gateway.hub;

import java.time.Instant;

/** Where a subscriber's stream starts. */
public sealed interface StartPoint {

    /** Only what is journaled from now on. */
    record Live() implements StartPoint {}

    /**
     * After a gateway cursor ({@code Last-Event-ID}).
     *
     * @param offset the last offset the subscriber has
     */
    record AfterOffset(long offset) implements StartPoint {}

    /**
     * From an upstream sequence, inclusive (aviso {@code from_id}).
     *
     * @param sequence the first sequence wanted
     */
    record FromSequence(long sequence) implements StartPoint {}

    /**
     * From a time, inclusive (aviso {@code from_date}).
     *
     * @param time the earliest notification time wanted
     */
    record FromTime(Instant time) implements StartPoint {}
}
