#!/usr/bin/env bash
# Builds the local Docker image the integration tests run PostgreSQL 15 + pgaudit in
# (default name voxanne-ci/postgres-pgaudit:15), without any container registry:
#
#   debootstrap (minbase) -> apt-get install postgresql-15 postgresql-15-pgaudit in the chroot
#   -> slim down -> add docker-entrypoint.sh -> tar | docker import
#
# The CI machines reach Debian's package mirror but no registry, so `docker pull postgres`
# is not an option. The entrypoint follows the official postgres image's contract, so
# Testcontainers' PostgreSQLContainer works with this image once it is declared
# compatible: DockerImageName.parse(image).asCompatibleSubstituteFor("postgres").
#
# Idempotent: when the image exists and was built from the current version of this script
# and the entrypoint (recorded in the image label voxanne.ci.recipe), it exits at once.
#
# Usage: build.sh [--force] [--image NAME:TAG]
#   --force          rebuild even if the image is up to date
#   --image NAME:TAG image to build (default: $VOXANNE_PG_IMAGE or voxanne-ci/postgres-pgaudit:15)
# Environment:
#   VOXANNE_PG_IMAGE  image name, as --image
#   DEBIAN_MIRROR     Debian mirror to bootstrap from (default: the one apt uses on this machine)
#
# Needs root, debootstrap and a running Docker engine (started via ../start-docker.sh).
set -Eeuo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SUITE=bookworm          # PostgreSQL 15 is the version Debian 12 (bookworm) ships
PG_MAJOR=15
IMAGE="${VOXANNE_PG_IMAGE:-voxanne-ci/postgres-pgaudit:$PG_MAJOR}"
FORCE=false

usage() { sed -n '2,/^set -Eeuo/p' "${BASH_SOURCE[0]}" | sed '$d; s/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
    case "$1" in
        --force) FORCE=true ;;
        --image) [[ $# -ge 2 ]] || { echo "build: --image needs a value" >&2; exit 2; }
                 IMAGE="$2"; shift ;;
        --image=*) IMAGE="${1#--image=}" ;;
        -h|--help) usage; exit 0 ;;
        *) echo "build: unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

log() { echo "build: $*"; }
die() { echo "build: ERROR: $*" >&2; exit 1; }

now_ms() { local t="${EPOCHREALTIME/./}"; echo $((t / 1000)); }
fmt_ms() { printf '%d.%01ds' $(($1 / 1000)) $(($1 % 1000 / 100)); }
BUILD_START="$(now_ms)"

WORK=""
STEP_LOG=""
STEP_PID=""

# Runs one named step with its output in a log file; prints its duration, or the step's
# name and the end of its log if it fails. The step runs as a background job plus `wait`
# because bash ignores `set -e` inside functions called from an `if`/`||` context; set -m
# puts that job in its own process group, so an interrupt can stop all of it (debootstrap
# runs wget, dpkg, ...) before the work directory is deleted.
step() {
    local name="$1"; shift
    local start status=0
    start="$(now_ms)"
    STEP_LOG="$WORK/step.log"
    log "[$name] ..."
    set -m
    "$@" >"$STEP_LOG" 2>&1 </dev/null &
    STEP_PID=$!
    set +m
    wait "$STEP_PID" || status=$?
    STEP_PID=""
    if [[ $status -ne 0 ]]; then
        echo "build: ERROR: step '$name' failed (exit $status). Last lines of its output:" >&2
        tail -n 40 "$STEP_LOG" | sed 's/^/    /' >&2
        exit 1
    fi
    log "[$name] done in $(fmt_ms $(($(now_ms) - start)))"
}

# Unmounts whatever is still mounted under the work directory (debootstrap mounts /proc
# and /sys in the chroot while it runs; a failure or an interrupt can leave them behind),
# then deletes it. Never deletes across a mount point: rm --one-file-system, and only if
# the unmounts worked.
cleanup() {
    [[ -n "$WORK" && -d "$WORK" ]] || return 0
    local mnt
    if [[ -n "$STEP_PID" ]]; then   # interrupted in the middle of a step
        kill -- "-$STEP_PID" 2>/dev/null || true
        wait "$STEP_PID" 2>/dev/null || true
    fi
    while read -r mnt; do
        umount -l "$mnt" 2>/dev/null || true
    done < <(awk -v w="$WORK/" 'index($5, w) == 1 { print $5 }' /proc/self/mountinfo | sort -r)
    if awk -v w="$WORK/" 'index($5, w) == 1 { found = 1 } END { exit !found }' /proc/self/mountinfo; then
        echo "build: WARNING: mounts remain under $WORK; not deleting it." >&2
        return 0
    fi
    rm -rf --one-file-system "$WORK"
}
trap cleanup EXIT
trap 'echo "build: interrupted" >&2; exit 130' INT TERM

# --- preconditions ------------------------------------------------------------------

[[ "$(id -u)" -eq 0 ]] || die "must run as root (debootstrap and chroot need it)."
for cmd in debootstrap docker tar chroot sha256sum flock; do
    command -v "$cmd" >/dev/null 2>&1 || die "'$cmd' not found (apt-get install debootstrap docker.io)."
done
[[ -f "$SCRIPT_DIR/docker-entrypoint.sh" ]] || die "missing $SCRIPT_DIR/docker-entrypoint.sh"

"$SCRIPT_DIR/../start-docker.sh" >/dev/null || die "no Docker engine (see .ci/start-docker.sh)."

# The recipe hash lets a warm machine notice that this script or the entrypoint changed
# since its image was built, instead of silently testing against a stale image.
RECIPE="$(cat "${BASH_SOURCE[0]}" "$SCRIPT_DIR/docker-entrypoint.sh" | sha256sum | cut -c1-16)"

image_recipe() {
    docker image inspect -f '{{ index .Config.Labels "voxanne.ci.recipe" }}' "$IMAGE" 2>/dev/null
}

# Parallel CI jobs on one machine: build once, the others wait and then find the image.
exec 9>/var/lock/voxanne-ci-postgres-image.lock
flock 9

# A rebuild leaves the previous image untagged; it is removed at the end.
OLD_IMAGE_ID="$(docker image inspect -f '{{ .Id }}' "$IMAGE" 2>/dev/null || true)"

if ! $FORCE; then
    existing="$(image_recipe)" && {
        if [[ "$existing" == "$RECIPE" ]]; then
            log "image $IMAGE already exists and is up to date (recipe $RECIPE); nothing to do (--force rebuilds)."
            exit 0
        fi
        log "image $IMAGE exists but was built from another recipe (${existing:-unknown}, now $RECIPE); rebuilding."
    }
fi

# --- the Debian mirror ----------------------------------------------------------------

# Prints the first URI that apt on this machine uses for the given suite, from deb822
# *.sources files and one-line *.list files.
apt_uri_for_suite() {
    local suite="$1" f
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -f "$f" ]] || continue
        awk -v suite="$suite" '
            BEGIN { RS = ""; FS = "\n" }     # paragraph mode: one stanza per record
            {
                types = ""; uris = ""; suites = ""; enabled = "yes"
                for (i = 1; i <= NF; i++) {
                    if ($i ~ /^[ \t]*#/) continue
                    n = index($i, ":"); if (n == 0) continue
                    key = tolower(substr($i, 1, n - 1)); val = substr($i, n + 1)
                    if (key == "types") types = val
                    else if (key == "uris") uris = val
                    else if (key == "suites") suites = val
                    else if (key == "enabled") { enabled = tolower(val); gsub(/[ \t]/, "", enabled) }
                }
                if (enabled == "no" || (" " types " ") !~ /[ \t]deb[ \t]/) next
                ns = split(suites, s, " ")
                for (j = 1; j <= ns; j++) if (s[j] == suite) { split(uris, u, " "); print u[1]; exit }
            }' "$f"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -f "$f" ]] || continue
        awk -v suite="$suite" '
            $1 == "deb" {
                i = 2
                if ($2 ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }   # skip [options]
                if ($(i + 1) == suite) { print $i; exit }
            }' "$f"
    done
}

MIRROR="${DEBIAN_MIRROR:-$(apt_uri_for_suite "$SUITE" | head -n 1)}"
MIRROR="${MIRROR%/}"
[[ "$MIRROR" =~ ^(https?|file):// ]] ||
    die "no usable Debian mirror for '$SUITE' in /etc/apt/sources.list{,.d/} (found: '${MIRROR}'); set DEBIAN_MIRROR."
SECURITY_MIRROR="$(apt_uri_for_suite "$SUITE-security" | head -n 1)"
SECURITY_MIRROR="${SECURITY_MIRROR%/}"
log "building $IMAGE (recipe $RECIPE) from $MIRROR ${SECURITY_MIRROR:+(security: $SECURITY_MIRROR)}"

WORK="$(mktemp -d /var/tmp/voxanne-ci-postgres-image.XXXXXX)"
ROOTFS="$WORK/rootfs"

# --- steps ----------------------------------------------------------------------------

in_chroot() {
    chroot "$ROOTFS" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 \
        DEBIAN_FRONTEND=noninteractive "$@"
}

bootstrap() {
    local include=()
    # apt in the chroot needs CA certificates to use an https mirror.
    [[ "$MIRROR" == https://* ]] && include=(--include=ca-certificates)
    debootstrap --variant=minbase "${include[@]}" "$SUITE" "$ROOTFS" "$MIRROR"
}

prepare_chroot() {
    # Package scripts must not try to start services in a chroot / container.
    printf '#!/bin/sh\nexit 101\n' >"$ROOTFS/usr/sbin/policy-rc.d"
    chmod 755 "$ROOTFS/usr/sbin/policy-rc.d"

    # Debian's postgresql-common creates and starts a cluster "15/main" on install; the
    # entrypoint creates the cluster in $PGDATA instead. Must be set before installing.
    mkdir -p "$ROOTFS/etc/postgresql-common"
    echo 'create_main_cluster = false' >"$ROOTFS/etc/postgresql-common/createcluster.conf"

    # Same uid/gid as the official image (999), so data directories are interchangeable.
    in_chroot groupadd --system --gid 999 postgres
    in_chroot useradd --system --uid 999 --gid postgres --home-dir /var/lib/postgresql \
        --shell /bin/bash postgres

    cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
    {
        echo "deb $MIRROR $SUITE main"
        echo "deb $MIRROR $SUITE-updates main"
        [[ -n "$SECURITY_MIRROR" ]] && echo "deb $SECURITY_MIRROR $SUITE-security main"
        true
    } >"$ROOTFS/etc/apt/sources.list"
    printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
        >"$ROOTFS/etc/apt/apt.conf.d/90no-recommends"
}

install_postgres() {
    in_chroot apt-get update
    in_chroot apt-get install -y "postgresql-$PG_MAJOR" "postgresql-$PG_MAJOR-pgaudit"
    [[ -x "$ROOTFS/usr/lib/postgresql/$PG_MAJOR/bin/postgres" ]]
    [[ -f "$ROOTFS/usr/lib/postgresql/$PG_MAJOR/lib/pgaudit.so" ]]
    # The entrypoint drops privileges with setpriv (util-linux, part of minbase).
    [[ -x "$ROOTFS/usr/bin/setpriv" ]]
}

generate_locale() {
    # Same default locale as the official image (LANG=en_US.utf8), so that text sorts the
    # same as there (under C.UTF-8, 'B' sorts before 'a'). `locales` comes with postgresql.
    sed -i 's/^# *\(en_US.UTF-8 UTF-8\)/\1/' "$ROOTFS/etc/locale.gen"
    in_chroot locale-gen
    in_chroot locale -a | grep -qx 'en_US.utf8'
}

slim_down() {
    in_chroot apt-get clean
    rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin \
        "$ROOTFS"/var/cache/debconf/*-old "$ROOTFS"/var/log/* "$ROOTFS"/tmp/* \
        "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/info/* \
        "$ROOTFS/usr/share/postgresql/$PG_MAJOR/man"
    # Message translations (55 MB; the server logs in English anyway) and the locale
    # sources (only needed to generate locales, done above).
    find "$ROOTFS/usr/share/locale" -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} +
    rm -rf "$ROOTFS/usr/share/i18n"

    # LLVM JIT: postgres only loads it (llvmjit.so + bitcode) when a query is costly enough
    # to JIT, and silently runs without JIT if the provider is missing. libLLVM and libz3
    # (only used by it) are ~140 MB. Their files are deleted but the packages stay
    # "installed", so apt in a derived image is not left with broken dependencies.
    rm -rf "$ROOTFS/usr/lib/postgresql/$PG_MAJOR/lib/bitcode" \
        "$ROOTFS/usr/lib/postgresql/$PG_MAJOR/lib/llvmjit.so" \
        "$ROOTFS/usr/lib/postgresql/$PG_MAJOR/lib/llvmjit_types.bc"
    local pkg f
    for pkg in $(in_chroot dpkg-query -W -f '${db:Status-Status} ${Package}\n' 'libllvm*' 'libz3-*' |
                 awk '$1 == "installed" { print $2 }'); do
        in_chroot dpkg -L "$pkg" | while read -r f; do
            [[ -f "$ROOTFS$f" && ! -d "$ROOTFS$f" ]] && rm -f "$ROOTFS$f"
            true
        done
    done

    # Docker provides the container's resolv.conf.
    : >"$ROOTFS/etc/resolv.conf"
}

install_entrypoint() {
    install -m 755 "$SCRIPT_DIR/docker-entrypoint.sh" "$ROOTFS/usr/local/bin/docker-entrypoint.sh"
    mkdir -p "$ROOTFS/docker-entrypoint-initdb.d"
    in_chroot install -d -o postgres -g postgres -m 700 /var/lib/postgresql/data
    in_chroot install -d -o postgres -g postgres -m 2777 /run/postgresql
}

import_image() {
    # --numeric-owner: keep the rootfs' uids (postgres = 999), not the host's by name.
    # /dev, /proc and /sys are provided by Docker at run time.
    # No VOLUME for PGDATA (unlike the official image): test containers are thrown away,
    # and an anonymous volume per container would only pile up.
    # docker import cannot set STOPSIGNAL (the official image uses SIGINT = fast shutdown),
    # so `docker stop` sends SIGTERM = smart shutdown, which waits for clients to disconnect
    # (Docker kills after its timeout). Testcontainers removes its containers with a kill.
    tar -C "$ROOTFS" --numeric-owner --exclude='./dev/*' --exclude='./proc/*' --exclude='./sys/*' -c . |
        docker import \
            -c "ENV PATH=/usr/lib/postgresql/$PG_MAJOR/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
            -c 'ENV PGDATA=/var/lib/postgresql/data' \
            -c 'ENV LANG=en_US.utf8' \
            -c "LABEL voxanne.ci.recipe=$RECIPE" \
            -c 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
            -c 'CMD ["postgres"]' \
            -c 'EXPOSE 5432' \
            - "$IMAGE"
}

step debootstrap          bootstrap
step "prepare chroot"     prepare_chroot
step "install postgresql" install_postgres
step "generate locale"    generate_locale
step "slim down"          slim_down
step "install entrypoint" install_entrypoint
step "docker import"      import_image

if [[ -n "$OLD_IMAGE_ID" && "$OLD_IMAGE_ID" != "$(docker image inspect -f '{{ .Id }}' "$IMAGE")" ]]; then
    # Fails harmlessly if a container still uses it.
    docker rmi "$OLD_IMAGE_ID" >/dev/null 2>&1 && log "removed the previous image ${OLD_IMAGE_ID:7:12}" || true
fi

size="$(docker image inspect -f '{{ .Size }}' "$IMAGE")"
log "built $IMAGE ($((size / 1000000)) MB) in $(fmt_ms $(($(now_ms) - BUILD_START)))"
