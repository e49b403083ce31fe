#!/usr/bin/env bash
# Make sure a Docker engine answers: install Debian's docker.io when dockerd is missing (root only),
# start dockerd in the background when it is not running, wait for `docker info`.
set -euo pipefail
if docker info >/dev/null 2>&1; then exit 0; fi
if ! command -v dockerd >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then echo "error: no Docker engine; install Docker (or run as root to apt-get install docker.io)" >&2; exit 1; fi
  echo "==> apt-get install docker.io" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >/dev/null
fi
if [ "$(id -u)" != 0 ]; then echo "error: dockerd is not running; start it (sudo systemctl start docker)" >&2; exit 1; fi
echo "==> starting dockerd (log: /tmp/dockerd.log)" >&2
(dockerd >/tmp/dockerd.log 2>&1 &)
for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && exit 0; sleep 1; done
echo "error: dockerd did not come up; last lines of /tmp/dockerd.log:" >&2
tail -20 /tmp/dockerd.log >&2
exit 1
