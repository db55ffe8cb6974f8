package io.watchgate.store.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TestPostgresTests {

    @Test
    void theConfiguredUrlMayBeGivenInR2dbcJdbcOrPlainForm() {
        assertThat(TestPostgres.asR2dbc("r2dbc:postgresql://u@h:1/d")).isEqualTo("r2dbc:postgresql://u@h:1/d");
        assertThat(TestPostgres.asR2dbc("jdbc:postgresql://u@h:1/d")).isEqualTo("r2dbc:postgresql://u@h:1/d");
        assertThat(TestPostgres.asR2dbc("postgresql://u@h:1/d")).isEqualTo("r2dbc:postgresql://u@h:1/d");
    }
}
