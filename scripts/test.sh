#!/usr/bin/env bash
# The whole test suite on a fresh machine: installs what the tests need and is missing
# (redis-server, for crates/dingtalk-notify-redis and the CLI's `--redis`; chromium, which
# renders `campaign report --format html` headless in the CLI's `report` test; the tests start
# their own servers on free loopback ports, no service is needed), then runs `cargo test
# --workspace` and the CLI's tests with its non-default `redis` feature (Rust 1.88; its
# `fleet` and `fleet_tls` tests, the latter against a TLS-only redis-server), with any extra
# arguments given.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null 2>&1; then
  echo "redis-server is missing: installing it with apt-get (Debian/Ubuntu)" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends redis-server >/dev/null
  # Debian's package may start a system service; the tests do not use it.
  ($sudo service redis-server stop || $sudo systemctl stop redis-server) >/dev/null 2>&1 || true
fi

if ! command -v chromium >/dev/null 2>&1; then
  echo "chromium is missing: installing it with apt-get (Debian/Ubuntu), for the HTML report test" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
fi

cargo test --workspace "$@"
cargo test -p dingtalk-notify-cli --features redis "$@"
