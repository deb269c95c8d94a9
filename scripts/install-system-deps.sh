#!/usr/bin/env bash
# Debian packages labhub's tests (and the classic PAM deployment) need. Idempotent.
#   --runtime  only what running labhub needs (no browser, no database server for tests)
#   --check    install nothing: print the missing packages and the command to run (exit 1 when
#              something is missing, 0 when all are there or this is not a Debian system)
set -euo pipefail
runtime=0
check=0
for arg in "$@"; do
  case "$arg" in
    --runtime) runtime=1 ;;
    --check) check=1 ;;
    *)
      echo "install-system-deps.sh: unknown option $arg (expected --runtime and/or --check)" >&2
      exit 2
      ;;
  esac
done
pkgs=(build-essential python3 python3-venv libpam0g-dev pamtester util-linux openssl procps passwd haproxy)
[ "$runtime" = 1 ] || pkgs+=(slapd ldap-utils)
[ "$runtime" = 1 ] || pkgs+=(chromium postgresql iproute2 systemd docker.io debootstrap)
if ! command -v dpkg-query >/dev/null 2>&1; then
  echo "not a Debian/Ubuntu system: make sure the equivalents of these are installed: ${pkgs[*]}"
  exit 0
fi
# One dpkg-query for all: "<package> <status>"; status "ii" = installed.
installed=" $(dpkg-query -W -f='${Package}:${db:Status-Abbrev} ' "${pkgs[@]}" 2>/dev/null || true)"
need=()
for pkg in "${pkgs[@]}"; do
  [[ "$installed" == *" $pkg:ii "* ]] || need+=("$pkg")
done
if [ ${#need[@]} -eq 0 ]; then
  echo "system packages ok"
  exit 0
fi
if [ "$check" = 1 ]; then
  flag=""
  [ "$runtime" = 1 ] && flag=" --runtime"
  echo "missing Debian packages: ${need[*]}"
  echo "install them as root:  sudo bash scripts/install-system-deps.sh$flag"
  echo "             (that is: sudo apt-get install -y --no-install-recommends ${need[*]})"
  exit 1
fi
echo "installing Debian packages: ${need[*]}"
apt-get update -q
# slapd's package would otherwise configure and start a system directory on port 389; the tests
# run their own slapd with a throw-away configuration.
if command -v debconf-set-selections >/dev/null 2>&1; then
  echo 'slapd slapd/no_configuration boolean true' | debconf-set-selections
fi
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}"
echo "system packages ok"
