#!/usr/bin/env bash
# Starts PgBouncer in transaction mode in front of the private PostgreSQL of .ci/start-external-postgres.sh,
# for the DAO's tests behind a transaction-mode pooler (as Supavisor's port 6543 on Supabase), and prints
# the environment the tests read (eval its output). Idempotent: a running instance is reused.
#
# What goes through it: only the test kit's login role (VOXANNE_TEST_LOGIN_URL); the kit's admin work
# (creating, cloning and dropping databases) stays on the server's own port.
#
# Databases: a wildcard entry, so the per-class databases the kit clones route without being listed.
#
# Authentication: an auth_file naming only the kit's login role with its password in plain text, and
# SCRAM towards the client. PgBouncer needs the plain password (or a SCRAM secret) to log in to the server
# as that role; the role and its password are the kit's test-only defaults, not a secret, and a role
# absent from the file cannot log in through this PgBouncer at all. (auth_query would need a superuser or
# a SECURITY DEFINER lookup function in every cloned database; trust would let any local process in as
# that role.)
#
# PgJDBC's server-side prepared statements: PgBouncer 1.18 (Debian 12) does not carry a named prepared
# statement from one transaction's server connection to the next, so the URL it prints asks PgJDBC for
# unnamed statements only (prepareThreshold=0); see docs/production.md.
#
# Environment:
#   VOXANNE_CI_PGBOUNCER_PORT  port PgBouncer listens on (default 25434: below the kernel's ephemeral
#                              range, where a test's outgoing connection or a port Docker maps for a
#                              container can take it first)
#   VOXANNE_CI_PG_PORT         port of the PostgreSQL behind it (default 25433)
#   VOXANNE_CI_PGBOUNCER_DIR   its config, pid and log directory (default /var/tmp/voxanne-ci-pgbouncer)
#   VOXANNE_TEST_LOGIN_ROLE, VOXANNE_TEST_LOGIN_PASSWORD  the kit's login role (defaults: the kit's)
set -euo pipefail

PORT="${VOXANNE_CI_PGBOUNCER_PORT:-25434}"
PG_PORT="${VOXANNE_CI_PG_PORT:-25433}"
DIR="${VOXANNE_CI_PGBOUNCER_DIR:-/var/tmp/voxanne-ci-pgbouncer}"
ROLE="${VOXANNE_TEST_LOGIN_ROLE:-voxanne_authenticator}"
PASSWORD="${VOXANNE_TEST_LOGIN_PASSWORD:-voxanne-test-login}"
URL="jdbc:postgresql://127.0.0.1:$PORT/postgres?prepareThreshold=0"

die() { echo "start-pgbouncer: ERROR: $*" >&2; exit 1; }
command -v pgbouncer >/dev/null || die "pgbouncer not found (install the pgbouncer package)"
id postgres >/dev/null 2>&1 || die "no 'postgres' OS user (install postgresql-15)"
[[ "$PASSWORD" != *'"'* ]] || die "the login password must not contain a double quote (auth_file syntax)"

# PgBouncer refuses to run as root: run it as the postgres OS user, which must own its files.
as_postgres() { runuser -u postgres -- "$@"; }

running() { [[ -s "$DIR/pgbouncer.pid" ]] && kill -0 "$(cat "$DIR/pgbouncer.pid")" 2>/dev/null; }

# A running instance listening on another port (an older default, another VOXANNE_CI_PGBOUNCER_PORT) is
# stopped and started again with this run's config.
if running && ! grep -qx "listen_port = $PORT" "$DIR/pgbouncer.ini"; then
    kill "$(cat "$DIR/pgbouncer.pid")"
    for _ in $(seq 50); do
        running || break
        sleep 0.1
    done
    running && die "could not stop the PgBouncer listening on another port (pid $(cat "$DIR/pgbouncer.pid"))"
fi

# Something else listening on the port would make PgBouncer exit with "nowhere to listen on": say who.
port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

if ! running; then
    if port_taken; then
        holder=$(ss -Hltnp "sport = :$PORT" 2>/dev/null || true)
        die "port $PORT is taken by another process${holder:+: $holder}; set VOXANNE_CI_PGBOUNCER_PORT to a free one"
    fi
    mkdir -p "$DIR"
    # Each run writes its own config: a warm machine with an older one gets the current one.
    cat >"$DIR/pgbouncer.ini" <<EOF
[databases]
* = host=127.0.0.1 port=$PG_PORT

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $PORT
unix_socket_dir =
pool_mode = transaction
auth_type = scram-sha-256
auth_file = $DIR/userlist.txt
max_client_conn = 500
default_pool_size = 40
logfile = $DIR/pgbouncer.log
pidfile = $DIR/pgbouncer.pid
EOF
    printf '"%s" "%s"\n' "$ROLE" "$PASSWORD" >"$DIR/userlist.txt"
    chown -R postgres:postgres "$DIR"
    chmod 600 "$DIR/userlist.txt"
    rm -f "$DIR/pgbouncer.pid"
    as_postgres pgbouncer -d "$DIR/pgbouncer.ini" >&2 || { tail -n 30 "$DIR/pgbouncer.log" >&2 || true; die "pgbouncer did not start"; }
    for _ in $(seq 50); do
        running && break
        sleep 0.1
    done
    running || { tail -n 30 "$DIR/pgbouncer.log" >&2 || true; die "pgbouncer did not start"; }
fi

echo "export VOXANNE_CI_PGBOUNCER_LOGIN_URL='$URL'"
echo "export VOXANNE_CI_PGBOUNCER_LOG='$DIR/pgbouncer.log'"
