#!/usr/bin/env bash
# The main job on this machine's engine with the example fleet (fleet.yaml): install, build, then
# `demo-fleet up` (render compose/, build the app image once, tag it per event, one container per
# event, wait until healthy) and `demo-fleet status`.
set -euo pipefail
cd "$(dirname "$0")/.."
df() { node dist/bin/demo-fleet.mjs "$@"; }

[ -d node_modules ] || npm ci --no-audit --no-fund
npm run build --silent
scripts/ensure-engine.sh

# Production builds on the linuxserver base. A machine that cannot pull it (no registry access, as on
# the CI machines) uses the local test stand-in instead, and says so.
base=$(sed -n 's/^baseImage: *//p' fleet.yaml)
args=()
if ! docker image inspect "$base" >/dev/null 2>&1 && ! docker pull -q "$base" >/dev/null 2>&1; then
  echo "!! cannot pull $base here: using the local TEST stand-in base (docker-mods are not applied)" >&2
  args=(--base-image "$(test/fixtures/base-image/build.sh | tail -1)")
fi

df up "${args[@]}" "$@"
df status
