package com.voxanne.testkit.internal;

import com.voxanne.schema.session.RequestClaims;
import com.voxanne.testkit.Actor;
import javax.sql.DataSource;
import org.jooq.SQLDialect;
import org.jooq.impl.DSL;

/** An {@link Actor}: each unit of work is one committed transaction bound to its claims. */
final class ClaimsActor implements Actor {

    private final DataSource login;
    private final RequestClaims claims;

    ClaimsActor(DataSource login, RequestClaims claims) {
        this.login = login;
        this.claims = claims;
    }

    @Override
    public RequestClaims claims() {
        return claims;
    }

    @Override
    public void run(Work work) {
        call(dsl -> {
            work.run(dsl);
            return null;
        });
    }

    @Override
    public <T> T call(Call<T> work) {
        try {
            return BoundTransactions.inTransaction(login, claims, true, c -> work.call(DSL.using(c, SQLDialect.POSTGRES)));
        } catch (Exception e) {
            throw BoundTransactions.unchecked(e);
        }
    }

    @Override
    public String toString() {
        return "Actor" + claims.toJson();
    }
}
