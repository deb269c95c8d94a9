#!/usr/bin/env bash
# Debian packages labhub's tests (and the classic PAM deployment) need. Idempotent.
set -euo pipefail
need=()
for pkg in chromium postgresql libpam0g-dev pamtester build-essential python3 python3-venv util-linux iproute2 openssl procps passwd; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
fi
echo "system packages ok"
