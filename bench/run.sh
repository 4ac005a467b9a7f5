#!/usr/bin/env bash
# End-to-end and micro benchmarks of dingtalk-notify, measured side by side in one run.
#
#   bench/run.sh            # prints the ratio table (markdown) when done
#   bench/run.sh --json     # prints one JSON object instead (progress goes to stderr)
#   bench/run.sh --quick    # fewer rounds and calls: checks the script, numbers are rough
#
# What it does (about 4 minutes on 2 cores, once the release build is cached):
#  1. starts one nginx on loopback (Debian's package; installed with apt-get if missing and
#     running as root) answering /gettoken and getsendprogress with fixed DingTalk bodies;
#  2. installs the Python peer (dingtalk-sdk + cryptography from PyPI) into bench/.venv;
#  3. builds the runner (bench/runner) in release;
#  4. runs the criterion benches (codec, media) and the allocation counts (allocs), and a
#     20 MB media upload over loopback beside a raw ureq POST of the same body;
#  5. interleaves the contenders round by round (A B C ... A B C ...), each in its own process,
#     N sequential getsendprogress calls each, wall and CPU (user + sys) time measured;
#     (with them, when redis-server is there or can be installed, dingtalk-notify-redis's
#     token lookup and budget acquire against a redis-server started on loopback);
#  6. shared-client throughput at 1, 4, 16 and 64 threads;
#  7. token fetches when 64 threads are released together at a token's expiry;
#     (each sequential round also measures a campaign's planning + SQLite ledger cost per
#     chunk, reported as a ratio to one loopback send);
#  8. footprint: the minimal sender (crates/dingtalk-notify/examples/minimal.rs) and a
#     throwaway project on dingtalk-rs 0.1.16 (in a temp dir, from crates.io), each built clean
#     with the min-size profile: crates in the normal tree, build time, stripped size, peak RSS
#     (ours: token + send + progress against the simulator; dingtalk-rs: idle, its host is
#     fixed to DingTalk's);
#  9. writes bench/out/summary.json and bench/out/summary.md (medians and ratios).
#
#   bench/run.sh --footprint   # step 8 alone (then the summary)
#   bench/run.sh --no-footprint
#   bench/run.sh --resolve     # step 7b alone: its numbers go into summary.json's "resolve"
#   bench/run.sh --follow-calls  # step 7c alone: its numbers go into summary.json's "follow_calls"
#   bench/run.sh --people-freeze  # step 7d alone: its numbers go into summary.json's "people_freeze"
#   bench/run.sh --users-file  # step 7e alone: its numbers go into summary.json's "users_file"
#
# 7b. resolving an organisation of BENCH_RESOLVE_PEOPLE (100,000) people in 5,000 departments
#     on the simulator (the runner's `resolve` mode: the resolution in a child process):
#     contact calls per department (target <= 2.1), CPU per resolved person over one loopback
#     call (<= 0.05), the resolving process's peak RSS (<= 64 MB).
# 7c. following a campaign of BENCH_FOLLOW_PEOPLE (5,000) people on the simulator at its
#     default delivery pace (the runner's `follow-calls` mode): the calls the following spent
#     (track until delivered, then one report) per 100 confirmed people (target <= 2.5), and
#     whether the ledger's count of calls equals the simulator's.
# 7d. a campaign of BENCH_FREEZE_PEOPLE (1,000,000) people planned and frozen in a SQLite
#     ledger (the whole organisation resolved on the simulator, then written before any
#     send; the runner's `people-freeze` mode, in a child process): the child's peak RSS
#     (<= 256 MB) and the ledger file's bytes per person (<= 160).
# 7e. `dingtalk-notify send --users-file` (the release CLI, in a child process) with a users
#     file of BENCH_USERS_FILE_IDS (5,000,000) ids, 60 MB: read, checked, deduplicated and
#     planned, stopped before any send by a --ledger it cannot open; then stored in a SQLite
#     ledger and sent to the simulator until the minute's budget is used up. Each peak RSS
#     as a ratio to the file's size (<= 2.0).
#
# Knobs (environment): BENCH_PORT (default 18480; +1 and +2, Redis, are used too), BENCH_ROUNDS (7),
# BENCH_CALLS (10000 per Rust run), BENCH_PY_CALLS (1500 per Python run),
# BENCH_THREAD_ROUNDS (3), BENCH_THREAD_CALLS (6000 per run, split over the threads).
# Nothing here runs in CI: .ci/run never calls it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
OUT=$ROOT/bench/out
JSON=0
QUICK=0
FOOTPRINT=yes
for arg in "$@"; do
  case "$arg" in
    --json) JSON=1 ;;
    --quick) QUICK=1 ;;
    --footprint) FOOTPRINT=only ;;
    --no-footprint) FOOTPRINT=no ;;
    --resolve) FOOTPRINT=resolve ;;
    --follow-calls) FOOTPRINT=follow-calls ;;
    --people-freeze) FOOTPRINT=people_freeze ;;
    --users-file) FOOTPRINT=users_file ;;
    -h|--help) sed -n '2,58p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done

log() { printf '[bench] %s\n' "$*" >&2; }

# 7b: resolve an organisation once on the simulator; the row goes to $OUT/resolve.jsonl and
# bench/resolve_summary.py merges its ratios (with their targets) into summary.json.
resolve_case() {
  local people=${BENCH_RESOLVE_PEOPLE:-100000}
  log "resolve: an organisation of $people people on the simulator (child process)"
  "$RUNNER" resolve --people "$people" > "$OUT/resolve.jsonl"
}

# 7c: follow a campaign on the simulator; the row goes to $OUT/follow_calls.jsonl and
# bench/follow_calls_summary.py merges it (with its target) into summary.json.
follow_calls_case() {
  local people=${BENCH_FOLLOW_PEOPLE:-5000}
  log "follow-calls: a campaign of $people people on the simulator, followed to the end"
  "$RUNNER" follow-calls --people "$people" > "$OUT/follow_calls.jsonl"
}

# 7d: a campaign of people frozen in SQLite once; the row goes to $OUT/people_freeze.jsonl
# and bench/freeze_summary.py merges it (with its targets) into summary.json.
people_freeze_case() {
  local people=${BENCH_FREEZE_PEOPLE:-1000000}
  log "people-freeze: a campaign of $people people frozen in SQLite (child process)"
  "$RUNNER" people-freeze --people "$people" --dir "$OUT/people-freeze" > "$OUT/people_freeze.jsonl"
  rm -rf "$OUT/people-freeze"
}

# 7e: the release CLI reads and plans a big users file once; the row goes to
# $OUT/users_file.jsonl and bench/users_file_summary.py merges it (with its target) into
# summary.json.
users_file_case() {
  local ids=${BENCH_USERS_FILE_IDS:-5000000}
  log "users-file: send --users-file of $ids ids planned, then sent to the simulator (release CLI)"
  cargo build --release -q -p dingtalk-notify-cli >&2
  local dir
  dir=$(mktemp -d)
  python3 -c 'import sys; n = int(sys.argv[1]); sys.stdout.writelines(f"u{i:010d}\n" for i in range(n))' \
    "$ids" > "$dir/users.txt"
  python3 bench/users_file.py "$TARGET_DIR/release/dingtalk-notify" "$dir/users.txt" \
    > "$OUT/users_file.jsonl"
  rm -rf "$dir"
}

PORT=${BENCH_PORT:-18480}
PORT_EXPIRY=$((PORT + 1))
LIFETIME=2
ROUNDS=${BENCH_ROUNDS:-7}
CALLS=${BENCH_CALLS:-10000}
PY_CALLS=${BENCH_PY_CALLS:-1500}
THREAD_ROUNDS=${BENCH_THREAD_ROUNDS:-3}
THREAD_CALLS=${BENCH_THREAD_CALLS:-6000}
EXPIRY_ROUNDS=3
if [ "$QUICK" = 1 ]; then
  ROUNDS=2; CALLS=1000; PY_CALLS=200; THREAD_ROUNDS=1; THREAD_CALLS=1000; EXPIRY_ROUNDS=1
fi

mkdir -p "$OUT"
# One step alone (--follow-calls, --resolve, --users-file, --people-freeze): builds the runner
# when the step uses it, runs the step, merges its rows into summary.json and prints them.
only_step() {
  local step=$1 summary=$2 key=$3 uses_runner=$4
  if [ "$uses_runner" = runner ]; then
    log "building the runner (release)"
    cargo build --release -q -p dingtalk-notify-bench >&2
  fi
  TARGET_DIR=$(cargo metadata --format-version 1 --no-deps \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
  RUNNER=$TARGET_DIR/release/dingtalk-notify-bench
  "$step"
  python3 "bench/$summary" "$OUT"
  python3 -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))[sys.argv[2]], indent=2))' \
    "$OUT/summary.json" "$key"
  exit 0
}
case "$FOOTPRINT" in
  follow-calls) only_step follow_calls_case follow_calls_summary.py follow_calls runner ;;
  resolve) only_step resolve_case resolve_summary.py resolve runner ;;
  users_file) only_step users_file_case users_file_summary.py users_file cli ;;
  people_freeze) only_step people_freeze_case freeze_summary.py people_freeze runner ;;
esac
TIME_BIN=""
[ -x /usr/bin/time ] && TIME_BIN=/usr/bin/time
PY_STATUS=unavailable
PY_REASON="not run (--footprint)"
PY_VERSION=""
SDK_VERSION=""
TARGET_DIR=$ROOT/target
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
RAW=$OUT/raw.jsonl
touch "$RAW"
export BENCH_CLK_TCK
BENCH_CLK_TCK=$(getconf CLK_TCK 2>/dev/null || echo 100)

# --- 1. the server ----------------------------------------------------------------------
if ! command -v nginx >/dev/null 2>&1 && [ -x /usr/sbin/nginx ]; then
  PATH=$PATH:/usr/sbin
fi
if ! command -v nginx >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    log "installing nginx (Debian package nginx-light)"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >&2
    PATH=$PATH:/usr/sbin
  else
    echo "nginx is not installed; run 'sudo apt-get install nginx-light' first" >&2
    exit 1
  fi
fi
NGX=$OUT/nginx
mkdir -p "$NGX/tmp"
USER_LINE=""
[ "$(id -u)" = 0 ] && USER_LINE="user root;"
sed -e "s|@OUT@|$NGX|g" -e "s|@PORT@|$PORT|g" -e "s|@PORT_EXPIRY@|$PORT_EXPIRY|g" \
    -e "s|@LIFETIME@|$LIFETIME|g" -e "s|@USER@|$USER_LINE|" \
    bench/nginx.conf.in > "$NGX/nginx.conf"
if [ -f "$NGX/nginx.pid" ] && kill -0 "$(cat "$NGX/nginx.pid")" 2>/dev/null; then
  log "stopping the bench nginx left from an earlier run (pid $(cat "$NGX/nginx.pid"))"
  kill "$(cat "$NGX/nginx.pid")"
  sleep 0.5
fi
nginx -p "$NGX" -c "$NGX/nginx.conf" -e "$NGX/error.log" 2>>"$NGX/error.log"
NGINX_PID=""
for _ in $(seq 50); do
  [ -s "$NGX/nginx.pid" ] && NGINX_PID=$(cat "$NGX/nginx.pid") && break
  sleep 0.1
done
[ -n "$NGINX_PID" ] || { echo "nginx did not start; see $NGX/error.log" >&2; exit 1; }
stop_nginx() { kill "$NGINX_PID" 2>/dev/null || true; }
trap stop_nginx EXIT
BASE=http://127.0.0.1:$PORT
BASE_EXPIRY=http://127.0.0.1:$PORT_EXPIRY
log "nginx $(nginx -v 2>&1 | sed 's/.*nginx\///') on $BASE and $BASE_EXPIRY (pid $NGINX_PID)"

if [ "$FOOTPRINT" != only ]; then
: > "$RAW"
PY_STATUS=ok
PY_REASON=""
# --- 1b. Redis, for dingtalk-notify-redis --------------------------------------------------
PORT_REDIS=$((PORT + 2))
REDIS_STATUS=ok
if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    log "installing redis-server (Debian package)"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >&2
    (service redis-server stop || systemctl stop redis-server) >/dev/null 2>&1 || true
  else
    REDIS_STATUS=unavailable
    log "redis-server is not installed ('sudo apt-get install redis-server'); skipping the Redis rows"
  fi
fi
REDIS_PID=""
if [ "$REDIS_STATUS" = ok ]; then
  mkdir -p "$OUT/redis"
  redis-server --port "$PORT_REDIS" --bind 127.0.0.1 --save "" --appendonly no \
    --dir "$OUT/redis" --logfile "$OUT/redis/redis.log" --daemonize no >/dev/null 2>&1 &
  REDIS_PID=$!
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT_REDIS") 2>/dev/null && break
    sleep 0.1
  done
  log "redis-server $(redis-server --version | sed 's/.* v=\([^ ]*\).*/\1/') on 127.0.0.1:$PORT_REDIS (pid $REDIS_PID)"
fi
REDIS_URL=redis://127.0.0.1:$PORT_REDIS
stop_servers() { stop_nginx; [ -n "$REDIS_PID" ] && kill "$REDIS_PID" 2>/dev/null || true; }
trap stop_servers EXIT

# --- 2. the Python peer -------------------------------------------------------------------
PY_STATUS=ok
PY_REASON=""
VENV=$ROOT/bench/.venv
if [ ! -x "$VENV/bin/python" ]; then
  python3 -m venv "$VENV" >&2 || { PY_STATUS=unavailable; PY_REASON="python3 -m venv failed"; }
fi
if [ "$PY_STATUS" = ok ] && ! "$VENV/bin/python" -c "import dingtalk, cryptography" 2>/dev/null; then
  log "installing dingtalk-sdk and cryptography from PyPI into bench/.venv"
  if ! "$VENV/bin/pip" install -q dingtalk-sdk cryptography > "$OUT/pip.log" 2>&1; then
    PY_STATUS=unavailable
    PY_REASON="pip install dingtalk-sdk cryptography failed: $(tail -1 "$OUT/pip.log")"
  fi
fi
if [ "$PY_STATUS" = ok ]; then
  PY_VERSION=$("$VENV/bin/python" -c 'import sys; print(sys.version.split()[0])')
  SDK_VERSION=$("$VENV/bin/pip" show dingtalk-sdk 2>/dev/null | sed -n 's/^Version: //p')
  log "python peer: dingtalk-sdk $SDK_VERSION on Python $PY_VERSION"
else
  PY_VERSION=""; SDK_VERSION=""
  log "python peer unavailable: $PY_REASON"
fi

# --- 3. the runner --------------------------------------------------------------------------
log "building the runner (release)"
cargo build --release -q -p dingtalk-notify-bench >&2
TARGET_DIR=$(cargo metadata --format-version 1 --no-deps \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
RUNNER=$TARGET_DIR/release/dingtalk-notify-bench

# --- 4. micro benches -------------------------------------------------------------------------
log "criterion: cargo bench -p dingtalk-notify-proto --bench codec"
if [ "$QUICK" = 1 ]; then
  cargo bench -q -p dingtalk-notify-proto --bench codec -- --warm-up-time 0.2 --measurement-time 0.5 \
    > "$OUT/codec.txt" 2>&1
else
  cargo bench -q -p dingtalk-notify-proto --bench codec > "$OUT/codec.txt" 2>&1
fi
log "allocations: cargo bench -p dingtalk-notify-proto --bench allocs"
cargo bench -q -p dingtalk-notify-proto --bench allocs > "$OUT/allocs.txt" 2>&1
# Media upload (issue 22): building a 20 MB upload beside one memcpy of the 20 MB, and an
# upload over loopback beside a raw ureq POST of the same body (the runner's own sink).
log "criterion: cargo bench -p dingtalk-notify-proto --bench media"
if [ "$QUICK" = 1 ]; then
  cargo bench -q -p dingtalk-notify-proto --bench media -- --warm-up-time 0.2 --measurement-time 0.5 \
    > "$OUT/media.txt" 2>&1
else
  cargo bench -q -p dingtalk-notify-proto --bench media > "$OUT/media.txt" 2>&1
fi
log "media upload over loopback: the client beside a raw ureq POST of the same 20 MB body"
"$RUNNER" upload --rounds "$([ "$QUICK" = 1 ] && echo 3 || echo 31)" > "$OUT/upload.json"
# Campaign planning at 10,000 and 100,000 ids (issue 12: linear in the number of ids), beside
# the same ids deduplicated and split by hand (campaign_plan matches both groups).
log "criterion: cargo bench -p dingtalk-notify-proto --bench campaign -- campaign_plan"
if [ "$QUICK" = 1 ]; then
  cargo bench -q -p dingtalk-notify-proto --bench campaign -- campaign_plan \
    --warm-up-time 0.2 --measurement-time 1 > "$OUT/campaign_plan.txt" 2>&1
else
  cargo bench -q -p dingtalk-notify-proto --bench campaign -- campaign_plan \
    > "$OUT/campaign_plan.txt" 2>&1
fi

# --- 4b. instruction counts (callgrind), when valgrind is there ------------------------------
# Instructions do not depend on the machine's load: the single-thread ratios below are the
# steadiest figures of the run. Per call (or per parse) = the difference of two runs of
# different length, divided by the difference in length, so start-up cancels out.
CALLGRIND=$OUT/callgrind.jsonl
: > "$CALLGRIND"
if command -v valgrind >/dev/null 2>&1; then
  instructions() { # the instructions valgrind counted for one run of the runner
    BENCH_PROC_CPU=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null "$RUNNER" "$@" \
      2>&1 >/dev/null | sed -n 's/.*Collected : //p'
  }
  per_unit() { # case short long -- args before the count: prints one JSON line
    local name=$1 short=$2 long=$3 flag=$4; shift 4
    local a b
    a=$(instructions "$@" "$flag" "$short"); b=$(instructions "$@" "$flag" "$long")
    if [ -n "$a" ] && [ -n "$b" ]; then
      echo "{\"case\":\"$name\",\"instructions\":$(( (b - a) / (long - short) ))}" >> "$CALLGRIND"
    fi
  }
  log "callgrind: parses (typed and serde_json::Value), then calls over loopback"
  for c in parse-status-bar value-status-bar parse-result-100 value-result-100; do
    per_unit "$c" 1000 11000 --iters codec "$c"
  done
  for c in client-ureq raw-ureq-same-agent raw-ureq-json client-isahc raw-isahc; do
    per_unit "$c" 200 2200 --calls seq "$c" --base "$BASE" --warmup 0
  done
else
  log "valgrind is not installed: no instruction counts ('apt-get install valgrind')"
fi

# --- 5. sequential calls, interleaved -------------------------------------------------------
# Each run appends one JSON line to raw.jsonl, with the round and, when /usr/bin/time is
# there, the whole process's times (start-up included) next to the runner's own loop times.
record() {
  local round=$1; shift
  local line tf=$OUT/time.tmp
  if [ -n "$TIME_BIN" ]; then
    line=$("$TIME_BIN" -f '%e %U %S' -o "$tf" "$@")
    read -r e u s < "$tf"
    line="${line%\}},\"round\":$round,\"process_wall_s\":$e,\"process_user_s\":$u,\"process_sys_s\":$s}"
  else
    line=$("$@")
    line="${line%\}},\"round\":$round}"
  fi
  echo "$line" >> "$RAW"
}

SEQ=(client-ureq raw-ureq client-isahc raw-ureq-timeouts client-ureq-ipresolver
  raw-ureq-timeouts-ipresolver raw-tcp raw-ureq-same-agent raw-ureq-json raw-isahc)
[ "$PY_STATUS" = ok ] && SEQ+=(python)
[ "$REDIS_STATUS" = ok ] && SEQ+=(redis-token-lookup redis-budget-acquire)
n=${#SEQ[@]}
for ((r = 0; r < ROUNDS; r++)); do
  log "sequential round $((r + 1))/$ROUNDS"
  for ((i = 0; i < n; i++)); do
    c=${SEQ[$(((i + r) % n))]}
    if [ "$c" = python ]; then
      record "$r" "$VENV/bin/python" bench/peer.py "$BASE" "$PY_CALLS"
    elif [ "${c#redis-}" != "$c" ]; then
      record "$r" "$RUNNER" fleet "$c" --base "$BASE" --redis "$REDIS_URL" --calls "$CALLS"
    else
      record "$r" "$RUNNER" seq "$c" --base "$BASE" --calls "$CALLS"
    fi
  done
  # A campaign's own cost per chunk (planning + SQLite ledger), beside the sends it pays for.
  record "$r" "$RUNNER" campaign --chunks 500 --dir "$OUT"
done

# --- 6. threads sharing one client ------------------------------------------------------------
# client-ureq is judged against raw-ureq-json (the same agent doing the same JSON work); the
# bare loops are context.
THR=(client-ureq client-isahc raw-ureq raw-ureq-same-agent raw-ureq-json)
m=${#THR[@]}
for ((r = 0; r < THREAD_ROUNDS; r++)); do
  for t in 1 4 16 64; do
    log "threads: $t (round $((r + 1))/$THREAD_ROUNDS)"
    for ((i = 0; i < m; i++)); do
      c=${THR[$(((i + r) % m))]}
      record "$r" "$RUNNER" threads "$c" --base "$BASE" --threads "$t" --calls $((THREAD_CALLS / t))
    done
  done
done

# --- 7. token fetches at expiry ---------------------------------------------------------------
for c in client-ureq client-isahc; do
  log "token expiry: $c, 64 threads, ${LIFETIME}s tokens, $EXPIRY_ROUNDS rounds (waits out each token)"
  record 0 "$RUNNER" expiry "$c" --base "$BASE_EXPIRY" --threads 64 --lifetime "$LIFETIME" \
    --rounds "$EXPIRY_ROUNDS"
done

# --- 7b. resolving an organisation ----------------------------------------------------------
resolve_case
people_freeze_case
users_file_case

# --- 7c. following a campaign -----------------------------------------------------------------
follow_calls_case

fi # FOOTPRINT != only

# --- 8. footprint -------------------------------------------------------------------------
FP=$OUT/footprint
if [ "$FOOTPRINT" != no ]; then
  mkdir -p "$FP"
  log "footprint: building the runner for the simulator (release)"
  cargo build --release -q -p dingtalk-notify-bench >&2
  TARGET_DIR=$(cargo metadata --format-version 1 --no-deps \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
  RUNNER=$TARGET_DIR/release/dingtalk-notify-bench
  count_crates() { # the packages of a normal (non-dev, non-build) dependency tree
    cargo tree "$@" -e normal --prefix none --format '{p}' \
      | sed -e 's/ (\*)$//' -e 's/ (proc-macro)$//' | sort -u | wc -l
  }
  OURS_CRATES=$(count_crates -p dingtalk-notify)
  # A clean build each, into a fresh target dir, with the documented size profile.
  rm -rf "$FP/target-ours"
  log "footprint: clean build of the minimal sender (profile min-size)"
  "$TIME_BIN" -f '%e' -o "$FP/ours-build.time" \
    cargo build -q --profile min-size -p dingtalk-notify --example minimal \
    --target-dir "$FP/target-ours" >&2
  OURS_BIN=$FP/target-ours/min-size/examples/minimal
  OURS_SIZE=$(stat -c %s "$OURS_BIN")
  # Peak RSS for token + send + progress against the simulator (the runner hosts it).
  "$RUNNER" simulate > "$FP/sim.json" &
  SIM_PID=$!
  for _ in $(seq 50); do [ -s "$FP/sim.json" ] && break; sleep 0.1; done
  eval "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("\n".join(f"export {k}={v!r}" for k, v in d.items()))' "$FP/sim.json")"
  "$TIME_BIN" -v -o "$FP/ours-rss.txt" "$OURS_BIN" > "$FP/ours-run.txt" 2>&1 || true
  kill "$SIM_PID" 2>/dev/null || true
  OURS_RSS=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$FP/ours-rss.txt")
  OURS_OK=$(grep -c '^task ' "$FP/ours-run.txt" || true)

  # dingtalk-rs 0.1.16, in a throwaway project outside the repository (never committed).
  DTRS=$(mktemp -d)
  DTRS_STATUS=ok
  mkdir -p "$DTRS/src"
  cat > "$DTRS/Cargo.toml" <<'TOML'
[package]
name = "dtrs-footprint"
version = "0.0.0"
edition = "2021"
publish = false

[dependencies]
dingtalk-rs = "=0.1.16"
tokio = { version = "1", features = ["full"] }

[profile.min-size]
inherits = "release"
opt-level = "z"
lto = true
codegen-units = 1
panic = "abort"
strip = true
TOML
  cat > "$DTRS/src/main.rs" <<'RS'
// The same three calls; dingtalk-rs's host is fixed to DingTalk's, so they only run when
// asked (`--send`) and the RSS measured is the idle process (runtime and client built).
use dingtalk_rs::client::ParamsWorkNotificationSend;
use dingtalk_rs::{Client, WorkNotifier};

#[tokio::main]
async fn main() {
    let client = Client::new("key".into(), "secret".into());
    if std::env::args().nth(1).as_deref() == Some("--send") {
        let token = client.access_token().await;
        let params = ParamsWorkNotificationSend {
            agent_id: 1,
            userid_list: Some("user".into()),
            ..Default::default()
        };
        let task = client.work_notification_send(params).await;
        let progress = client.work_notification_send_progress_get(1, 2).await;
        println!("{:?} {:?} {:?}", token.is_ok(), task.is_ok(), progress.is_ok());
    }
    println!("{client:?}");
}
RS
  log "footprint: clean build of dingtalk-rs 0.1.16 (profile min-size, from crates.io)"
  if (cd "$DTRS" && cargo generate-lockfile -q >&2 \
      && "$TIME_BIN" -f '%e' -o "$FP/dtrs-build.time" cargo build -q --profile min-size >&2); then
    DTRS_CRATES=$(cd "$DTRS" && count_crates -p dingtalk-rs)
    DTRS_BIN=$DTRS/target/min-size/dtrs-footprint
    DTRS_SIZE=$(stat -c %s "$DTRS_BIN")
    DTRS_DYNAMIC=$( (ldd "$DTRS_BIN" 2>/dev/null || true) | { grep -Eo 'lib(ssl|crypto)[^ ]*' || true; } | sort -u | tr '\n' ' ')
    "$TIME_BIN" -v -o "$FP/dtrs-rss.txt" "$DTRS_BIN" > /dev/null 2>&1 || true
    DTRS_RSS=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$FP/dtrs-rss.txt")
  else
    DTRS_STATUS="build failed"
  fi
  rm -rf "$DTRS"
  OURS_DYNAMIC=$( (ldd "$OURS_BIN" 2>/dev/null || true) | { grep -Eo 'lib(ssl|crypto)[^ ]*' || true; } | sort -u | tr '\n' ' ')
  python3 - "$FP/footprint.json" <<PY
import json, sys
def num(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None
def read(path):
    try:
        return open(path).read().strip()
    except OSError:
        return None
json.dump({
  "ours": {"what": "crates/dingtalk-notify/examples/minimal.rs (token + send + progress)",
           "crates": int("$OURS_CRATES"), "build_s": num(read("$FP/ours-build.time")),
           "stripped_bytes": int("$OURS_SIZE"), "peak_rss_kb": num("$OURS_RSS"),
           "run_ok": "$OURS_OK" == "1", "dynamic_tls_libs": "$OURS_DYNAMIC".split()},
  "dingtalk_rs": {"what": "dingtalk-rs 0.1.16 + tokio, the same calls linked, measured idle",
                  "status": "$DTRS_STATUS", "crates": num("${DTRS_CRATES:-}"),
                  "build_s": num(read("$FP/dtrs-build.time")),
                  "stripped_bytes": num("${DTRS_SIZE:-}"), "peak_rss_kb": num("${DTRS_RSS:-}"),
                  "dynamic_tls_libs": "${DTRS_DYNAMIC:-}".split()},
  "profile": "min-size (inherits release: opt-level z, lto, codegen-units 1, panic abort, strip)",
}, open(sys.argv[1], "w"), indent=2)
PY
  log "footprint: ours $OURS_CRATES crates, $OURS_SIZE bytes, ${OURS_RSS} kB peak; dingtalk-rs ${DTRS_CRATES:-?} crates, ${DTRS_SIZE:-?} bytes, ${DTRS_RSS:-?} kB idle"
fi

# --- 9. summary ---------------------------------------------------------------------------
CPU_MODEL=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)
export BENCH_NPROC BENCH_CPU BENCH_RUSTC BENCH_KERNEL BENCH_NGINX BENCH_PY_STATUS \
  BENCH_PY_REASON BENCH_PY_VERSION BENCH_SDK_VERSION BENCH_TARGET_DIR BENCH_QUICK BENCH_ROUNDS_USED \
  BENCH_CALLS_USED BENCH_PY_CALLS_USED BENCH_LOAD_START BENCH_LOAD_END
BENCH_LOAD_START=$LOAD_START
BENCH_LOAD_END=$(cut -d' ' -f1-3 /proc/loadavg)
BENCH_NPROC=$(nproc)
BENCH_CPU=$CPU_MODEL
BENCH_RUSTC=$(rustc --version)
BENCH_KERNEL=$(uname -sr)
BENCH_NGINX=$(nginx -v 2>&1 | sed 's/^nginx version: //')
BENCH_PY_STATUS=$PY_STATUS
BENCH_PY_REASON=$PY_REASON
BENCH_PY_VERSION=$PY_VERSION
BENCH_SDK_VERSION=$SDK_VERSION
BENCH_TARGET_DIR=$TARGET_DIR
BENCH_QUICK=$QUICK
BENCH_ROUNDS_USED=$ROUNDS
BENCH_CALLS_USED=$CALLS
BENCH_PY_CALLS_USED=$PY_CALLS
python3 bench/summarize.py "$OUT"
python3 bench/resolve_summary.py "$OUT"
python3 bench/follow_calls_summary.py "$OUT"
python3 bench/freeze_summary.py "$OUT"
python3 bench/users_file_summary.py "$OUT"
# Campaign cost per chunk as a ratio to one loopback send (client-ureq): target <= 5x.
python3 - "$RAW" > "$OUT/campaign.md" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
send = [r["wall_ns"] / r["calls"] for r in rows if r.get("mode") == "seq" and r.get("contender") == "client-ureq"]
chunk = [r["ns_per_chunk"] for r in rows if r.get("mode") == "campaign"]
plan = [r["plan_ns_per_chunk"] for r in rows if r.get("mode") == "campaign"]
ledger = [r["ledger_ns_per_chunk"] for r in rows if r.get("mode") == "campaign"]
if send and chunk:
    s, c = statistics.median(send), statistics.median(chunk)
    print("\n## Campaign cost per chunk\n")
    print("| per chunk | median | ratio to one loopback send (client-ureq) |")
    print("|---|---|---|")
    print(f"| planning | {statistics.median(plan) / 1e3:.1f} µs | {statistics.median(plan) / s:.2f}x |")
    print(f"| SQLite ledger (2 writes, WAL, synchronous=NORMAL) | {statistics.median(ledger) / 1e3:.1f} µs | {statistics.median(ledger) / s:.2f}x |")
    print(f"| **both** | {c / 1e3:.1f} µs | **{c / s:.2f}x** (target: at most 5x) |")
PY
cat "$OUT/campaign.md" >> "$OUT/summary.md"
if [ "$JSON" = 1 ]; then
  cat "$OUT/summary.json"
else
  cat "$OUT/summary.md"
fi
