package com.voxanne.schema.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/production.md shows, for doing it by hand, the statements {@link LoginRoles} runs for a new role. */
class LoginRoleSqlTest {

    @Test
    void docsProductionShowsTheSqlThatCreatesTheRole() throws Exception {
        String docs = Files.readString(Path.of("../docs/production.md"));
        assertThat(docs).contains(LoginRoleSql.script("voxanne_app"));
        assertThat(LoginRoleSql.script("voxanne_app")).startsWith(LoginRoleSql.create("voxanne_app") + ";\n"
                + LoginRoleSql.grant("voxanne_app") + ";\n");
    }
}
