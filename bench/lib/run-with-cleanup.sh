# Sourced by a bench's run.sh after `set -euo pipefail`, with HERE (its folder) and BENCH_NAME set, and
# the script's arguments: gives run.mjs a per-run id (BENCH_RUN_ID) and temp dir (BENCH_TMP), runs it from
# the repository root, and on EXIT runs `run.mjs --cleanup-only` again, so even a crash or Ctrl-C leaves
# nothing of the run behind.
ROOT=$(cd "$HERE/../.." && pwd)

BENCH_RUN_ID=${BENCH_RUN_ID:-$(date +%s | tail -c 6)$(od -An -N2 -tx1 /dev/urandom | tr -d ' \n')}
BENCH_TMP=$(mktemp -d "${TMPDIR:-/tmp}/demo-fleet-bench-$BENCH_NAME.XXXXXX")
export BENCH_RUN_ID BENCH_TMP

bench_cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  node "$HERE/run.mjs" --cleanup-only >&2 || echo "bench/$BENCH_NAME: cleanup reported a problem (see above)" >&2
  exit "$rc"
}
trap bench_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

cd "$ROOT"
node "$HERE/run.mjs" "$@"
