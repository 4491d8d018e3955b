# Sourced by the scripts of this folder: a private PostgreSQL 15 in a temporary folder, removed on exit.
#   SCRATCH_NAME (the folder's prefix) and PORT set by the caller before sourcing; then:
#   as_postgres CMD…   psql_admin ARGS… (database bench)   start   stop   init_server   migrate_up_to VERSION
# Needs: PostgreSQL 15 server binaries (/usr/lib/postgresql/15/bin), the postgres OS user; run as root.
BIN=/usr/lib/postgresql/15/bin
MIGRATIONS=$PWD/src/main/resources/db/voxanne/migration
WORK=$(mktemp -d "/tmp/$SCRATCH_NAME.XXXXXX")
chown postgres "$WORK"
trap 'runuser -u postgres -- "$BIN/pg_ctl" -D "$WORK/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT

as_postgres() { runuser -u postgres -- "$@"; }
psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U postgres -d bench "$@"; }
start() { as_postgres "$BIN/pg_ctl" -D "$WORK/data" -l "$WORK/server.log" -w \
    -o "-p $PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$WORK -c fsync=off" start >/dev/null; }
stop() { as_postgres "$BIN/pg_ctl" -D "$WORK/data" -w stop >/dev/null; }
init_server() { as_postgres "$BIN/initdb" --no-sync -D "$WORK/data" -U postgres --auth=trust >/dev/null; }

# A fresh database bench (the server started) with the migrations V1 up to $1, each in one transaction.
migrate_up_to() {
    PGOPTIONS="-c client_min_messages=warning" psql_admin -d postgres -c "drop database if exists bench" -c "create database bench"
    local script version
    for script in $(ls "$MIGRATIONS"/V*.sql | sort -V); do
        version=$(basename "$script" | sed -E 's/^V([0-9]+)__.*/\1/')
        if ((version <= $1)); then
            psql_admin -1 -f "$script" >/dev/null 2>&1 || { echo "migration $script failed" >&2; return 1; }
        fi
    done
}
