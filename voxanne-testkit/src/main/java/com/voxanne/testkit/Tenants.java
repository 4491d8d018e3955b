package com.voxanne.testkit;

/**
 * The organizations and users of one test database, and the identities a test acts as. Inject it as a
 * test or lifecycle method parameter.
 *
 * <pre>{@code
 * User ann = tenants.organization("Clinic A").user("ann");
 * int mine = tenants.asUser(ann).call(dsl -> dsl.fetchCount(DSL.table("contacts")));
 * tenants.asService().run(dsl -> dsl.execute("delete from contacts"));
 * }</pre>
 *
 * <p>Organizations and users are created on first use of their name and returned again afterwards, so a
 * {@code @BeforeEach} method and a test can both say {@code tenants.organization("Clinic A")}. They are
 * written as the admin role, as sign-up would: organizations in {@code public.organizations}, users in
 * {@code auth.users} with {@code raw_app_meta_data.org_id} set, as Supabase does.
 */
public interface Tenants {

    /** The organization with this name in this database, created on first use. */
    Organization organization(String name);

    /** Acting as {@code user}: role {@code authenticated}, claims {@code sub} and {@code app_metadata.org_id}. */
    Actor asUser(User user);

    /** Acting as nobody signed in: role {@code anon}, no user, no organization. */
    Actor asAnon();

    /** Acting as the backend across organizations: role {@code service_role}, no user, no organization. */
    Actor asService();

    /** Acting as the backend for one organization: role {@code service_role} with its {@code org_id}. */
    Actor asService(Organization organization);
}
