#!/usr/bin/env bash
# Starts a private PostgreSQL 15 from Debian's binaries for the tests of the "external server" backend,
# and prints the environment the tests read (eval its output). Idempotent: a running instance is reused.
#
# Environment:
#   VOXANNE_CI_PG_PORT     port (default 25433: below the kernel's ephemeral range, 32768-60999 by
#                          default, where an outgoing connection or a port Docker maps can hold it first)
#   VOXANNE_CI_PG_DATA     data directory (default /var/tmp/voxanne-ci-external-pg)
set -euo pipefail

PORT="${VOXANNE_CI_PG_PORT:-25433}"
DATA="${VOXANNE_CI_PG_DATA:-/var/tmp/voxanne-ci-external-pg}"
BIN=/usr/lib/postgresql/15/bin
PASSWORD=voxanne-ci-admin

die() { echo "start-external-postgres: ERROR: $*" >&2; exit 1; }
[[ -x "$BIN/initdb" ]] || die "PostgreSQL 15 binaries not found in $BIN (install postgresql-15)"
id postgres >/dev/null 2>&1 || die "no 'postgres' OS user (install postgresql-15)"

# initdb and postgres refuse to run as root: run them as the postgres OS user, which must be able to
# read every parent directory of the data directory.
as_postgres() { runuser -u postgres -- "$@"; }

# A running instance on another port (an older default, another VOXANNE_CI_PG_PORT) is restarted on this one.
# Line 4 of postmaster.pid is the port the server listens on.
if as_postgres "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1 && [[ "$(sed -n 4p "$DATA/postmaster.pid")" != "$PORT" ]]; then
    as_postgres "$BIN/pg_ctl" -D "$DATA" -w -t 60 -m fast stop >&2 || die "could not stop the server on its old port"
fi

if ! as_postgres "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
    if [[ ! -s "$DATA/PG_VERSION" ]]; then
        rm -rf "$DATA"
        mkdir -p "$DATA"
        chown postgres:postgres "$DATA"
        pwfile="$(mktemp)"
        echo "$PASSWORD" >"$pwfile"
        chown postgres "$pwfile"
        as_postgres "$BIN/initdb" --no-sync -D "$DATA" -U postgres --auth=scram-sha-256 --pwfile="$pwfile" >&2 \
            || die "initdb failed"
        rm -f "$pwfile"
    fi
    as_postgres "$BIN/pg_ctl" -D "$DATA" -w -t 60 -l "$DATA/server.log" \
        -o "-p $PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=/tmp -c fsync=off -c max_connections=200" \
        start >&2 || { tail -n 30 "$DATA/server.log" >&2 || true; die "the server did not start"; }
fi

echo "export VOXANNE_TEST_EXTERNAL_URL=jdbc:postgresql://127.0.0.1:$PORT/postgres"
echo "export VOXANNE_TEST_EXTERNAL_ADMIN_USER=postgres"
echo "export VOXANNE_TEST_EXTERNAL_ADMIN_PASSWORD=$PASSWORD"
