#!/usr/bin/env bash
# Issue 11's "no regression": the bench runner of d3db68c (the last commit before the
# redesign) and of the working tree, interleaved against one nginx, with the contenders both
# runners have: the client over ureq on an agent with an IP-literal resolver, and the raw loop
# on an agent configured the same way. Then callgrind instructions per call of each.
#
#   bench/compare-before-redesign.sh     # builds the old runner in a temporary worktree
#
# Knobs: OLD / NEW (runner binaries), ROUNDS (7), CALLS (10000). Needs nginx and valgrind.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
REV=d3db68c
if [ -z "${OLD:-}" ]; then
  WT=$(mktemp -d)
  git worktree add -q --detach "$WT" "$REV"
  trap 'git -C "$ROOT" worktree remove --force "$WT"' EXIT
  (cd "$WT" && cargo build --release -q -p dingtalk-notify-bench) >&2
  OLD=$WT/target/release/dingtalk-notify-bench
fi
cargo build --release -q -p dingtalk-notify-bench >&2
NEW=${NEW:-$ROOT/target/release/dingtalk-notify-bench}
ROUNDS=${ROUNDS:-7}; CALLS=${CALLS:-10000}
D=$ROOT/bench/out/compare; mkdir -p $D/ngx/tmp; : > $D/raw.jsonl
PORT=${PORT:-18580}
USER_LINE=""; [ "$(id -u)" = 0 ] && USER_LINE="user root;"
sed -e "s|@OUT@|$D/ngx|g" -e "s|@PORT@|$PORT|g" -e "s|@PORT_EXPIRY@|$((PORT+1))|g" \
    -e "s|@LIFETIME@|2|g" -e "s|@USER@|$USER_LINE|" $ROOT/bench/nginx.conf.in > $D/ngx/nginx.conf
[ -f $D/ngx/nginx.pid ] && kill "$(cat $D/ngx/nginx.pid)" 2>/dev/null && sleep 0.5 || true
PATH=$PATH:/usr/sbin nginx -p $D/ngx -c $D/ngx/nginx.conf -e $D/ngx/error.log
sleep 0.5
stop() { kill "$(cat $D/ngx/nginx.pid)" 2>/dev/null || true; [ -n "${WT:-}" ] && git -C "$ROOT" worktree remove --force "$WT" || true; }
trap stop EXIT
B=http://127.0.0.1:$PORT
echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq $ROUNDS); do
  for pair in "old:$OLD:client-ureq-ipresolver" "old:$OLD:raw-ureq-timeouts-ipresolver" \
              "new:$NEW:client-ureq-ipresolver" "new:$NEW:raw-ureq-timeouts-ipresolver" \
              "new:$NEW:client-ureq" "new:$NEW:raw-ureq-same-agent"; do
    IFS=: read -r tag bin c <<<"$pair"
    "$bin" seq "$c" --base $B --calls $CALLS --warmup 500 | sed "s/^{/{\"rev\":\"$tag\",/" >> $D/raw.jsonl
  done
done
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - $D/raw.jsonl <<'PY'
import json,sys,statistics as st
rows=[json.loads(l) for l in open(sys.argv[1])]
def med(rev,c,k):
    v=[r[k] for r in rows if r["rev"]==rev and r["contender"]==c]
    return st.median(v) if v else float('nan')
keys=[k for k in rows[0] if k not in("rev","mode","contender","calls")]
print("keys:",keys)
for rev in ("old","new"):
  for k in keys:
    try: print(rev,k,"client-ipresolver / raw-same-config = %.3f"%(med(rev,"client-ureq-ipresolver",k)/med(rev,"raw-ureq-timeouts-ipresolver",k)))
    except Exception as e: print(rev,k,e)
for k in keys:
    print("new",k,"client-ureq / raw-ureq-same-agent = %.3f"%(med("new","client-ureq",k)/med("new","raw-ureq-same-agent",k)))
    print("new/old client-ureq-ipresolver",k,"= %.3f"%(med("new","client-ureq-ipresolver",k)/med("old","client-ureq-ipresolver",k)))
PY
# callgrind: instructions per call = (I(3000) - I(1000)) / 2000
ipc() { local bin=$1 c=$2 a b
  a=$(BENCH_PROC_CPU=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" seq "$c" --base $B --calls 200 --warmup 0 2>&1 >/dev/null | sed -n 's/.*Collected : //p')
  b=$(BENCH_PROC_CPU=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" seq "$c" --base $B --calls 2200 --warmup 0 2>&1 >/dev/null | sed -n 's/.*Collected : //p')
  echo $(( (b - a) / 2000 )); }
for pair in "old:$OLD:client-ureq-ipresolver" "old:$OLD:raw-ureq-timeouts-ipresolver" \
            "new:$NEW:client-ureq-ipresolver" "new:$NEW:raw-ureq-timeouts-ipresolver" \
            "new:$NEW:client-ureq" "new:$NEW:raw-ureq-same-agent"; do
  IFS=: read -r tag bin c <<<"$pair"
  echo "callgrind $tag $c: $(ipc "$bin" "$c") instructions/call"
done
