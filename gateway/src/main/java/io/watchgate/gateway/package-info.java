/** The Watchgate gateway application. */
@NullMarked
package io.watchgate.gateway;

import org.jspecify.annotations.NullMarked;
