/**
 * Credentials for upstream requests: the {@link io.watchgate.core.auth.AuthProvider} SPI and its
 * built-in providers (none, bearer, basic, OAuth2 client credentials).
 *
 * <p>A session asks its provider for {@link io.watchgate.core.auth.AuthProvider#headers() headers}
 * before every connection attempt and calls {@link io.watchgate.core.auth.AuthProvider#refresh()}
 * once after the upstream answered {@code 401}. Providers never log or describe a secret.
 */
@NullMarked
package io.watchgate.core.auth;

import org.jspecify.annotations.NullMarked;
