/** The configured upstreams and the watch clients that reach them. */
@NullMarked
package io.watchgate.gateway.upstream;

import org.jspecify.annotations.NullMarked;
