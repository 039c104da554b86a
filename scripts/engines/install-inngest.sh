#!/usr/bin/env bash
# Installs the self-hosted Inngest server and the Redis it keeps its queue in, idempotently.
#
# - inngest: built from the Go module github.com/inngest/inngest (package ./cmd) through the Go
#   module proxy, because the npm `inngest-cli` package downloads a prebuilt binary at install time.
#   The module's go.mod has a replace directive, so `go install pkg@version` refuses it: we copy the
#   module out of the read-only module cache, stub the folder `internal/embeddocs` embeds (it is not
#   in the module zip) and `go build`. About 3 minutes on 2 cores, once; the binary is cached under
#   ~/.cache/ratchet/inngest/<version>/inngest (outside the clone) and reused after that.
# - redis-server: from Debian (`apt-get install redis-server`) when it is not on PATH.
#
# Prints the binary's path last. RATCHET_INNGEST_VERSION overrides the version.
set -euo pipefail

version="${RATCHET_INNGEST_VERSION:-v1.43.0}"
cache="${RATCHET_CACHE_DIR:-$HOME/.cache/ratchet}/inngest/$version"
binary="$cache/inngest"

install_redis() {
  command -v redis-server >/dev/null 2>&1 && return
  echo "[inngest] installing redis-server from Debian"
  export DEBIAN_FRONTEND=noninteractive
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  # The package lists may be missing or stale on a fresh machine: update once, then retry.
  $sudo apt-get install -y -q redis-server >/dev/null 2>&1 || {
    $sudo apt-get update -q >/dev/null
    $sudo apt-get install -y -q redis-server >/dev/null
  }
  # Debian starts a system-wide redis on 6379; tests run their own on a free port, so leave it be.
  command -v redis-server >/dev/null 2>&1 || { echo "[inngest] redis-server is still missing" >&2; exit 1; }
}

build_inngest() {
  # The cache path is keyed by version and the binary is moved in only once built, so its presence
  # is enough (running `inngest version` costs seconds: the binary initialises a lot on start).
  [ -x "$binary" ] && return
  command -v go >/dev/null 2>&1 || { echo "[inngest] Go is needed to build the Inngest server (https://go.dev/dl)" >&2; exit 1; }
  echo "[inngest] building inngest $version from the Go module proxy (about 3 minutes, once)"
  local work
  work="$(mktemp -d "${TMPDIR:-/tmp}/ratchet-inngest-build.XXXXXX")"
  trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' RETURN
  local info dir commit
  info="$(cd "$work" && go mod download -json "github.com/inngest/inngest@$version")"
  dir="$(sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p' <<<"$info")"
  commit="$(sed -n 's/^[[:space:]]*"Hash": "\([0-9a-f]\{7\}\).*/\1/p' <<<"$info")"
  [ -n "$dir" ] && [ -d "$dir" ] || { echo "[inngest] go mod download gave no module directory" >&2; exit 1; }
  # The module cache is read-only; build from a writable copy.
  cp -r "$dir" "$work/src"
  chmod -R u+w "$work/src"
  # internal/embeddocs embeds website/pages/docs, which the module zip leaves out.
  mkdir -p "$work/src/internal/embeddocs/website/pages/docs"
  echo "# Docs are not bundled in this build." >"$work/src/internal/embeddocs/website/pages/docs/index.mdx"
  mkdir -p "$cache"
  (cd "$work/src" && CGO_ENABLED=0 go build -trimpath \
    -ldflags "-s -w -X github.com/inngest/inngest/pkg/inngest/version.Version=${version#v} -X github.com/inngest/inngest/pkg/inngest/version.Hash=$commit" \
    -o "$cache/inngest.partial" ./cmd)
  mv "$cache/inngest.partial" "$binary"
}

install_redis
build_inngest
echo "[inngest] inngest $version at $binary; $(redis-server --version | cut -d' ' -f1-3)"
echo "$binary"
