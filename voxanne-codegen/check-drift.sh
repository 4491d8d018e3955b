#!/usr/bin/env bash
# CI drift check: regenerates the jOOQ classes from the migrations of this working tree and fails when
# anything under voxanne-schema/src/main/jooq differs from what is committed (changed, deleted or new
# files), printing what differs and the command that regenerates them.
#
#   voxanne-codegen/check-drift.sh          (from anywhere; needs git, Java 17; no Docker, no database)
#
# The server is the embedded PostgreSQL unless VOXANNE_TEST_BACKEND says otherwise (see GenerateJooq).
set -euo pipefail
cd "$(dirname "$0")/.."

readonly generated=voxanne-schema/src/main/jooq
# Keep in sync with GenerateJooq.COMMAND (GenerateJooqTest checks it).
readonly command='./mvnw -q -pl voxanne-codegen -am -Pregenerate-jooq clean process-classes'

if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    echo "check-drift: ERROR: $(pwd) is not a git working tree; cannot compare with the committed classes" >&2
    exit 2
fi

echo "check-drift: regenerating the jOOQ classes: $command"
$command

# Modified, deleted, staged-but-uncommitted and untracked files alike.
if [[ -z "$(git status --porcelain --untracked-files=all -- "$generated")" ]]; then
    echo "check-drift: OK, $generated matches the migrations"
    exit 0
fi

{
    echo
    echo "check-drift: FAILED: the committed jOOQ classes do not match the migrations."
    echo
    git --no-pager diff HEAD --stat -- "$generated" 2>/dev/null || git --no-pager diff --stat -- "$generated"
    untracked="$(git ls-files --others --exclude-standard -- "$generated")"
    if [[ -n "$untracked" ]]; then
        echo "new files, not committed:"
        sed 's/^/    /' <<<"$untracked"
    fi
    echo
    echo "Regenerate them with"
    echo "    $command"
    echo "and commit $generated (never edit it by hand)."
} >&2
exit 1
