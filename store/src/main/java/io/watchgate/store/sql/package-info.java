/**
 * The store's plumbing: the two SQL dialects, the R2DBC URL, Flyway migrations and the pooled
 * database with retries and typed errors. Public for the store's feature packages only; not an
 * API.
 */
@NullMarked
package io.watchgate.store.sql;

import org.jspecify.annotations.NullMarked;
