#!/usr/bin/env bash
# Prepares Podman for the container-runtime tests (test/runtime/docker*.test.ts,
# test/e2e/container.test.ts). Idempotent: every step checks before it acts.
#
#  1. installs podman, runc and busybox-static from Debian when missing;
#  2. writes /etc/containers/containers.conf for this kind of machine: runc (crun refuses
#     its cgroups), the cgroupfs manager (no systemd), and nofile/nproc ulimits it allows;
#  3. starts `podman system service` on /run/podman/podman.sock when nothing answers there;
#  4. builds the local test image (busybox only; no registry is reachable) with `podman import`.
#
# Runs as root on Debian. The socket and image names are the ones test/helpers/podman.ts uses.
set -euo pipefail

SOCKET=/run/podman/podman.sock
IMAGE=localhost/drover-test:latest
CONF=/etc/containers/containers.conf

say() { printf '[podman-setup] %s\n' "$*"; }

missing=()
command -v podman >/dev/null || missing+=(podman)
command -v runc >/dev/null || missing+=(runc)
[ -x /bin/busybox ] || missing+=(busybox-static)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Containers may not ask for more open files or processes than Podman itself has: without
# CAP_SYS_RESOURCE runc cannot raise a limit, and fails with "error setting rlimits". Podman
# lowers its own nproc to 32768 at start-up, so that is the ceiling for nproc.
cap() { if [ "$1" = unlimited ] || [ "$1" -gt "$2" ]; then echo "$2"; else echo "$1"; fi; }
nofile=$(cap "$(ulimit -Hn)" 1048576)
nproc=$(cap "$(ulimit -Hu)" 32768)
mkdir -p "$(dirname "$CONF")"
wanted=$(cat <<CONF
# Written by .ci/podman-setup.sh
[containers]
default_ulimits = ["nofile=${nofile}:${nofile}", "nproc=${nproc}:${nproc}"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
)
PIDFILE="$(dirname "$SOCKET")/drover-service.pid"
if [ ! -f "$CONF" ] || [ "$(cat "$CONF")" != "$wanted" ]; then
  say "writing $CONF"
  printf '%s\n' "$wanted" > "$CONF"
  # A service this script started earlier still runs with the old settings.
  if [ -f "$PIDFILE" ] && kill "$(cat "$PIDFILE")" 2>/dev/null; then
    say "restarting the podman service for the new settings"
    for _ in $(seq 1 50); do kill -0 "$(cat "$PIDFILE")" 2>/dev/null || break; sleep 0.1; done
  fi
fi

# A service started from a directory that was deleted since (a CI checkout removed after its
# run) still answers, but every container it starts then fails to attach: conmon inherits the
# missing working directory ("Failed to get working directory"). Stop such a service; the next
# step starts a fresh one, from /.
for pid in $(pgrep -f 'podman system service' || true); do
  if readlink "/proc/$pid/cwd" 2>/dev/null | grep -q ' (deleted)$'; then
    say "stopping podman service $pid: its working directory was deleted"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  fi
done

# Node is always here (curl may not be): GET /_ping on the socket, exit 0 on a 200.
answers() {
  node -e 'require("http").get({ socketPath: process.argv[1], path: "/_ping", timeout: 2000 },
    (r) => process.exit(r.statusCode === 200 ? 0 : 1)).on("error", () => process.exit(1))' "$SOCKET"
}
if ! answers; then
  say "starting podman system service on $SOCKET"
  mkdir -p "$(dirname "$SOCKET")"
  rm -f "$SOCKET"
  # From /, which outlives any checkout (see above); exec keeps the pid the one recorded.
  (cd / && exec nohup podman system service --time=0 "unix://$SOCKET" >/var/log/podman-service.log 2>&1) &
  echo $! > "$PIDFILE"
  for _ in $(seq 1 100); do answers && break; sleep 0.2; done
  answers || { say "podman did not answer on $SOCKET; see /var/log/podman-service.log"; exit 1; }
fi

if ! podman image exists "$IMAGE"; then
  say "building $IMAGE from busybox-static"
  root=$(mktemp -d)
  trap 'rm -rf "$root"' EXIT
  mkdir -p "$root/bin" "$root/tmp" "$root/etc" "$root/root"
  cp /bin/busybox "$root/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
  done
  chmod 1777 "$root/tmp"
  echo 'root:x:0:0:root:/root:/bin/sh' > "$root/etc/passwd"
  echo 'root:x:0:' > "$root/etc/group"
  tar -C "$root" -cf - . | podman import --quiet \
    --change 'ENV PATH=/bin' --change 'CMD ["/bin/sh"]' - "$IMAGE" >/dev/null
fi

say "ready: $IMAGE, API on unix://$SOCKET"
