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
# the EXIT trap below runs the same cleanup again, so even a crash or Ctrl-C leaves nothing behind.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

BENCH_RUN_ID=${BENCH_RUN_ID:-$(date +%s | tail -c 6)$(od -An -N2 -tx1 /dev/urandom | tr -d ' \n')}
BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/demo-fleet-bench-up.XXXXXX")
export BENCH_RUN_ID BENCH_TMP

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  node "$HERE/run.mjs" --cleanup-only >&2 || echo "bench/up: cleanup reported a problem (see above)" >&2
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cd "$ROOT"
node "$HERE/run.mjs" "$@"
