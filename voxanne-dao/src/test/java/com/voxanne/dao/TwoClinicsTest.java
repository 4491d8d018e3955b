package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.voxanne.testkit.Tenants;
import com.voxanne.testkit.User;
import java.util.UUID;
import javax.sql.DataSource;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.BeforeEach;

/**
 * The fixture of the contacts tests: Voxanne over the login pool and one user in each of two clinics.
 * The clinics are fresh for every test because a test database lives as long as its class, and tests
 * that list or count rows must not see each other's contacts. Subclasses carry {@code @VoxannePostgres}.
 */
abstract class TwoClinicsTest {

    Voxanne voxanne;
    OrgContext annInA;
    OrgContext bobInB;

    @BeforeEach
    void createClinics(DataSource login, Tenants tenants) {
        String run = UUID.randomUUID().toString();
        User ann = tenants.organization("Clinic A " + run).user("ann");
        User bob = tenants.organization("Clinic B " + run).user("bob");
        voxanne = Voxanne.create(login);
        annInA = OrgContext.of(ann.organization().id(), ann.id());
        bobInB = OrgContext.of(bob.organization().id(), bob.id());
    }

    /** {@code call} throws an {@link InvalidInputException} naming {@code field}. */
    static void assertInvalid(ThrowingCallable call, String field) {
        assertThatThrownBy(call).isInstanceOfSatisfying(InvalidInputException.class, e -> assertThat(e.field()).isEqualTo(field));
    }
}
