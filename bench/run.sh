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
#  4. runs the criterion benches (codec) and the allocation counts (allocs);
#  5. interleaves the contenders round by round (A B C ... A B C ...), each in its own process,
#     N sequential getsendprogress calls each, wall and CPU (user + sys) time measured;
#     (with them, when redis-server is there or can be installed, dingtalk-notify-redis's
#     token lookup and budget acquire against a redis-server started on loopback);
#  6. shared-client throughput at 1, 4, 16 and 64 threads;
#  7. token fetches when 64 threads are released together at a token's expiry;
#  8. writes bench/out/summary.json and bench/out/summary.md (medians and ratios).
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
for arg in "$@"; do
  case "$arg" in
    --json) JSON=1 ;;
    --quick) QUICK=1 ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done

log() { printf '[bench] %s\n' "$*" >&2; }

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
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
RAW=$OUT/raw.jsonl
: > "$RAW"
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

# --- 5. sequential calls, interleaved -------------------------------------------------------
# Each run appends one JSON line to raw.jsonl, with the round and, when /usr/bin/time is
# there, the whole process's times (start-up included) next to the runner's own loop times.
TIME_BIN=""
[ -x /usr/bin/time ] && TIME_BIN=/usr/bin/time
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
  raw-ureq-timeouts-ipresolver raw-tcp)
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
done

# --- 6. threads sharing one client ------------------------------------------------------------
THR=(client-ureq client-isahc raw-ureq client-ureq-ipresolver)
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

# --- 8. summary ---------------------------------------------------------------------------
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
if [ "$JSON" = 1 ]; then
  cat "$OUT/summary.json"
else
  cat "$OUT/summary.md"
fi
