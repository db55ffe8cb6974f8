/** Configuration: the {@code watchgate.*} properties, validated at start-up, and the beans built from them. */
@NullMarked
package io.watchgate.gateway.config;

import org.jspecify.annotations.NullMarked;
