#!/usr/bin/env bash
# What a bound unit costs the server, part by part, for the cheapest read (a contact by organization and id):
# the same read sent by pgbench (a C client, so the client's own cost is small and equal for every variant)
# as one auto-commit statement, inside begin/commit, with one more trivial statement, and with the DAO's
# binding whole and in parts. Every variant is prepared (-M prepared) and pipelined (one round trip, as the
# DAO's single-statement units are), measured in interleaved rounds; the median of the rounds is reported,
# with its ratio to the plain statement.
#
#   voxanne-schema/bench/binding-cost.sh [SECONDS] [ROUNDS] [CLIENTS]   (as root; defaults 4 5 4; ~3 minutes)
#
# Needs: PostgreSQL 15 server binaries and pgbench (/usr/lib/postgresql/15/bin), the postgres OS user.
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_EACH=${1:-4}
ROUNDS=${2:-5}
CLIENTS=${3:-4}
SCRATCH_NAME=voxanne-binding-bench
PORT=25443
source bench/scratch-postgres.sh

init_server
start
migrate_up_to 999
# 100 clinics of 100 contacts; a login role like the DAO's pool's: no table of its own, authenticated granted
psql_admin <<'SQL'
create role bench_login login noinherit;
grant authenticated to bench_login;
insert into public.organizations (id, name)
  select ('aaaaaaaa-0000-0000-0000-' || lpad(g::text, 12, '0'))::uuid, 'Clinic ' || g from generate_series(1, 100) g;
alter table public.contacts disable trigger user;
insert into public.contacts (id, org_id, name, email)
  select ('cccccccc-0000-' || lpad(o::text, 4, '0') || '-0000-' || lpad(c::text, 12, '0'))::uuid,
         ('aaaaaaaa-0000-0000-0000-' || lpad(o::text, 12, '0'))::uuid, 'Name ' || c, 'e' || c || '@example.com'
    from generate_series(1, 100) o, generate_series(1, 100) c;
alter table public.contacts enable trigger user;
vacuum analyze;
SQL

ORG=aaaaaaaa-0000-0000-0000-000000000007
CONTACT=cccccccc-0000-0007-0000-000000000042
CLAIMS='{"sub":"00000000-0000-0000-0000-0000000000aa","role":"authenticated","app_metadata":{"org_id":"'$ORG'"}}'
READ='select * from public.contacts where org_id = cast(:org as uuid) and id = cast(:contact as uuid);'
ROLE_CLAIMS="set_config('role', :role, true), set_config('request.jwt.claims', :claims, true)"
TIMEOUTS="set_config('statement_timeout', :st, true), set_config('lock_timeout', :lt, true)"
BLANKS="set_config('request.jwt.claim', '', true), set_config('request.jwt.claim.sub', '', true),"\
" set_config('request.jwt.claim.role', '', true), set_config('request.jwt.claim.email', '', true),"\
" set_config('request.jwt.claim.app_metadata', '', true)"
SEARCH_PATH="set_config('search_path', 'pg_catalog, public, pg_temp', true)"

# A unit: begin, then the given statements, the read and commit, in one pipeline.
unit() {
    local file="$WORK/$1.sql"
    shift
    { echo '\startpipeline'; echo 'begin;'; for s in "$@"; do echo "$s"; done; echo "$READ"; echo 'commit;'; echo '\endpipeline'; } >"$file"
}
echo "$READ" >"$WORK/plain.sql"
unit transaction
unit one_more "select 1;"
unit role_claims "select $ROLE_CLAIMS;"
unit with_timeouts "select $ROLE_CLAIMS, $TIMEOUTS;"
unit without_blanks "select $ROLE_CLAIMS, $TIMEOUTS, $SEARCH_PATH;"
unit binding "select $ROLE_CLAIMS, $TIMEOUTS, $BLANKS, $SEARCH_PATH;"
chmod 644 "$WORK"/*.sql

# name:user:role (the superuser reads without row-level security; role postgres keeps it so under the binding)
VARIANTS=(plain:postgres:postgres transaction:postgres:postgres one_more:postgres:postgres
          binding_no_rls:postgres:postgres role_claims:bench_login:authenticated with_timeouts:bench_login:authenticated
          without_blanks:bench_login:authenticated binding:bench_login:authenticated)
cp "$WORK/binding.sql" "$WORK/binding_no_rls.sql"
declare -A tps
for _ in $(seq "$ROUNDS"); do
    for v in "${VARIANTS[@]}"; do
        IFS=: read -r name user role <<<"$v"
        t=$(pgbench -n -h 127.0.0.1 -p "$PORT" -U "$user" -M prepared -c "$CLIENTS" -j "$CLIENTS" -T "$SECONDS_EACH" \
            -f "$WORK/$name.sql" -D org=$ORG -D contact=$CONTACT -D "claims=$CLAIMS" -D role="$role" -D st=3000ms -D lt=8000ms \
            bench 2>&1 | awk '/^tps/ {printf "%d", $3}')
        tps[$name]="${tps[$name]:-} $t"
    done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
plain=$(echo "${tps[plain]}" | median)
printf '%-16s %8s %6s  %s\n' variant tps ratio rounds
for v in "${VARIANTS[@]}"; do
    name=${v%%:*}
    m=$(echo "${tps[$name]}" | median)
    printf '%-16s %8d %6.2f  %s\n' "$name" "$m" "$(awk -v a="$m" -v b="$plain" 'BEGIN {print a / b}')" "${tps[$name]}"
done
