#!/usr/bin/env bash
# Installs every engine server the tests need, idempotently, with caches under ~/.cache/ratchet
# (outside the clone) so repeat runs are fast. Each engine has its own script beside this one.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
for script in "$here"/install-*.sh; do
  [ -e "$script" ] || continue
  echo "[engines] $(basename "$script")"
  bash "$script"
done
