#!/usr/bin/env bash
# The whole test suite on a fresh machine, on loopback only.
#
# 1. Installs what the tests need and the machine lacks, after saying so: redis-server (the
#    Redis tests and the CLI's `--redis` start their own servers on free loopback ports; no
#    service is used), chromium and a font (the CLI's `report` test renders
#    `campaign report --format html` headless and checks its DOM and a screenshot), zsh and fish (the CLI's completion tests drive them, and bash, which
#    runs this script). Only what is missing, with apt-get (Debian/Ubuntu), through sudo
#    unless run as root. DINGTALK_TEST_NO_INSTALL=1 only lists what is missing and stops.
# 2. `cargo test --workspace` (with any extra arguments given, e.g. --locked).
# 3. The CLI's tests that need its non-default `redis` feature (Rust 1.88), and only those:
#    its unit tests (the feature's code paths), `fleet` and `fleet_tls` (a TLS-only
#    redis-server), and the Redis cases of `report` and `error_kinds`. Every other CLI test
#    already ran in step 2.
#
# One crypto library is not possible with isahc: the workspace test builds the isahc
# transport, and isahc's only rustls route is curl-sys -> rustls-ffi, whose default features
# (aws-lc-rs, prefer-post-quantum) no isahc, curl or curl-sys feature turns off, so
# aws-lc-sys is built beside ring (which ureq, the simulator and Redis TLS use). The other
# isahc TLS choice, native-tls, is OpenSSL: a second crypto library too. The default build
# of dingtalk-notify (ureq) has ring only: `cargo tree -p dingtalk-notify -e normal -i
# aws-lc-sys` answers that no package matches.
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
command -v chromium >/dev/null 2>&1 || missing+=(chromium fonts-dejavu-core)
for shell in zsh fish; do
  command -v "$shell" >/dev/null 2>&1 || missing+=("$shell")
done

if [ "${#missing[@]}" -gt 0 ]; then
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  install="${sudo:+$sudo }apt-get install -y --no-install-recommends ${missing[*]}"
  echo "scripts/test.sh: the tests need ${missing[*]}, missing here." >&2
  if [ "${DINGTALK_TEST_NO_INSTALL:-0}" = 1 ]; then
    echo "scripts/test.sh: not installing (DINGTALK_TEST_NO_INSTALL=1); install them with: $install" >&2
    exit 1
  fi
  echo "scripts/test.sh: installing them now: ${sudo:+$sudo }apt-get update; $install" >&2
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  if [[ " ${missing[*]} " == *" redis-server "* ]]; then
    # Debian's package may start a system service; the tests do not use it.
    ($sudo service redis-server stop || $sudo systemctl stop redis-server) >/dev/null 2>&1 || true
  fi
fi

cargo test --workspace "$@"
cargo test -p dingtalk-notify-cli --features redis --bins --test fleet --test fleet_tls --test report --test error_kinds "$@"
