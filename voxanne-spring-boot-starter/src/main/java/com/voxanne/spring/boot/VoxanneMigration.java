package com.voxanne.spring.boot;

import com.voxanne.schema.MigrationResult;
import com.voxanne.schema.VoxanneSchema;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.springframework.beans.factory.InitializingBean;

/**
 * Applies the pending migrations when the context starts ({@code voxanne.migrate.enabled=true}). The
 * {@code Voxanne} bean depends on it, so no unit of work runs against an older schema.
 */
final class VoxanneMigration implements InitializingBean {

    private static final Log LOG = LogFactory.getLog(VoxanneMigration.class);

    private final VoxanneSchema schema;

    VoxanneMigration(VoxanneSchema schema) {
        this.schema = schema;
    }

    @Override
    public void afterPropertiesSet() {
        MigrationResult result = schema.migrate();
        LOG.info("Voxanne schema migrated from version " + result.initialVersion() + " to " + result.currentVersion()
                + " (" + result.applied().size() + " migrations applied)");
    }
}
