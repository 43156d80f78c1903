#!/usr/bin/env bash
# Installs what lupine needs on a Debian machine (as root) and builds it. Idempotent and quiet when
# everything is in place: run it as often as you like.
set -euo pipefail
cd "$(dirname "$0")"

say() { printf 'setup: %s\n' "$*"; }

# System tools the tests and the demo use: bubblewrap (build sandbox), runc (run images),
# skopeo and umoci (independent checks of our OCI output), docker-registry (CNCF distribution).
# chromium (+ fonts) renders report.html in a test; apache2-utils gives htpasswd for registry auth tests;
# redis-server backs the distributed distro build (BullMQ) and its tests; mmdebstrap builds the demo's
# Debian bookworm baseline image. bison, m4 and python3.11 are stage-0 build tools of distro/ (glibc's
# build imports them: distro/bison.yaml, distro/python3-bootstrap.yaml).
need_apt=()
for pkg in bubblewrap runc skopeo umoci docker-registry apache2-utils gcc libc6-dev git openssl \
  chromium fonts-liberation busybox-static redis-server mmdebstrap time bison m4 python3.11-minimal \
  libpython3.11-stdlib; do
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

# Debian source packages (deb-src) for `lupine distro fetch`, which fills the source store with the
# upstream tarballs Debian keeps (`*.orig.tar.*`). Derived from this machine's own Debian entry (its
# archive URIs and keyring: no host is written in this repository), for the suites distro/ pins from:
# unstable (sid: current upstream releases) and the machine's own release.
codename="$(. /etc/os-release && printf '%s' "${VERSION_CODENAME:-}")"
deb_src="$(cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk -v rel="$codename" '
  BEGIN { RS = ""; FS = "\n" }
  {
    types = uris = suites = signed = ""
    for (i = 1; i <= NF; i++) {
      if ($i ~ /^Types:/) types = substr($i, 7)
      else if ($i ~ /^URIs:/) uris = substr($i, 6)
      else if ($i ~ /^Suites:/) suites = substr($i, 8)
      else if ($i ~ /^Signed-By:/) signed = substr($i, 11)
    }
    if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " rel " ") && !done) {
      printf "Types: deb-src\nURIs:%s\nSuites: sid %s\nComponents: main\n", uris, rel
      if (signed != "") printf "Signed-By:%s\n", signed
      done = 1
    }
  }')"
if [ -z "$deb_src" ] && [ -f /etc/apt/sources.list ]; then
  deb_src="$(awk -v rel="$codename" '$1 == "deb" && $0 ~ (" " rel " ") && !done {
      uri = ($2 ~ /^\[/) ? $3 : $2
      printf "Types: deb-src\nURIs: %s\nSuites: sid %s\nComponents: main\n", uri, rel; done = 1 }' /etc/apt/sources.list)"
fi
src_list=/etc/apt/sources.list.d/lupine-deb-src.sources
if [ -z "$deb_src" ]; then
  say "no Debian archive entry for $codename in apt's sources: lupine distro fetch will not work" >&2
elif [ "$(cat "$src_list" 2>/dev/null)" != "$deb_src" ] || ! ls /var/lib/apt/lists/*_sid_main_source_Sources* >/dev/null 2>&1; then
  if [ "$(id -u)" != 0 ]; then
    say "deb-src entries missing (run setup.sh as root to add $src_list)" >&2
  else
    say "enabling deb-src (sid, $codename) in $src_list for lupine distro fetch"
    printf '%s\n' "$deb_src" >"$src_list"
    apt-get update -qq >/dev/null
  fi
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

# The source store the from-source recipes of distro/ build from (out/cache/sources, shared by the
# demo and the tests): Debian's orig tarballs through apt. Quick and quiet when every source is there.
if ! fetched="$(./bin/lupine distro fetch distro --cache-dir out/cache 2>&1)"; then
  printf '%s\n' "$fetched" >&2
  say "could not fill the source store (out/cache/sources): see above" >&2
  exit 1
fi
