package io.watchgate.store.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class StoreUrlTests {

    @Test
    void aPostgresqlUrlGivesTheJdbcUrlCredentialsAndSchema() {
        StoreUrl url = StoreUrl.parse("r2dbc:postgresql://watchgate:s3cret@db.example:6543/notifications?schema=gw");

        assertThat(url.dialect()).isEqualTo(Dialect.POSTGRESQL);
        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example:6543/notifications");
        assertThat(url.user()).isEqualTo("watchgate");
        assertThat(url.password()).isEqualTo("s3cret");
        assertThat(url.schema()).contains("gw");
        assertThat(url.toString()).doesNotContain("s3cret").contains("db.example:6543", "schema gw");
    }

    @Test
    void aPostgresqlUrlWithoutPortUsesTheDefaultPort() {
        StoreUrl url = StoreUrl.parse("r2dbc:postgresql://localhost/watchgate");

        assertThat(url.jdbcUrl()).isEqualTo("jdbc:postgresql://localhost:5432/watchgate");
        assertThat(url.schema()).isEmpty();
        assertThat(url.user()).isNull();
    }

    @Test
    void anH2FileUrlMayBeRelativeToTheWorkingDirectoryOrAbsolute() {
        assertThat(StoreUrl.parse("r2dbc:h2:file:///./data/watchgate"))
                .extracting(StoreUrl::dialect, StoreUrl::jdbcUrl, StoreUrl::schema)
                .containsExactly(Dialect.H2, "jdbc:h2:file:./data/watchgate", Optional.empty());
        assertThat(StoreUrl.parse("r2dbc:h2:file:////var/lib/watchgate/db").jdbcUrl())
                .isEqualTo("jdbc:h2:file:/var/lib/watchgate/db");
    }

    @Test
    void otherDatabasesAndInMemoryH2AreRefusedWithTheAcceptedForms() {
        assertThatThrownBy(() -> StoreUrl.parse("r2dbc:mysql://root:pw@localhost/db"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unsupported driver 'mysql'")
                .hasMessageContaining("r2dbc:h2:file:///./data/watchgate")
                .hasMessageNotContaining(":pw@");
        assertThatThrownBy(() -> StoreUrl.parse("r2dbc:h2:mem:///watchgate"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("must name a file");
        assertThatThrownBy(() -> StoreUrl.parse("postgres://localhost/db"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("invalid store URL");
    }

    @Test
    void anUnparsableUrlIsRefusedWithoutQuotingItsPassword() {
        // a password with a '/' defeats the masking of the URL; the message must not leak it
        assertThatThrownBy(() -> StoreUrl.parse("postgres://user:pa/ss@localhost/db"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not an R2DBC URL")
                .hasMessageNotContaining("ss@");
    }

    @Test
    void theMigrationsJdbcUrlAsksForTheSameTls() {
        assertThat(StoreUrl.parse("r2dbc:postgresql://user@db:5432/watchgate?sslMode=verify-full")
                        .jdbcUrl())
                .isEqualTo("jdbc:postgresql://db:5432/watchgate?sslmode=verify-full");
        assertThat(StoreUrl.parse("r2dbc:postgresql://user@db:5432/watchgate?sslMode=REQUIRE")
                        .jdbcUrl())
                .isEqualTo("jdbc:postgresql://db:5432/watchgate?sslmode=require");
    }

    @Test
    void redactMasksThePassword() {
        assertThat(StoreUrl.redact("r2dbc:postgresql://user:pa55@host/db"))
                .isEqualTo("r2dbc:postgresql://user:****@host/db");
        assertThat(StoreUrl.redact("r2dbc:postgresql://host/db")).isEqualTo("r2dbc:postgresql://host/db");
    }
}
