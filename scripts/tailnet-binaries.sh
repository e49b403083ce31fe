#!/usr/bin/env bash
# Build the real tailnet binaries the tests run (tailscaled, tailscale, headscale) with the machine's Go,
# from the Go module proxy, pinned by version and cached outside the repository: a second run is free.
#
#   bash scripts/tailnet-binaries.sh          build what is missing, print the cache directory
#   bash scripts/tailnet-binaries.sh --print  print the cache directory only (no build)
#
# Layout: $DEMO_FLEET_TAILNET_BIN/<module-name>-<version>/<binary>, e.g. tailscale-v1.102.5/tailscaled.
# The versions here are the one list: the tests ask this script (--print) where the binaries are.
set -euo pipefail

TAILSCALE_VERSION=v1.102.5
HEADSCALE_VERSIONS="v0.26.1 v0.28.0 v0.29.3"

cache=${DEMO_FLEET_TAILNET_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/demo-fleet/tailnet-bin}
if [ "${1:-}" = --print ]; then echo "$cache"; exit 0; fi

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then export PATH=$PATH:/usr/local/go/bin; fi
command -v go >/dev/null 2>&1 || { echo "error: no Go toolchain on PATH; install Go >= 1.26 to build the tailnet binaries" >&2; exit 1; }

# build <dir-name> <module> <path-in-module> <version> <binary>: one `go install` into its own version
# directory. Static (CGO off), stripped, -trimpath: the binary is copied into test images.
build() {
  local dir="$cache/$1-$4" module=$2 sub=$3 version=$4 bin=$5
  if [ -x "$dir/$bin" ]; then return 0; fi
  rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
  echo "==> go install $module/$sub@$version" >&2
  local started=$SECONDS log
  log=$(mktemp)
  if ! CGO_ENABLED=0 GOBIN="$dir.tmp" go install -trimpath -ldflags='-s -w' "$module/$sub@$version" 2>"$log"; then
    # `go install pkg@version` also reads the module's version list (for its deprecation notice), which
    # the proxy here refuses for some modules (403 on @v/list, e.g. github.com/juanfont/headscale) although
    # the version itself is served. Then: download exactly that version, and install again with the local
    # module cache first in GOPROXY, which answers the list with the versions it holds. Still a plain
    # `go install`, so the binary carries its version (headscale 0.29 reports only that).
    if ! grep -q 'loading deprecation' "$log"; then cat "$log" >&2; rm -f "$log"; exit 1; fi
    echo "    (the proxy refuses the module's version list: installing through the local module cache)" >&2
    go mod download "$module@$version"
    CGO_ENABLED=0 GOBIN="$dir.tmp" GOPROXY="file://$(go env GOMODCACHE)/cache/download,$(go env GOPROXY)" \
      go install -trimpath -ldflags='-s -w' "$module/$sub@$version"
  fi
  rm -f "$log"
  mkdir -p "$dir"
  mv "$dir.tmp/$bin" "$dir/$bin"
  rmdir "$dir.tmp" 2>/dev/null || true
  echo "    $bin $version built in $((SECONDS - started))s" >&2
}

export GOFLAGS=-buildvcs=false
build tailscale tailscale.com cmd/tailscaled "$TAILSCALE_VERSION" tailscaled
build tailscale tailscale.com cmd/tailscale "$TAILSCALE_VERSION" tailscale
for v in $HEADSCALE_VERSIONS; do
  build headscale github.com/juanfont/headscale cmd/headscale "$v" headscale
done
echo "$cache"
