/** Micrometer meters and health indicators of the gateway's sessions and store. */
@NullMarked
package io.watchgate.gateway.metrics;

import org.jspecify.annotations.NullMarked;
