#!/usr/bin/env bash
# Lints every Flyway migration (voxanne-schema/src/main/resources/db/voxanne/migration/V*.sql) with
# squawk, a linter for PostgreSQL migrations, at a pinned version. Exits non-zero on any violation.
#
# squawk comes from npm (package squawk-cli, which ships the native binary) into a cache directory
# that later runs reuse; node and npm must be on the PATH the first time.
# The rules, the PostgreSQL version and every exclusion, each with its justification, are in
# .squawk.toml at the repository root.
#
# Environment:
#   VOXANNE_SQUAWK_CACHE   where squawk-cli is installed (default /var/tmp/voxanne-squawk-<version>)
#
# What squawk cannot see: it parses top-level statements only. The bodies of DO blocks and functions
# (PL/pgSQL, often EXECUTE format(...)) are opaque strings to it, so DDL the migrations run inside
# DO $$ ... $$ guards (V9's ADD CONSTRAINT ... UNIQUE, its foreign key, the re-runnable CREATE POLICY,
# CREATE TYPE, CREATE EXTENSION) is not linted. The behaviour of that DDL is covered by the tests of
# voxanne-schema instead.
set -euo pipefail
cd "$(dirname "$0")/.."

SQUAWK_VERSION=2.66.0
CACHE="${VOXANNE_SQUAWK_CACHE:-/var/tmp/voxanne-squawk-$SQUAWK_VERSION}"
SQUAWK="$CACHE/node_modules/.bin/squawk"
MIGRATIONS=voxanne-schema/src/main/resources/db/voxanne/migration
CONFIG=.squawk.toml

die() { echo "lint-migrations: ERROR: $*" >&2; exit 2; }

installed_version() { "$SQUAWK" --version 2>/dev/null | awk '{print $2}'; }

if [[ ! -x "$SQUAWK" || "$(installed_version)" != "$SQUAWK_VERSION" ]]; then
    command -v npm >/dev/null || die "npm not found: install Node.js (npm) to fetch squawk-cli@$SQUAWK_VERSION"
    echo "lint-migrations: installing squawk-cli@$SQUAWK_VERSION into $CACHE"
    mkdir -p "$CACHE"
    npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$CACHE" "squawk-cli@$SQUAWK_VERSION" >&2 \
        || die "npm install squawk-cli@$SQUAWK_VERSION failed"
    [[ "$(installed_version)" == "$SQUAWK_VERSION" ]] \
        || die "squawk in $CACHE reports '$("$SQUAWK" --version 2>&1)', expected squawk $SQUAWK_VERSION"
fi

[[ -f "$CONFIG" ]] || die "$CONFIG not found"
shopt -s nullglob
files=("$MIGRATIONS"/V*.sql)
((${#files[@]})) || die "no migrations found in $MIGRATIONS"

# squawk parses SQL: a tenant policy's ${voxanne:auth_org_id} / ${voxanne:auth_user_id} (MIGRATIONS.md,
# "Tenant policies in new migrations") is given the single-server form it has there, in copies named as
# the migrations are.
resolved=$(mktemp -d)
trap 'rm -rf "$resolved"' EXIT
mkdir -p "$resolved/$MIGRATIONS"
for f in "${files[@]}"; do
    sed -e 's/\${voxanne:auth_org_id}/(select public.auth_org_id())/g' \
        -e 's/\${voxanne:auth_user_id}/(select public.auth_user_id())/g' "$f" > "$resolved/$f"
done

echo "lint-migrations: squawk $SQUAWK_VERSION on ${#files[@]} migration(s) in $MIGRATIONS"
if (cd "$resolved" && "$SQUAWK" --config "$OLDPWD/$CONFIG" "${files[@]}"); then
    echo "lint-migrations: OK"
else
    status=$?
    echo "lint-migrations: squawk found violations (exit $status); fix the migration, or justify an exclusion in $CONFIG" >&2
    exit "$status"
fi
