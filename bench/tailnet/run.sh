#!/usr/bin/env bash
# bench/tailnet: demo-fleet on the real tailnet binaries (tailscale 1.102.5, headscale): a cold `up` of 5
# events to served, a no-op `up`, the memory of one served event container (idle, under a visitor's
# load) next to a bare tailscaled container, events per 2 GB VPS; and `tailscale status --json` with and
# without the peer list on a tailnet of 50 nodes. A REPORT, not a test: it prints the numbers, the
# targets and PASS/MISS, and exits 0 either way (non-zero only when the benchmark itself could not run).
# See bench/README.md, section "bench/tailnet".
#
# Usage: bench/tailnet/run.sh [--headscale V] [--skip-events] [--skip-peers] [--nodes N] [--runs N]
#                             [--out FILE] ...   (--help for all)
#
# Everything it creates carries a per-run id: fleet bt-<id> (containers bt-<id>-eNN), image repo
# demo-fleet-bench/bt-<id>, tailnets demo-fleet-rt-…-ev<id> and …-pe<id> (network, headscale, nodes),
# temp dir /tmp/demo-fleet-bench-tailnet.*. run.mjs removes it when done; the EXIT trap
# (bench/lib/run-with-cleanup.sh) runs the same cleanup again, so even a crash or Ctrl-C leaves nothing
# behind.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_NAME=tailnet
# shellcheck source=../lib/run-with-cleanup.sh
source "$HERE/../lib/run-with-cleanup.sh" "$@"
