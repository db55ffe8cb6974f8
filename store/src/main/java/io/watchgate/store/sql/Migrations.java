package io.watchgate.store.sql;

import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings a database's schema up to this version with Flyway, over JDBC, once at start-up. The
 * scripts live in {@code db/migration/postgresql} and {@code db/migration/h2}: the same tables, in
 * each vendor's types.
 */
public final class Migrations {

    private static final Logger log = LoggerFactory.getLogger(Migrations.class);

    private Migrations() {}

    /**
     * Migrates the database. Blocks (JDBC): call it at start-up, not on an event loop.
     *
     * @return how many migrations were applied
     */
    public static int migrate(StoreUrl url) {
        var configuration = Flyway.configure(Migrations.class.getClassLoader())
                .dataSource(url.jdbcUrl(), url.user(), url.password())
                .locations("classpath:db/migration/" + url.dialect().vendor())
                .failOnMissingLocations(true);
        url.schema().ifPresent(schema -> configuration.schemas(schema).createSchemas(true));
        MigrateResult result = configuration.load().migrate();
        log.info(
                "event=store.migrated database=\"{}\" applied={} version={}",
                url,
                result.migrationsExecuted,
                result.targetSchemaVersion);
        return result.migrationsExecuted;
    }
}
