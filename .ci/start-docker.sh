#!/usr/bin/env bash
# Make sure a Docker engine answers on this machine, starting dockerd if needed.
#
# Idempotent: when `docker info` already answers, this does nothing. The CI machines have
# the docker.io package installed but no init system running it, so we start dockerd
# ourselves in the background.
#
# Environment:
#   DOCKERD_LOG          where dockerd writes its log (default /var/log/dockerd.log)
#   DOCKERD_WAIT_SECONDS how long to wait for the engine to answer (default 60)
set -euo pipefail

DOCKERD_LOG="${DOCKERD_LOG:-/var/log/dockerd.log}"
DOCKERD_WAIT_SECONDS="${DOCKERD_WAIT_SECONDS:-60}"

# `docker info` can block on a socket nobody serves; bound every probe.
docker_answers() {
    timeout 10 docker info >/dev/null 2>&1
}

fail() {
    echo "start-docker: ERROR: $*" >&2
    if [[ -f "$DOCKERD_LOG" ]]; then
        echo "start-docker: last lines of $DOCKERD_LOG:" >&2
        tail -n 30 "$DOCKERD_LOG" >&2 || true
    fi
    exit 1
}

if docker_answers; then
    echo "start-docker: Docker engine already running."
    exit 0
fi

command -v dockerd >/dev/null 2>&1 || fail "dockerd not found (install the docker.io package)."
[[ "$(id -u)" -eq 0 ]] || fail "dockerd must be started as root."

# A dockerd may already be starting (e.g. a parallel job ran this script a moment ago);
# starting a second one would fight over /var/run/docker.pid, so only wait for it.
if [[ -f /var/run/docker.pid ]] && kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    echo "start-docker: dockerd (pid $(cat /var/run/docker.pid)) is running but not answering yet; waiting."
else
    mkdir -p "$(dirname "$DOCKERD_LOG")"
    echo "start-docker: starting dockerd (log: $DOCKERD_LOG)."
    nohup dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null &
    dockerd_pid=$!
fi

deadline=$((SECONDS + DOCKERD_WAIT_SECONDS))
while ((SECONDS < deadline)); do
    if docker_answers; then
        echo "start-docker: Docker engine answers."
        exit 0
    fi
    if [[ -n "${dockerd_pid:-}" ]] && ! kill -0 "$dockerd_pid" 2>/dev/null; then
        fail "dockerd (pid $dockerd_pid) exited during startup."
    fi
    sleep 1
done

fail "Docker engine did not answer 'docker info' within ${DOCKERD_WAIT_SECONDS}s."
