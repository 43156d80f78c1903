#!/usr/bin/env bash
# Installs what lupine needs on a Debian machine (as root) and builds it. Idempotent and quiet when
# everything is in place: run it as often as you like.
set -euo pipefail
cd "$(dirname "$0")"

say() { printf 'setup: %s\n' "$*"; }

# System tools the tests and the demo use: bubblewrap (build sandbox), runc (run images),
# skopeo and umoci (independent checks of our OCI output), docker-registry (CNCF distribution).
# chromium (+ fonts) renders report.html in a test; apache2-utils gives htpasswd for registry auth tests;
# redis-server backs the distributed distro build (BullMQ) and its tests.
need_apt=()
for pkg in bubblewrap runc skopeo umoci docker-registry apache2-utils gcc libc6-dev git openssl \
  chromium fonts-liberation busybox-static redis-server; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need_apt+=("$pkg")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    say "missing system packages: ${need_apt[*]} (run as root, or: sudo apt-get install ${need_apt[*]})" >&2
    exit 1
  fi
  say "installing ${need_apt[*]} from apt"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  # policy-rc.d keeps Debian's postinst from starting services (tests start their own registry).
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d.lupine
  chmod +x /usr/sbin/policy-rc.d.lupine
  had_policy=0; [ -e /usr/sbin/policy-rc.d ] && had_policy=1
  [ $had_policy = 1 ] || cp /usr/sbin/policy-rc.d.lupine /usr/sbin/policy-rc.d
  apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
  [ $had_policy = 1 ] || rm -f /usr/sbin/policy-rc.d
  rm -f /usr/sbin/policy-rc.d.lupine
fi

# npm packages, exactly as locked.
if [ ! -f node_modules/.package-lock.json ] || ! cmp -s package-lock.json node_modules/.lupine-lock; then
  say "installing npm packages"
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
  cp package-lock.json node_modules/.lupine-lock
fi

# The build (incremental: quiet and quick when nothing changed).
npx --no-install tsc -b
# One packed script for bin/lupine (fast start-up); quiet when it is up to date.
node scripts/bundle.mjs
