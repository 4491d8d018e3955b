#!/usr/bin/env bash
# Entrypoint of voxanne-ci/postgres-pgaudit (see build.sh).
#
# Follows the contract of the official `postgres` image, which Testcontainers'
# PostgreSQLContainer relies on:
#   POSTGRES_USER              superuser to create (default: postgres)
#   POSTGRES_PASSWORD          its password; required unless POSTGRES_HOST_AUTH_METHOD=trust
#   POSTGRES_DB                database to create (default: $POSTGRES_USER)
#   POSTGRES_INITDB_ARGS       extra arguments for initdb
#   POSTGRES_HOST_AUTH_METHOD  pg_hba method for connections from outside (default: scram-sha-256)
#   /docker-entrypoint-initdb.d/*.sh, *.sql, *.sql.gz   run once, on first start
#
# On first start it prints "database system is ready to accept connections" twice: once
# for a temporary socket-only server used to run the initialisation, once for the real
# server. Testcontainers waits for the second one.

# No `set -u`: non-executable init scripts are sourced into this shell, and the official
# image does not impose -u on them either.
set -Eeo pipefail

: "${PGDATA:=/var/lib/postgresql/data}"
export PGDATA

log() { echo "entrypoint: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# `docker run IMAGE -c fsync=off` means `postgres -c fsync=off`.
if [[ $# -eq 0 || "$1" == -* ]]; then
    set -- postgres "$@"
fi

# Anything other than the server (bash, psql, ...) is run as given.
if [[ "$1" != postgres ]]; then
    exec "$@"
fi

# As root: prepare directories, then run this script again as the postgres user.
# The image is built with debootstrap's minbase variant, which has util-linux's setpriv
# (no gosu). setpriv keeps the environment, so the POSTGRES_* variables carry over.
if [[ "$(id -u)" -eq 0 ]]; then
    mkdir -p "$PGDATA" /var/run/postgresql
    chown postgres:postgres /var/run/postgresql
    chmod 2777 /var/run/postgresql
    # Only chown a data directory we may own (a read-only or foreign mount is left alone).
    if [[ "$(stat -c %U "$PGDATA")" != postgres ]]; then
        chown -R postgres:postgres "$PGDATA" || log "could not chown $PGDATA"
    fi
    chmod 700 "$PGDATA" || true
    export HOME=/var/lib/postgresql
    exec setpriv --reuid=postgres --regid=postgres --init-groups -- "${BASH_SOURCE[0]}" "$@"
fi

# From here on we are the postgres user (or whatever non-root user `docker run --user` chose).

if [[ ! -s "$PGDATA/PG_VERSION" ]]; then
    POSTGRES_USER="${POSTGRES_USER:-postgres}"
    POSTGRES_DB="${POSTGRES_DB:-$POSTGRES_USER}"
    POSTGRES_PASSWORD="${POSTGRES_PASSWORD:-}"
    POSTGRES_HOST_AUTH_METHOD="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}"

    if [[ -z "$POSTGRES_PASSWORD" && "$POSTGRES_HOST_AUTH_METHOD" != trust ]]; then
        die "the database is not initialised and POSTGRES_PASSWORD is empty.
  Set POSTGRES_PASSWORD (e.g. -e POSTGRES_PASSWORD=secret), or
  POSTGRES_HOST_AUTH_METHOD=trust to allow all connections without a password."
    fi

    log "initialising database cluster in $PGDATA"
    # POSTGRES_INITDB_ARGS is word-split on purpose (same as the official image).
    # The password goes through a pipe so it never shows in the process list; the <(...)
    # must be on the initdb command itself, bash closes it once that command ends.
    # shellcheck disable=SC2086
    if [[ -n "$POSTGRES_PASSWORD" ]]; then
        initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "$POSTGRES_PASSWORD") \
            ${POSTGRES_INITDB_ARGS:-}
    else
        initdb --username="$POSTGRES_USER" ${POSTGRES_INITDB_ARGS:-}
    fi

    # initdb's defaults only allow local connections; the server is reached through Docker's
    # port mapping, i.e. from the bridge network.
    echo "listen_addresses = '*'" >>"$PGDATA/postgresql.conf"
    printf '\nhost all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD" >>"$PGDATA/pg_hba.conf"

    # Temporary server on the Unix socket only, so nothing outside can connect before the
    # initialisation is finished. It gets the same server options as the real one (e.g.
    # shared_preload_libraries=pgaudit, so that init scripts can CREATE EXTENSION pgaudit).
    # pg_ctl -o goes through a shell, hence the %q quoting.
    temp_opts="-c listen_addresses='' -p ${PGPORT:-5432}"
    if [[ $# -gt 1 ]]; then
        temp_opts="$(printf '%q ' "${@:2}")$temp_opts"
    fi
    export PGPASSWORD="$POSTGRES_PASSWORD"
    pg_ctl -D "$PGDATA" -o "$temp_opts" -w start

    psql_base=(psql -v ON_ERROR_STOP=1 --no-psqlrc --no-password --username "$POSTGRES_USER")

    db_exists="$("${psql_base[@]}" --dbname postgres -tA -v db="$POSTGRES_DB" \
        <<<"SELECT 1 FROM pg_database WHERE datname = :'db';")"
    if [[ -z "$db_exists" ]]; then
        log "creating database $POSTGRES_DB"
        "${psql_base[@]}" --dbname postgres -v db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";'
    fi

    # Init scripts run against POSTGRES_DB; .sh files that are not executable are sourced,
    # so they can use the variables above (as in the official image).
    psql_db=("${psql_base[@]}" --dbname "$POSTGRES_DB")
    shopt -s nullglob
    for f in /docker-entrypoint-initdb.d/*; do
        case "$f" in
            *.sh)
                if [[ -x "$f" ]]; then
                    log "running $f"
                    "$f"
                else
                    log "sourcing $f"
                    # shellcheck disable=SC1090
                    . "$f"
                fi
                ;;
            *.sql)    log "running $f"; "${psql_db[@]}" -f "$f" ;;
            *.sql.gz) log "running $f"; gzip -dc "$f" | "${psql_db[@]}" ;;
            *)        log "ignoring $f" ;;
        esac
    done
    shopt -u nullglob

    pg_ctl -D "$PGDATA" -m fast -w stop
    unset PGPASSWORD
    log "initialisation complete; starting the server"
fi

exec "$@"
