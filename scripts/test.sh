#!/usr/bin/env bash
# The whole test suite on a fresh machine, on loopback only.
#
# 1. Installs what the tests need and the machine lacks, after saying so: redis-server (the
#    Redis tests and the CLI's `--redis` start their own servers on free loopback ports; no
#    service is used), bash, zsh and fish (the CLI's completion tests drive each shell). Only
#    what is missing, with apt-get (Debian/Ubuntu), through sudo unless run as root. Set
#    DINGTALK_TEST_NO_INSTALL=1 to only list what is missing and stop.
# 2. `cargo test --workspace` (with any extra arguments given, e.g. --locked).
# 3. The CLI's tests that need its non-default `redis` feature (Rust 1.88), and only those:
#    its unit tests (the feature's code paths), `fleet` and `fleet_tls` (a TLS-only
#    redis-server). Every other CLI test already ran in step 2.
#
# One crypto library is not possible with isahc: the workspace test builds the isahc
# transport, and isahc's only rustls route is curl-sys -> rustls-ffi, whose default features
# (aws-lc-rs, prefer-post-quantum) no isahc, curl or curl-sys feature turns off, so
# aws-lc-sys is built beside ring (which ureq, the simulator and Redis TLS use). The other
# isahc TLS choice, native-tls, is OpenSSL: a second crypto library too. The default build
# of dingtalk-notify (ureq) has ring only: `cargo tree -p dingtalk-notify -i aws-lc-sys`
# finds nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
for shell in bash zsh fish; do
  command -v "$shell" >/dev/null 2>&1 || missing+=("$shell")
done

if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  echo "scripts/test.sh: the tests need ${missing[*]}, missing here." >&2
  echo "scripts/test.sh: installing: ${sudo:+$sudo }apt-get install -y --no-install-recommends ${missing[*]}" >&2
  if [ "${DINGTALK_TEST_NO_INSTALL:-0}" = 1 ]; then
    echo "scripts/test.sh: DINGTALK_TEST_NO_INSTALL=1: not installing; install them and run again" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [[ " ${missing[*]} " == *" redis-server "* ]]; then
    # Debian's package may start a system service; the tests do not use it.
    ($sudo service redis-server stop || $sudo systemctl stop redis-server) >/dev/null 2>&1 || true
  fi
fi

cargo test --workspace "$@"
cargo test -p dingtalk-notify-cli --features redis --bins --test fleet --test fleet_tls "$@"
