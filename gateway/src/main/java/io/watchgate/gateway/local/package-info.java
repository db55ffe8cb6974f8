/** The built-in {@code local} origin: notifications published to the gateway itself. */
@NullMarked
package io.watchgate.gateway.local;

import org.jspecify.annotations.NullMarked;
