#!/usr/bin/env bash
# bench/app: our identity app (the shipped bundle) vs the original Flask + gunicorn listener vs a bare
# node:http server rendering the same page, under the same wrk load. A REPORT, not a test: it prints
# numbers, targets and PASS/MISS and exits 0 either way (non-zero only when the benchmark itself could
# not run). See bench/README.md, section "bench/app".
#
# Usage: bench/app/run.sh [--rounds 5] [--duration 6] [--warmup 2] [--connections 50] [--threads 1]
#                         [--workers N] [--cpu-prof DIR] [--json FILE] [--bundle FILE]
#
# run.mjs starts every server (and each wrk) in its own process group and writes the group ids to
# $BENCH_APP_PGIDS; the EXIT trap below kills those groups, so even a crash, Ctrl-C or a SIGKILLed
# run.mjs leaves no server, gunicorn worker or wrk behind.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

BENCH_APP_PGIDS=$(mktemp "${TMPDIR:-/tmp}/demo-fleet-bench-app.XXXXXX")
export BENCH_APP_PGIDS

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  local pgid
  while read -r pgid; do
    [ -n "$pgid" ] || continue
    # Only a group that still runs one of our servers (never a recycled id of someone else's).
    if ps -eo pgid=,args= | awk -v g="$pgid" '$1 == g' | grep -qE 'server\.cjs|bench/app/bare-node\.mjs|gunicorn|wrk-report\.lua'; then
      kill -KILL -- "-$pgid" 2>/dev/null || true
    fi
  done <"$BENCH_APP_PGIDS"
  rm -f "$BENCH_APP_PGIDS"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cd "$ROOT"
node "$HERE/run.mjs" "$@"
