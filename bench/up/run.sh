#!/usr/bin/env bash
# bench/up: demo-fleet `up` vs docker-compose 1.29 on this machine's Docker engine. A REPORT, not a
# test: it prints measured numbers, the targets and PASS/MISS, and exits 0 either way (non-zero only
# when the benchmark itself could not run). See bench/README.md, section "bench/up".
#
# Usage: bench/up/run.sh [--repeats N] [--gated-repeats N] [--noop-repeats N] [--cold-events N]
#                        [--noop-events N] [--profile] [--cpu-prof-dir DIR] [--out FILE]   (--help)
#
# Everything it creates carries a per-run name (fleet bu-<id>, image repo demo-fleet-bench/bu-<id>,
# compose project bench-bu-<id>, temp dir /tmp/demo-fleet-bench-up.*). run.mjs removes it when done;
# the EXIT trap (bench/lib/run-with-cleanup.sh) runs the same cleanup again, so even a crash or Ctrl-C
# leaves nothing behind.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BENCH_NAME=up
# shellcheck source=../lib/run-with-cleanup.sh
source "$HERE/../lib/run-with-cleanup.sh" "$@"
