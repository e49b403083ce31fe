#!/usr/bin/env bash
# The fleet try-local.sh deploys: a fleet of its own in <dir> (default .try-local/ of this clone), made
# once with the real CLI (`init`, then `add` per event, as the example fleet.yaml has them), with a
# generated identity, fleet name and image repository, so two clones (or two dirs) on one engine are two
# fleets that never touch each other's containers or image tags. A later run keeps the fleet (same id:
# `up` converges it) and only points `baseImage` at <base image>. Prints the fleet file's path.
#   usage: scripts/try-local-fleet.sh <dir> <base image>
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 <dir> <base image>" >&2; exit 2; }
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$1"
dir=$(cd "$1" && pwd)
base=$2
file="$dir/fleet.yaml"
df() { node "$root/dist/bin/demo-fleet.mjs" --file "$file" "$@" >/dev/null; }

if [ ! -f "$file" ]; then
  # 8 hex characters: a DNS label part that keeps container names (<name>-<event>) apart per clone.
  name="try-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
  df init --name "$name" --image "demo-fleet-try/$name"
  df add cleveland --invite-link https://login.tailscale.com/admin/invite/example-cleveland --funnel \
    --tz America/New_York --auth-key-env TS_AUTHKEY_CLEVELAND
  df add berlin --invite-link https://login.tailscale.com/admin/invite/example-berlin --tz Europe/Berlin \
    --auth-key-env TS_AUTHKEY_BERLIN
  df add tokyo --tz Asia/Tokyo # no auth key: its node waits for a login, as the example's tokyo does
fi
# The base is this machine's choice (pullable or the local model), so it is set on every run.
tmp="$file.base.tmp"
sed "s|^baseImage: .*|baseImage: $base|" "$file" >"$tmp" && mv "$tmp" "$file"
echo "$file"
