#!/usr/bin/env bash
# bench/ssh: demo-fleet over DOCKER_HOST=ssh:// on a slow link, next to the docker CLI on the same link.
# A REPORT, not a test: prints the numbers, the targets and PASS/MISS and exits 0 either way (non-zero
# only when the benchmark itself could not run). See bench/README.md, section "bench/ssh".
#
# The "VPS" is this machine's engine behind an sshd in a network namespace of the run's own (a veth
# pair, 10.213.<n>.0/30), reached through delay-proxy.mjs (25 ms each way per chunk: a 50 ms round
# trip). Needs root, iproute2, openssh-server/-client, a Docker engine and demo-fleet-test/base:tailnet.
#
# Usage: bench/ssh/run.sh [--repeats N] [--events 5,20] [--delay MS] [--compare DIR] [--out FILE]  (--help)
#
# Everything carries the run id: netns dfssh-<id>, veth dfs<id>h/dfs<id>n, fleet bs-<id>, image repo
# demo-fleet-bench/bs-<id>, temp dir /tmp/demo-fleet-bench-ssh.*. The EXIT trap stops sshd, the proxy
# and the agent, deletes the netns (and with it the veth pair) and removes the fleet's containers/images.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
for a in "$@"; do [[ $a == -h || $a == --help ]] && exec node "$HERE/run.mjs" --help; done

ID=${BENCH_RUN_ID:-$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')}
NS=dfssh-$ID
TMP=$(mktemp -d "${TMPDIR:-/tmp}/demo-fleet-bench-ssh.XXXXXX")
PIDS=()
DELAY=25
prev=
for a in "$@"; do [[ $prev == --delay ]] && DELAY=$a; prev=$a; done

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  BENCH_RUN_ID=$ID BENCH_TMP=$TMP node "$HERE/run.mjs" --cleanup-only >&2 || echo "bench/ssh: docker cleanup reported a problem" >&2
  # sshd first, by its pid file (ip netns exec's pid is its parent); then the proxy, the agent
  if [[ -f $TMP/sshd.pid ]]; then kill "$(cat "$TMP/sshd.pid" 2>/dev/null)" 2>/dev/null || true; fi
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  ip netns del "$NS" 2>/dev/null || true
  rm -rf "$TMP"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# a /30 nobody on this machine uses
for _ in $(seq 20); do
  N=$((RANDOM % 256)); S=$(((RANDOM % 64) * 4))
  ip -br addr | grep -q "10\.213\.$N\.$((S + 1))/" || break
done
HOST_IP=10.213.$N.$((S + 1)); NS_IP=10.213.$N.$((S + 2))
ip netns add "$NS"
ip link add "dfs${ID}h" type veth peer name "dfs${ID}n"
ip link set "dfs${ID}n" netns "$NS"
ip addr add "$HOST_IP/30" dev "dfs${ID}h"; ip link set "dfs${ID}h" up
ip -n "$NS" addr add "$NS_IP/30" dev "dfs${ID}n"; ip -n "$NS" link set "dfs${ID}n" up; ip -n "$NS" link set lo up

# sshd in the namespace: keys of the run's own, root by key only, LogLevel VERBOSE (logins counted)
ssh-keygen -q -t ed25519 -N '' -f "$TMP/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$TMP/client_key"
cp "$TMP/client_key.pub" "$TMP/authorized_keys"; chmod 600 "$TMP/authorized_keys"
cat >"$TMP/sshd_config" <<CFG
Port 22
ListenAddress $NS_IP
HostKey $TMP/host_key
PidFile $TMP/sshd.pid
AuthorizedKeysFile $TMP/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
LogLevel VERBOSE
CFG
mkdir -p /run/sshd
ip netns exec "$NS" /usr/sbin/sshd -D -e -f "$TMP/sshd_config" 2>"$TMP/sshd.log" &
PIDS+=($!)

node "$HERE/delay-proxy.mjs" --to "$NS_IP:22" --delay "$DELAY" --log "$TMP/proxy.log" >"$TMP/proxy.port" &
PIDS+=($!)
for _ in $(seq 100); do [[ -s $TMP/proxy.port ]] && grep -q 'Server listening' "$TMP/sshd.log" && break; sleep 0.1; done
PORT=$(head -1 "$TMP/proxy.port")
[[ -n $PORT ]] || { echo "bench/ssh: the delay proxy did not start" >&2; exit 1; }

# the agent demo-fleet takes keys from; HOME/.ssh/known_hosts with the host key under the proxy's address
ssh-agent -D -a "$TMP/agent.sock" >/dev/null &
PIDS+=($!)
for _ in $(seq 50); do [[ -S $TMP/agent.sock ]] && break; sleep 0.1; done
SSH_AUTH_SOCK=$TMP/agent.sock ssh-add -q "$TMP/client_key"
mkdir -p "$TMP/home/.ssh" "$TMP/bin"
echo "[127.0.0.1]:$PORT $(cut -d' ' -f1,2 "$TMP/host_key.pub")" >"$TMP/home/.ssh/known_hosts"
# the docker CLI runs `ssh` from PATH: this one reads the run's config (same known_hosts, same key)
cat >"$TMP/ssh_config" <<CFG
Host *
  UserKnownHostsFile $TMP/home/.ssh/known_hosts
  IdentityFile $TMP/client_key
  IdentitiesOnly yes
  StrictHostKeyChecking yes
  BatchMode yes
CFG
printf '#!/bin/sh\nexec /usr/bin/ssh -F %s "$@"\n' "$TMP/ssh_config" >"$TMP/bin/ssh"; chmod +x "$TMP/bin/ssh"

export BENCH_RUN_ID=$ID BENCH_TMP=$TMP BENCH_SSH_PORT=$PORT BENCH_DELAY_MS=$DELAY SSH_AUTH_SOCK=$TMP/agent.sock
cd "$ROOT"
node "$HERE/run.mjs" "$@"
