#!/usr/bin/env bash
# scripts/deps.sh [--test]: install the Debian packages Supportdesk needs.
#
# Quiet when everything is there. As root it runs `apt-get update` and
# `apt-get install` for what is missing; otherwise it prints the exact
# command to run and exits 1. `--test` (or DEPS_TEST=1) adds the packages
# only `make test` needs (the browser layer: chromium, node, npm) and checks
# that node is new enough for tests/browser/ (its package.json's
# engines.node; Debian 12's nodejs 18.20 is).
#
# Installing Debian's nginx and postgresql packages would normally start a
# system nginx on :80 and create (and start) a `main` cluster on :5432. Our
# stacks never use those (they run their own servers on unix sockets and
# other ports), and so that an install never starts a system service, we put
# a policy-rc.d that refuses service starts in place for the duration of the
# install when the machine has none.
set -euo pipefail
LOG_TAG=deps
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

want_test=${DEPS_TEST:-0}
for a in "$@"; do
  case $a in
    --test) want_test=1 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) die "unknown argument: $a" ;;
  esac
done

BASE_PKGS=(
  build-essential pkg-config
  libfcgi-dev libpq-dev libhiredis-dev libsodium-dev libjansson-dev libcurl4-openssl-dev libcmark-dev
  libgmime-3.0-dev
  check libsubunit-dev
  clang libclang-rt-14-dev
  postgresql-15 postgresql-contrib postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl
  redis-server nginx-light
  wrk valgrind python3-aiosmtpd curl xxd
  dovecot-imapd
)
# The browser layer. node and npm may come from elsewhere than Debian (the
# machine image ships NodeSource's nodejs, which bundles npm and conflicts
# with Debian's npm package), so they are checked as commands, and node's
# version is checked whichever package it came from.
TEST_PKGS=(chromium)

installed() {
  [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

missing=()
for p in "${BASE_PKGS[@]}"; do installed "$p" || missing+=("$p"); done
if [ "$want_test" = 1 ]; then
  for p in "${TEST_PKGS[@]}"; do installed "$p" || missing+=("$p"); done
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  if ! command -v npm >/dev/null 2>&1; then
    # Debian's npm needs Debian's nodejs; a foreign node without npm is a
    # setup we cannot fix from apt without replacing it.
    if command -v node >/dev/null 2>&1 && ! installed nodejs; then
      warn "node is installed outside apt but npm is missing; install npm alongside that node"
    elif command -v node >/dev/null 2>&1 && dpkg-query -W -f='${Version}' nodejs 2>/dev/null | grep -q nodesource; then
      warn "NodeSource's nodejs is installed without npm; reinstall it (its npm is bundled)"
    else
      missing+=(npm)
    fi
  fi
fi

# check_node: with --test, stop with node_problem's sentence (what is
# installed, what is needed, how to fix it) when node is too old.
check_node() {
  [ "$want_test" = 1 ] || return 0
  local problem
  problem=$(node_problem)
  [ -z "$problem" ] || die "$problem"
}

if [ "${#missing[@]}" -eq 0 ]; then check_node; exit 0; fi

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if ! is_root; then
  say "Missing Debian packages: ${missing[*]}" >&2
  say "Install them with:" >&2
  say "  sudo apt-get update && sudo $cmd" >&2
  exit 1
fi
command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install by hand: ${missing[*]}"

info "installing: ${missing[*]}"
policy=/usr/sbin/policy-rc.d
placed_policy=0
cleanup() { if [ "$placed_policy" = 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# placed by supportdesk scripts/deps.sh during apt-get install\nexit 101\n' >"$policy"
  chmod 0755 "$policy"
  placed_policy=1
fi

export DEBIAN_FRONTEND=noninteractive
apt_opts=(-o Dpkg::Use-Pty=0 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
ok=0
for attempt in 1 2 3; do
  if apt-get "${apt_opts[@]}" -q update >/tmp/supportdesk-apt-update.log 2>&1 &&
     apt-get "${apt_opts[@]}" -q install -y --no-install-recommends "${missing[@]}" </dev/null; then
    ok=1; break
  fi
  warn "apt-get failed (attempt $attempt); retrying"
  sleep $((attempt * 5))
done
[ "$ok" = 1 ] || { cat /tmp/supportdesk-apt-update.log >&2 || true; die "could not install: ${missing[*]}"; }

still=()
for p in "${missing[@]}"; do
  case $p in
    nodejs) command -v node >/dev/null 2>&1 || still+=("$p") ;;
    npm)    command -v npm  >/dev/null 2>&1 || still+=("$p") ;;
    *)      installed "$p" || still+=("$p") ;;
  esac
done
[ "${#still[@]}" -eq 0 ] || die "still missing after install: ${still[*]}"
info "installed ${#missing[@]} package(s)"
check_node
