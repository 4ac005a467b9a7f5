#!/usr/bin/env bash
# The README's "In ten lines", checked as a new user would use it: a new project outside
# the repository depends on dingtalk-notify exactly as the README's install line says (a
# path to a clone of this repository, next to the project), its main.rs is the README's
# Rust block as it is, with only the base URL and the credentials replaced by the ones
# `dingtalk-notify mock-server` prints; it must build, and run against that simulator.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# The README's two blocks of the section.
section=$(awk '/^## In ten lines/ { on = 1; next } /^## / { on = 0 } on' "$root/README.md")
toml=$(awk '/^```toml/ { on = 1; next } /^```/ { on = 0 } on' <<<"$section")
rust=$(awk '/^```rust/ { on = 1; next } /^```/ { on = 0 } on' <<<"$section")
[ -n "$toml" ] && [ -n "$rust" ] || { echo "readme-check: no toml or rust block under 'In ten lines'" >&2; exit 1; }

# The simulator, on a free port; it prints the export lines first.
cargo build -q -p dingtalk-notify-cli --manifest-path "$root/Cargo.toml" "$@"
target_dir=$(cargo metadata -q --format-version 1 --no-deps --manifest-path "$root/Cargo.toml" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
"$target_dir/debug/dingtalk-notify" mock-server >"$work/server.out" 2>&1 &
server=$!
for _ in $(seq 100); do
  grep -q '^export DINGTALK_APP_SECRET=' "$work/server.out" && break
  sleep 0.1
done
eval "$(grep '^export DINGTALK_' "$work/server.out")"

# A clone "next to the project", as the install line assumes.
ln -s "$root" "$work/dingtalk-notify"
mkdir -p "$work/myservice/src"
printf '[package]\nname = "myservice"\nversion = "0.1.0"\nedition = "2024"\n\n%s\n' "$toml" >"$work/myservice/Cargo.toml"
# The same dependency versions as the repository (the copy drops what the project does not
# use), built in its target directory: what the workspace built is reused.
cp "$root/Cargo.lock" "$work/myservice/"

# Only the three strings change, each exactly once.
main=$rust
for pair in "https://oapi.dingtalk.io|$DINGTALK_BASE_URL" "dingxxxx|$DINGTALK_APP_KEY" "app-secret|$DINGTALK_APP_SECRET"; do
  from=${pair%%|*} to=${pair#*|}
  count=$(grep -o "\"$from\"" <<<"$main" | wc -l)
  [ "$count" -eq 1 ] || { echo "readme-check: \"$from\" appears $count times in the block, not once" >&2; exit 1; }
  main=${main/\"$from\"/\"$to\"}
done
printf '%s\n' "$main" >"$work/myservice/src/main.rs"

out=$(cd "$work/myservice" && CARGO_TARGET_DIR="$target_dir" cargo run -q)
echo "$out"
grep -q 'read by \["manager4220"\]' <<<"$out" || { echo "readme-check: unexpected output" >&2; exit 1; }
echo "ok: the README's ten lines built in a new project and ran against mock-server"
