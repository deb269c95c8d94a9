#!/usr/bin/env bash
# Debian packages labhub's tests (and the classic PAM deployment) need. Idempotent.
set -euo pipefail
# --runtime: only what running labhub needs (no browser, no database server for tests).
pkgs=(build-essential python3 python3-venv libpam0g-dev pamtester util-linux openssl procps passwd)
[ "${1:-}" = "--runtime" ] || pkgs+=(chromium postgresql iproute2)
need=()
for pkg in "${pkgs[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
fi
echo "system packages ok"
