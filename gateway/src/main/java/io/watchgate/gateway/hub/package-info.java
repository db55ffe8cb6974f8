/** The session hub: one upstream session per session key, journaled, then fanned out to every subscriber. */
@NullMarked
package io.watchgate.gateway.hub;

import org.jspecify.annotations.NullMarked;
