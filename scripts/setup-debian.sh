#!/usr/bin/env bash
# Prepares a fresh Debian 12 machine for the console and its tests, idempotently:
# system packages, a running Docker engine, npm packages, the build, and the stack image.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

# docker.io: the engine (no registry needed: the image is built from Debian packages with debootstrap)
# chromium: end-to-end tests; postgresql-client: psql for operators and benchmarks
PACKAGES=(docker.io debootstrap chromium postgresql-client ca-certificates)
missing=()
for p in "${PACKAGES[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Docker engine: start it when it is not running. No bridge network and no iptables rules:
# every container of the stack uses host networking on 127.0.0.1.
if ! $SUDO docker info >/dev/null 2>&1; then
  if command -v systemctl >/dev/null && systemctl is-system-running >/dev/null 2>&1; then
    $SUDO systemctl start docker
  else
    echo "setup: starting dockerd (log: /var/log/fda-dockerd.log)"
    $SUDO sh -c 'nohup dockerd --bridge=none --iptables=false --ip6tables=false >/var/log/fda-dockerd.log 2>&1 &'
  fi
  for _ in $(seq 1 60); do $SUDO docker info >/dev/null 2>&1 && break; sleep 1; done
  $SUDO docker info >/dev/null 2>&1 || { echo "setup: dockerd did not start; see /var/log/fda-dockerd.log" >&2; exit 1; }
fi

# Outgoing connections take their local port from the kernel's ephemeral range (32768-60999 by
# default), which overlaps the ports the stack and the test stacks listen on (54320-64321); a port
# taken that way for a moment makes `stack up` refuse it as in use. Keep ephemeral ports below 50000.
range_file=/proc/sys/net/ipv4/ip_local_port_range
if [ -r "$range_file" ] && [ "$(awk '{print $2}' "$range_file")" -ge 50000 ]; then
  if $SUDO sh -c "echo '32768 49999' > $range_file" 2>/dev/null; then echo "setup: ephemeral ports narrowed to 32768-49999"
  else echo "setup: could not narrow the ephemeral port range; a test stack may now and then find its port taken" >&2; fi
fi

# npm 11 runs no install scripts unless allowed, so this never downloads Electron or browsers.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then npm ci --no-audit --no-fund; fi
npm run build

# The stack image (PostgreSQL 15 + PgBouncer), built offline from Debian packages when missing.
node bin/fda-offline.mjs image build
