package io.watchgate.store.testing;

import io.watchgate.store.sql.Dialect;
import java.util.EnumMap;
import java.util.Map;

/**
 * One {@link TestDatabase} per dialect for a test class, created on first use: hold it in a static
 * field and {@link #close()} it in {@code @AfterAll}.
 */
public final class DialectDatabases implements AutoCloseable {

    private final Class<?> owner;
    private final Map<Dialect, TestDatabase> databases = new EnumMap<>(Dialect.class);

    /** The databases of {@code owner}. */
    public DialectDatabases(Class<?> owner) {
        this.owner = owner;
    }

    /** The class's database on {@code dialect}. */
    public synchronized TestDatabase of(Dialect dialect) {
        return databases.computeIfAbsent(dialect, d -> TestDatabase.create(owner, d));
    }

    @Override
    public synchronized void close() {
        databases.values().forEach(TestDatabase::close);
        databases.clear();
    }
}
