#!/usr/bin/env bash
# Container test: build the image, run it, write through the published port
# with mongosh, restart the container on the same volume, read the data back,
# stop it and check the exit was clean. Uses docker when a Docker engine
# answers, otherwise podman (installed if missing) with a local Debian base
# image made by debootstrap, since no registry is reachable here.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
mongosh="$root/tests/e2e/node_modules/.bin/mongosh"

if docker info >/dev/null 2>&1; then
  engine=docker
  base_args=()
else
  engine=podman
  missing=()
  for pkg in podman runc debootstrap; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  if ((${#missing[@]})); then
    SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  # crun fails on this kind of machine's cgroup layout, and the kernel refuses
  # raising rlimits past the host's: runc and modest limits, without touching /etc.
  export CONTAINERS_CONF="$root/build/containers.conf"
  mkdir -p "$root/build"
  cat >"$CONTAINERS_CONF" <<'CONF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]
[engine]
runtime = "runc"
CONF
  if ! podman image exists localhost/debian:bookworm; then
    mirror=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null \
      | grep -oE '^(URIs:|deb) *https?://[^ ]+/debian/?( |$)' | grep -oE 'https?://[^ ]+' | head -n1 || true)
    rootfs=$(mktemp -d)
    echo "container test: debootstrap bookworm from ${mirror:?no Debian mirror in apt sources}"
    debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >/dev/null
    tar -C "$rootfs" -c . | podman import - localhost/debian:bookworm >/dev/null
    rm -rf "$rootfs"
  fi
  base_args=(--pull=never --build-arg BASE=localhost/debian:bookworm)
fi

tag=localhost/basalt:test
name=basalt-test-$$
volume=basalt-test-data-$$
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() {
  $engine rm -f "$name" >/dev/null 2>&1 || true
  $engine volume rm -f "$volume" >/dev/null 2>&1 || true
}
trap cleanup EXIT

echo "container test: building the image with $engine"
$engine build "${base_args[@]}" -t "$tag" -f docker/Dockerfile . >"$root/build/container-build.log" 2>&1 \
  || { tail -50 "$root/build/container-build.log"; exit 1; }
$engine volume create "$volume" >/dev/null
$engine run -d --name "$name" -p "127.0.0.1:$port:27017" -v "$volume:/data/db" "$tag" >/dev/null

uri="mongodb://127.0.0.1:$port/test"
wait_ready() {
  for _ in $(seq 1 100); do
    "$mongosh" "$uri" --quiet --norc --eval 'db.runCommand({ping: 1}).ok' 2>/dev/null | grep -q 1 && return 0
    sleep 0.2
  done
  echo "container did not answer"; $engine logs "$name" | tail -30; return 1
}
check() {  # check <what> <expected> <actual>
  if [[ "$2" != "$3" ]]; then echo "FAIL: $1: expected '$2', got '$3'"; $engine logs "$name" | tail -30; exit 1; fi
  echo "ok: $1"
}

wait_ready
check "runs as a non-root user" "basalt" "$($engine exec "$name" id -un)"
check "write through the published port" "1" \
  "$("$mongosh" "$uri" --quiet --norc --eval 'db.kept.insertOne({_id: "survives", n: 42}); db.kept.find().toArray().length')"
$engine restart -t 20 "$name" >/dev/null
wait_ready
check "data survives a restart on the same volume" '{"_id":"survives","n":42}' \
  "$("$mongosh" "$uri" --quiet --norc --eval 'JSON.stringify(db.kept.findOne({_id: "survives"}))')"
start=$(date +%s)
$engine stop -t 20 "$name" >/dev/null
check "stopped within seconds" "yes" "$( (( $(date +%s) - start < 15 )) && echo yes || echo no)"
check "clean exit code" "0" "$($engine inspect -f '{{.State.ExitCode}}' "$name")"
# The logs are read whole first: `logs | grep -q` fails under pipefail when grep
# exits at the match and the engine's next write gets SIGPIPE.
logs=$($engine logs "$name" 2>&1)
grep -q "Storage engine closed cleanly" <<<"$logs" && echo "ok: storage closed cleanly" \
  || { echo "FAIL: no clean storage close in the logs"; tail -20 <<<"$logs"; exit 1; }
echo "container test: 6 passed, 0 failed"
