#!/usr/bin/env bash
# Installs restate-server, the single binary that the npm package `@restatedev/restate-server` ships
# in its per-platform packages (`@restatedev/restate-server-<os>-<arch>`). We fetch that platform
# package with `npm pack` and keep only the binary, cached outside the clone, so tests spawn the
# binary itself (not the package's Node wrapper, which a SIGKILL would not pass on to the server).
# Idempotent: a second run only checks the version. Prints the binary's path last.
# Override the cache with RATCHET_CACHE_DIR (default ~/.cache/ratchet), the version with
# RATCHET_RESTATE_VERSION.
set -euo pipefail
version="${RATCHET_RESTATE_VERSION:-1.7.12}"
cache="${RATCHET_CACHE_DIR:-$HOME/.cache/ratchet}/restate/$version"
bin="$cache/restate-server"

if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -q "$version"; then
  echo "$bin"
  exit 0
fi

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) platform="linux-x64" ;;
  Linux-aarch64 | Linux-arm64) platform="linux-arm64" ;;
  Darwin-x86_64) platform="darwin-x64" ;;
  Darwin-arm64) platform="darwin-arm64" ;;
  *) echo "install-restate: no restate-server package for $(uname -s)-$(uname -m)" >&2; exit 1 ;;
esac
command -v npm >/dev/null 2>&1 || { echo "install-restate: npm is needed to fetch @restatedev/restate-server-$platform" >&2; exit 1; }

work="$(mktemp -d "${TMPDIR:-/tmp}/ratchet-restate-install.XXXXXX")"
trap 'rm -rf "$work"' EXIT
echo "[restate] fetching @restatedev/restate-server-$platform@$version from the npm registry" >&2
(cd "$work" && npm pack --silent "@restatedev/restate-server-$platform@$version" >/dev/null)
tar -xzf "$work"/*.tgz -C "$work"
found="$(find "$work/package" -type f -name restate-server | head -n 1)"
[ -n "$found" ] || { echo "install-restate: the package has no restate-server binary" >&2; exit 1; }
mkdir -p "$cache"
# Copied under a temporary name and moved into place, so an interrupted install is never mistaken for a good one.
cp "$found" "$bin.partial"
chmod +x "$bin.partial"
mv "$bin.partial" "$bin"
"$bin" --version >&2
echo "$bin"
