/**
 * Test fixtures for the store and the modules that use it: a PostgreSQL server found or started for
 * the tests, an isolated database per test class on either dialect, and a TCP proxy that can cut
 * the database off.
 */
@NullMarked
package io.watchgate.store.testing;

import org.jspecify.annotations.NullMarked;
