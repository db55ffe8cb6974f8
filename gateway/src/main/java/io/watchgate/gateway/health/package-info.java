/** Health indicators: the store, and the upstream sessions. */
@NullMarked
package io.watchgate.gateway.health;

import org.jspecify.annotations.NullMarked;
