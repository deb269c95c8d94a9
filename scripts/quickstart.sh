#!/usr/bin/env bash
# Install labhub's dependencies, build it, and start it on its embedded defaults:
# SQLite (./jupyterhub.sqlite), the built-in proxy, the local-process spawner, and a safe login
# (as root: PAM with Linux accounts; otherwise: labhub's own accounts). The first admin is
# created with a one-time password that is printed below. Users connect on port 8000.
# Run again, it only starts labhub: nothing is reinstalled while node_modules matches
# package-lock.json, and nothing is rebuilt while dist/ is up to date.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ]; then
  bash scripts/install-system-deps.sh --runtime
else
  bash scripts/install-system-deps.sh --runtime --check || true
fi
node scripts/setup-node-modules.mjs
node scripts/build.mjs
exec node bin/labhub.js --admin "${LABHUB_ADMIN:-admin}" "$@"
