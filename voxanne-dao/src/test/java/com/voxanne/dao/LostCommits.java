package com.voxanne.dao;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;
import org.junit.jupiter.api.function.Executable;

/**
 * Loses a unit's connection while its commit is on its way, deterministically: a deferred constraint
 * trigger sleeps at commit (once: a sequence counts its calls, and a rollback does not undo it), and the
 * login role's backend is terminated from the admin connection while it sleeps.
 */
final class LostCommits {

    private final DSLContext admin;
    private final String loginRole;
    private final ExecutorService caller = Executors.newSingleThreadExecutor();

    LostCommits(DSLContext admin, String loginRole) {
        this.admin = admin;
        this.loginRole = loginRole;
        admin.execute("create sequence if not exists public.test_slow_commits");
        admin.execute("""
                create or replace function public.test_sleep_once_at_commit() returns trigger
                  language plpgsql security definer set search_path = pg_catalog, pg_temp as $$
                begin
                  if pg_catalog.nextval('public.test_slow_commits') = 1 then
                    perform pg_catalog.pg_sleep(30);
                  end if;
                  return null;
                end $$""");
    }

    /** The next commit of a row inserted into {@code table} sleeps 30 s, in the deferred trigger. */
    void nextCommitSleepsOn(String table) {
        admin.execute("alter sequence public.test_slow_commits restart");
        admin.execute("create constraint trigger test_sleep_at_commit after insert on public." + table
                + " deferrable initially deferred for each row execute function public.test_sleep_once_at_commit()");
    }

    /**
     * Runs {@code call} on another thread, terminates the login role's backend once it sleeps in
     * {@code pg_sleep}, and returns what the call threw.
     */
    Throwable killedWhileSleeping(Executable call) throws Exception {
        Future<Throwable> outcome = caller.submit(() -> catchThrowable(call::execute));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        int killed = 0;
        while (killed == 0 && System.nanoTime() < deadline) {
            Thread.sleep(50);
            killed = admin.fetchValue(DSL.field("(select count(*) filter (where pg_terminate_backend(pid))::int"
                    + " from pg_stat_activity where usename = {0} and wait_event = 'PgSleep')", Integer.class,
                    DSL.val(loginRole)));
        }
        assertThat(killed).as("a backend sleeping in the test's pg_sleep, terminated").isEqualTo(1);
        return outcome.get(15, TimeUnit.SECONDS);
    }

    /** Stops the calling thread and removes the trigger from {@code tables}. */
    void close(String... tables) {
        caller.shutdownNow();
        for (String table : tables) {
            admin.execute("drop trigger if exists test_sleep_at_commit on public." + table);
        }
    }
}
