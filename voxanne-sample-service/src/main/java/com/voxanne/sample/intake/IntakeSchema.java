package com.voxanne.sample.intake;

import com.voxanne.schema.VerifyReport;
import com.voxanne.schema.VoxanneSchema;
import javax.sql.DataSource;

/** The service's database: Voxanne's migrations, then the service's own, with their own history table. */
public final class IntakeSchema {

    /** Where the service's migrations are. */
    public static final String LOCATION = "classpath:db/intake/migration";
    /** The Flyway history table of the service's migrations ({@code voxanne_schema_history} is Voxanne's). */
    public static final String HISTORY_TABLE = "intake_schema_history";

    private IntakeSchema() {
    }

    /** Voxanne and the service, configured on a data source of the migrating (admin) role. */
    public static VoxanneSchema on(DataSource admin) {
        return VoxanneSchema.configure()
                .dataSource(admin)
                .serviceMigrations(HISTORY_TABLE, LOCATION)
                .load();
    }

    /** Applies what is pending of both and returns the verification checklist of the result. */
    public static VerifyReport migrateAndVerify(DataSource admin) {
        VoxanneSchema schema = on(admin);
        schema.migrate();
        return schema.verify();
    }
}
