#!/usr/bin/env bash
# What the audit trigger costs a write, in instructions (valgrind's callgrind), so that the comparison does
# not move with the machine's load: a single-user PostgreSQL 15 backend runs N transactions of one write,
# then 7N; the difference over 6N is the instructions per transaction (start-up and the first plans cancel
# out). Three schemas, each from the migrations of this tree applied with psql:
#   row        V1-V16: the row trigger audit_row_change() on every audited table
#   statement  V1-V17: the statement triggers audit_statement_change() (three per table)
#   none       V1-V17 with the audit triggers disabled: the write alone
# Writes (each one transaction binding service_role and a user's claims, as the DAO's units do, with a
# statement text padded to the size of the DAO's): a webhook claim, a contact insert, a contact delete,
# and an import of 1,000 contacts in one INSERT ... SELECT.
#
#   voxanne-schema/bench/audit-trigger-instructions.sh [N]     (as root; default N 10; about 15 minutes)
#   SCHEMAS="row statement" voxanne-schema/bench/audit-trigger-instructions.sh     (some of the three)
#
# Needs: PostgreSQL 15 server binaries (/usr/lib/postgresql/15/bin), valgrind, the postgres OS user.
set -euo pipefail
cd "$(dirname "$0")/.."

N=${1:-10}
SCRATCH_NAME=voxanne-audit-bench
PORT=25441
source bench/scratch-postgres.sh

ORG=aaaaaaaa-0000-0000-0000-000000000001
IMPORT_ORG=aaaaaaaa-0000-0000-0000-000000000002
CLAIMS="select set_config('request.jwt.claim.sub', '00000000-0000-0000-0000-0000000000aa', true),"\
" set_config('request.jwt.claim.app_metadata', '{\"org_id\":\"$ORG\"}', true), set_config('role', 'service_role', true)"
PAD="/* $(printf 'x%.0s' $(seq 700)) */"

# One line per command: the single-user backend ends a command at a newline.
write_sql() {
    case $1 in
        webhook) echo "insert into public.processed_webhook_events (org_id, event_id, event_type) values ('$ORG', 'evt-' || random(), 'call.ended') on conflict (org_id, event_id) do nothing returning id $PAD" ;;
        contact) echo "insert into public.contacts (id, org_id, name, email, notes) values (gen_random_uuid(), '$ORG', 'Bench ' || random(), 'p@example.com', 'notes about the caller') returning id $PAD" ;;
        delete) echo "delete from public.contacts where id = (select id from public.contacts where org_id = '$ORG' and name like 'Seed %' order by id limit 1) returning id $PAD" ;;
        import) echo "insert into public.contacts (id, org_id, name, email, notes) select gen_random_uuid(), '$IMPORT_ORG', 'Import ' || g, 'i' || g || '@example.com', 'imported' from generate_series(1, 1000) g $PAD" ;;
    esac
}

# Instructions of a single-user backend running $2 transactions of write $1.
instructions() {
    local file="$WORK/$1.$2.sql" out="$WORK/callgrind.$1.$2"
    for _ in $(seq "$2"); do echo "begin"; echo "$CLAIMS"; write_sql "$1"; echo "commit"; done >"$file"
    chmod 644 "$file"
    as_postgres valgrind --tool=callgrind --callgrind-out-file="$out" "$BIN/postgres" --single -D "$WORK/data" \
        -c fsync=off bench <"$file" >"$WORK/out.$1.$2" 2>&1
    if grep -q "ERROR" "$WORK/out.$1.$2"; then
        grep -m1 "ERROR" "$WORK/out.$1.$2" >&2
        exit 1
    fi
    grep -E '^(summary|totals):' "$out" | head -1 | awk '{print $2}'
}

# A fresh database with the migrations up to $1 and the same rows for every schema.
prepare() {
    start
    migrate_up_to "$1"
    psql_admin -c "insert into public.organizations (id, name) values ('$ORG', 'Clinic A'), ('$IMPORT_ORG', 'Clinic B')" \
        -c "insert into public.contacts (org_id, name, email) select '$ORG', 'Seed ' || g, 's' || g || '@example.com' from generate_series(1, 6000) g" \
        -c "vacuum analyze"
    if [[ $2 == none ]]; then
        for table in organizations contacts appointments notifications processed_webhook_events; do
            for op in insert update delete; do
                psql_admin -c "alter table public.$table disable trigger audit_${op}_$table"
            done
        done
    fi
    stop
}

init_server

printf '%-10s %12s %12s %12s %16s\n' schema "webhook" "contact" "delete" "import (per row)"
for schema in ${SCHEMAS:-none row statement}; do
    case $schema in row) prepare 16 row ;; *) prepare 17 "$schema" ;; esac
    line=$(printf '%-10s' "$schema")
    for write in webhook contact delete import; do
        if [[ $write == import ]]; then a=1; b=3; per=2000; else a=$N; b=$((7 * N)); per=$((6 * N)); fi
        x=$(instructions "$write" "$a")
        y=$(instructions "$write" "$b")
        line+=$(printf ' %12s' "$(( (y - x) / per ))")
    done
    echo "$line"
done
