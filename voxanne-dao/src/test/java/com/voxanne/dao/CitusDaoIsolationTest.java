package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.dao.internal.BindingPlacement;
import com.voxanne.dao.internal.Transactions;
import com.voxanne.schema.session.RequestBinding;
import com.voxanne.schema.session.RequestBinding.Placement;
import com.voxanne.schema.session.RequestClaims;
import com.voxanne.schema.session.RoleTimeouts;
import com.voxanne.testkit.Admin;
import com.voxanne.testkit.VoxannePostgres;
import com.voxanne.schema.DistributionResult;
import com.voxanne.schema.VoxanneSchema;
import com.voxanne.testkit.postgres.PostgresBackend;
import com.voxanne.testkit.postgres.TestDatabase;
import com.voxanne.testkit.postgres.TestPostgresConfig;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.jooq.Record;
import org.jooq.tools.jdbc.SingleConnectionDataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.postgresql.ds.PGSimpleDataSource;
import org.postgresql.jdbc.PreferQueryMode;

/**
 * The DAO, as {@code authenticated}, on a database distributed by {@link VoxanneSchema#distribute()}
 * (in {@link #distribute}, before the clinics of each test are created), with the operator's step on the
 * workers done as the result gives it. {@link Voxanne} finds the database distributed when it is built
 * and binds its units with {@code SET LOCAL} claims, which reach the workers
 * (docs/adr/0018-binding-on-a-distributed-database.md): clinic A sees its own contacts and never clinic
 * B's, writes audited as A's user, and cannot write into B. The same binding in its single-server form
 * finds no row on the workers (fails closed). Runs with VOXANNE_TEST_BACKEND=citus only.
 */
@EnabledIf(value = "onCitus", disabledReason = "needs the Citus backend (VOXANNE_TEST_BACKEND=citus)")
@VoxannePostgres
class CitusDaoIsolationTest extends TwoClinicsTest {

    /** Whether the tests are configured for the Citus backend; decided without starting a server. */
    static boolean onCitus() {
        return TestPostgresConfig.fromEnvironment().backend().orElse(null) == PostgresBackend.CITUS;
    }

    /** Places the class's database on the cluster, as an operator would after migrating. */
    @BeforeAll
    static void distribute(@Admin DataSource admin, TestDatabase db) throws Exception {
        // the test kit may have distributed it already (-Dvoxanne.test.citus.distributed=true): then nothing is placed now
        boolean already;
        try (Connection c = admin.getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("select count(*) from pg_dist_partition"
                     + " where logicalrelid = 'public.contacts'::regclass")) {
            rs.next();
            already = rs.getInt(1) == 1;
        }
        DistributionResult result = VoxanneSchema.configure().dataSource(admin).load().distribute();
        assertThat(result.tables()).extracting(DistributionResult.Table::name).contains("public.contacts");
        assertThat(result.tables()).allMatch(t -> t.placedNow() != already);
        PGSimpleDataSource operator = admin.unwrap(PGSimpleDataSource.class);
        result.configureWorkers(db.name(), operator.getUser(), operator.getPassword());
    }

    @Test
    void voxanneFindsTheDatabaseDistributed(DataSource login) {
        assertThat(BindingPlacement.of(login)).isEqualTo(Placement.DISTRIBUTED);
    }

    /** Over the simple protocol Citus would send the binding's SET LOCAL as the whole string (fact 19): refused when built. */
    @Test
    void aPoolOnTheSimpleProtocolIsRefused(DataSource login) throws SQLException {
        PGSimpleDataSource simple = new PGSimpleDataSource();
        PGSimpleDataSource pool = login.unwrap(PGSimpleDataSource.class);
        simple.setURL(pool.getURL());
        simple.setUser(pool.getUser());
        simple.setPassword(pool.getPassword());
        simple.setPreferQueryMode(PreferQueryMode.SIMPLE);
        assertThatThrownBy(() -> Voxanne.create(simple)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("preferQueryMode=simple");
        simple.setPreferQueryMode(PreferQueryMode.EXTENDED);
        assertThat(Voxanne.create(simple).contacts(annInA).list(ContactQuery.all()).items()).isEmpty();
    }

    @Test
    void clinicASeesItsOwnContactsAndNeverClinicBsOnTheCluster(@Admin DataSource admin) throws SQLException {
        UUID a = annInA.organizationId();
        UUID b = bobInB.organizationId();
        List<UUID> ofA = insertContacts(admin, a, 3);
        List<UUID> ofB = insertContacts(admin, b, 4);
        // The rows are there, on the workers.
        assertThat(count(admin, "select count(*) from public.contacts where org_id in (?, ?)", a, b)).isEqualTo(7);
        assertThat(count(admin, "select count(distinct nodeport) from citus_shards where table_name = 'public.contacts'::regclass"))
                .isEqualTo(2);

        List<UUID> seenByA = voxanne.contacts(annInA).list(ContactQuery.all().limit(100)).items().stream().map(Contact::id).toList();
        assertThat(seenByA).containsExactlyInAnyOrderElementsOf(ofA);
        for (UUID id : ofA) {
            assertThat(voxanne.contacts(annInA).get(id).organizationId()).isEqualTo(a);
        }
        for (UUID id : ofB) {
            assertThatThrownBy(() -> voxanne.contacts(annInA).get(id)).isInstanceOf(NotFoundException.class);
        }
        // in one multi-statement unit as well (transaction mode)
        List<UUID> inUnit = voxanne.inOrg(annInA, tx -> tx.contacts().list(ContactQuery.all().limit(100)).items()
                .stream().map(Contact::id).toList());
        assertThat(inUnit).containsExactlyInAnyOrderElementsOf(ofA);
        assertThat(voxanne.contacts(bobInB).list(ContactQuery.all().limit(100)).items()).extracting(Contact::id)
                .containsExactlyInAnyOrderElementsOf(ofB);
    }

    @Test
    void aContactCreatedByAIsAuditedWithAsUser(@Admin DataSource admin) throws SQLException {
        Contact created = voxanne.contacts(annInA).create(NewContact.named("Created by Ann"));
        assertThat(created.organizationId()).isEqualTo(annInA.organizationId());
        assertThat(voxanne.contacts(annInA).get(created.id()).id()).isEqualTo(created.id());
        assertThatThrownBy(() -> voxanne.contacts(bobInB).get(created.id())).isInstanceOf(NotFoundException.class);

        try (Connection c = admin.getConnection();
             PreparedStatement ps = c.prepareStatement("select authenticated_user, claims_org_id, operation from public.audit_logs"
                     + " where org_id = ? and table_name = 'contacts' and row_data ->> 'id' = ?")) {
            ps.setObject(1, annInA.organizationId());
            ps.setString(2, created.id().toString());
            try (ResultSet rs = ps.executeQuery()) {
                assertThat(rs.next()).as("the insert's audit row").isTrue();
                assertThat(rs.getObject(1, UUID.class)).isEqualTo(annInA.userId());
                assertThat(rs.getObject(2, UUID.class)).isEqualTo(annInA.organizationId());
                assertThat(rs.getString(3)).isEqualTo("INSERT");
                assertThat(rs.next()).isFalse();
            }
        }
    }

    @Test
    void aWriteIntoClinicBIsRefusedToA(@Admin DataSource admin) throws SQLException {
        UUID ofB = insertContacts(admin, bobInB.organizationId(), 1).get(0);
        // through the repositories: B's contact does not exist for A
        assertThatThrownBy(() -> voxanne.contacts(annInA).update(ofB, ContactUpdate.empty().name("Taken over")))
                .isInstanceOf(NotFoundException.class);
        assertThatThrownBy(() -> voxanne.contacts(annInA).delete(ofB)).isInstanceOf(NotFoundException.class);
        // through A's own SQL in its unit: an insert into B's organization is refused by B's shard's policy
        UUID smuggled = UUID.randomUUID();
        assertThatThrownBy(() -> voxanne.runInOrg(annInA, tx -> tx.dsl().execute(
                "insert into public.contacts (id, org_id, name) values (?, ?, 'smuggled')", smuggled, bobInB.organizationId())))
                .isInstanceOf(VoxanneDataException.class);
        assertThat(count(admin, "select count(*) from public.contacts where id = ?", smuggled)).isZero();
        assertThat(count(admin, "select count(*) from public.contacts where id = ? and name = 'Contact 0'", ofB)).isEqualTo(1);
    }

    /**
     * What a worker sees inside a unit: the claims, the blanked per-claim settings, the timeouts and the
     * search_path the binding sent by {@code SET LOCAL}, read by functions that run on the shard.
     */
    @Test
    void theBindingsSettingsReachTheWorker(@Admin DataSource admin, DataSource login) throws SQLException {
        UUID a = annInA.organizationId();
        insertContacts(admin, a, 1);
        Transactions distributed = new Transactions(login, RoleTimeouts.defaults(), VoxanneObserver.NONE, Placement.DISTRIBUTED);
        Record seen = distributed.run(RequestClaims.user(a, annInA.userId()), dsl -> dsl.fetchOne(
                "select public.auth_org_id(), public.auth_user_id(), current_setting('statement_timeout'),"
                        + " current_setting('lock_timeout'), current_setting('search_path'),"
                        + " current_setting('request.jwt.claim.app_metadata', true) from public.contacts where org_id = ? limit 1", a));
        assertThat(seen).as("a row on A's shard").isNotNull();
        assertThat(seen.get(0, UUID.class)).isEqualTo(a);
        assertThat(seen.get(1, UUID.class)).isEqualTo(annInA.userId());
        assertThat(seen.get(2, String.class)).isEqualTo("8s");
        assertThat(seen.get(3, String.class)).isEqualTo("3s");
        assertThat(seen.get(4, String.class)).isEqualTo(RequestBinding.SEARCH_PATH);
        assertThat(seen.get(5, String.class)).isEmpty();
    }

    /**
     * The single-server binding on the cluster: {@code set_config} stays on the coordinator, the shard
     * query runs without claims and finds none of A's own rows (fails closed). Why the distributed form
     * exists, and what a Voxanne built before the database was distributed does.
     */
    @Test
    void theSingleServerBindingFindsNoRowOnTheWorkers(@Admin DataSource admin, DataSource login) throws SQLException {
        UUID a = annInA.organizationId();
        insertContacts(admin, a, 2);
        Transactions singleServer = new Transactions(login, RoleTimeouts.defaults(), VoxanneObserver.NONE, Placement.SINGLE_SERVER);
        String countOfA = "select count(*)::int from public.contacts where org_id = ?";
        int seen = singleServer.run(RequestClaims.user(a, annInA.userId()), dsl -> ((Number) dsl.fetchValue(countOfA, a)).intValue());
        assertThat(seen).isZero();
        Transactions distributed = new Transactions(login, RoleTimeouts.defaults(), VoxanneObserver.NONE, Placement.DISTRIBUTED);
        int seenDistributed = distributed.run(RequestClaims.user(a, annInA.userId()),
                dsl -> ((Number) dsl.fetchValue(countOfA, a)).intValue());
        assertThat(seenDistributed).isEqualTo(2);
    }

    /**
     * The attack: a statement pushed down to a worker sets a per-claim setting for the session
     * ({@code set_config(…, false)}) on Citus's cached connection to that worker, where the next unit on the
     * same pooled connection would run. The distributed binding blanks it there by {@code SET LOCAL}; the
     * control shows it really was left on the worker's session (the single-server form does not blank it).
     */
    @Test
    void aPerClaimSettingLeftOnAWorkerSessionDoesNotReachTheNextUnit(@Admin DataSource admin, DataSource login) throws SQLException {
        UUID a = annInA.organizationId();
        insertContacts(admin, a, 1);
        String poison = "{\"org_id\":\"" + bobInB.organizationId() + "\"}";
        String onTheShard = "select current_setting('request.jwt.claim.app_metadata', true) from public.contacts where org_id = ? limit 1";
        try (Connection physical = login.getConnection()) {
            DataSource one = new SingleConnectionDataSource(physical);
            Transactions distributed = new Transactions(one, RoleTimeouts.defaults(), VoxanneObserver.NONE, Placement.DISTRIBUTED);
            Transactions singleServer = new Transactions(one, RoleTimeouts.defaults(), VoxanneObserver.NONE, Placement.SINGLE_SERVER);
            RequestClaims service = RequestClaims.service(a);
            distributed.run(service, dsl -> dsl.fetch("select set_config('request.jwt.claim.app_metadata', ?, false)"
                    + " from public.contacts where org_id = ?", poison, a));
            String leftThere = singleServer.run(service, dsl -> dsl.fetchValue(onTheShard, a).toString());
            assertThat(leftThere).as("control: left on the worker's session").isEqualTo(poison);
            String seenByTheNextUnit = distributed.run(service, dsl -> dsl.fetchValue(onTheShard, a).toString());
            assertThat(seenByTheNextUnit).as("blanked by the distributed binding").isEmpty();
        }
    }

    private static List<UUID> insertContacts(DataSource admin, UUID org, int n) throws SQLException {
        List<UUID> ids = new ArrayList<>();
        try (Connection c = admin.getConnection();
             PreparedStatement ps = c.prepareStatement("insert into public.contacts (id, org_id, name) values (?, ?, ?)")) {
            for (int i = 0; i < n; i++) {
                UUID id = UUID.randomUUID();
                ps.setObject(1, id);
                ps.setObject(2, org);
                ps.setString(3, "Contact " + i);
                ps.executeUpdate();
                ids.add(id);
            }
        }
        return ids;
    }

    private static long count(DataSource admin, String sql, Object... params) throws SQLException {
        try (Connection c = admin.getConnection(); PreparedStatement ps = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                ps.setObject(i + 1, params[i]);
            }
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        }
    }
}
