"""Turns bench/out (raw.jsonl, criterion's estimates, allocs.txt) into summary.json and
summary.md. Called by bench/run.sh; standard library only.

Ratios between two contenders are the median of the per-round ratios (the contenders of a
round ran back to back, so a slow spell of the machine hits both); per-call figures are the
median over rounds.
"""

import json
import os
import statistics
import sys

OUT = sys.argv[1]
ENV = os.environ


def env(name, default=""):
    return ENV.get(name, default)


def load_raw():
    rows = []
    with open(os.path.join(OUT, "raw.jsonl")) as f:
        for line in f:
            line = line.strip()
            if line:
                rows.append(json.loads(line))
    return rows


ROWS = load_raw()
SEQ = [r for r in ROWS if r["mode"] == "seq"]
THREADS = [r for r in ROWS if r["mode"] == "threads"]
EXPIRY = [r for r in ROWS if r["mode"] == "expiry"]

PY = "python-dingtalk-sdk"


def per_call(contender, key):
    """{round: per-call value in microseconds} for a sequential contender."""
    return {
        r["round"]: r[key] / r["calls"] / 1000.0
        for r in SEQ
        if r["contender"] == contender
    }


def median_of(contender, key):
    v = list(per_call(contender, key).values())
    return statistics.median(v) if v else None


def paired_ratio(a, b, key="wall_ns", invert=False):
    """Median over rounds of a/b (per-call), or b/a with invert."""
    pa, pb = per_call(a, key), per_call(b, key)
    ratios = []
    for rnd in sorted(set(pa) & set(pb)):
        x, y = pa[rnd], pb[rnd]
        if invert:
            x, y = y, x
        if y > 0:
            ratios.append(x / y)
    return statistics.median(ratios) if ratios else None


def criterion_ns(group, bench):
    path = os.path.join(env("BENCH_TARGET_DIR", "target"), "criterion", group, bench, "new",
                        "estimates.json")
    try:
        with open(path) as f:
            return json.load(f)["median"]["point_estimate"]
    except (OSError, KeyError, ValueError):
        return None


def allocs():
    try:
        with open(os.path.join(OUT, "allocs.txt")) as f:
            for line in f:
                if line.startswith("ALLOCS_JSON "):
                    return json.loads(line[len("ALLOCS_JSON "):])
    except OSError:
        pass
    return None


def rnd(x, digits=3):
    return None if x is None else round(x, digits)


contenders = sorted({r["contender"] for r in SEQ})
per_call_table = {
    c: {
        "wall_us": rnd(median_of(c, "wall_ns"), 2),
        "cpu_us": rnd(median_of(c, "cpu_ns"), 2),
        "rounds": len(per_call(c, "wall_ns")),
    }
    for c in contenders
}

python_ok = env("BENCH_PY_STATUS") == "ok" and PY in contenders
python_reason = None if python_ok else (env("BENCH_PY_REASON") or "the Python peer did not run")

# Threads: calls per second, median over rounds.
threads = {}
for c in sorted({r["contender"] for r in THREADS}):
    threads[c] = {}
    for t in sorted({r["threads"] for r in THREADS if r["contender"] == c}):
        rates = [r["calls"] / (r["wall_ns"] / 1e9) for r in THREADS
                 if r["contender"] == c and r["threads"] == t]
        cpus = [r["cpu_ns"] / r["calls"] / 1000.0 for r in THREADS
                if r["contender"] == c and r["threads"] == t]
        threads[c][str(t)] = {
            "calls_per_s": round(statistics.median(rates)),
            "cpu_us_per_call": rnd(statistics.median(cpus), 2),
        }

# Token fetches at expiry, 64 threads.
expiry = {}
for r in EXPIRY:
    expiry[r["contender"]] = {
        "threads": r["threads"],
        "lifetime_s": r["lifetime_s"],
        "fetches_after_expiry": r["fetches_after_expiry"],
        "fetches_in_refresh_window": r["fetches_in_refresh_window"],
    }
ureq_expiry = expiry.get("client-ureq", {}).get("fetches_after_expiry", [])
all_expired = [n for e in expiry.values() for n in e["fetches_after_expiry"]]
all_refresh = [n for e in expiry.values() for n in e["fetches_in_refresh_window"]]
# One number: the value every round gave, or the worst (farthest from 1) if they differ.
token_fetches = None
if ureq_expiry:
    token_fetches = max(ureq_expiry, key=lambda n: abs(n - 1))

parse_result = {str(n): criterion_ns("parse_result", str(n)) for n in (10, 100, 1000, 10000)}
per_id = {n: (v / int(n) if v else None) for n, v in parse_result.items()}
scaling = None
if per_id.get("100") and per_id.get("10000"):
    scaling = per_id["10000"] / per_id["100"]

endpoints = ["gettoken", "get_corp_token", "asyncsend_v2", "getsendprogress", "getsendresult",
             "status_bar_update", "recall"]
codec = {
    e: {
        "build_ns": rnd(criterion_ns("build", e), 1),
        "parse_ns": rnd(criterion_ns("parse", e), 1),
        "build_parse_ns": rnd(criterion_ns("build_parse", e), 1),
    }
    for e in endpoints
}

summary = {
    "overhead_vs_raw_ureq": rnd(paired_ratio("client-ureq", "raw-ureq")),
    "overhead_vs_raw_ureq_same_config": rnd(paired_ratio("client-ureq", "raw-ureq-timeouts")),
    "overhead_ipresolver_vs_raw_ureq": rnd(paired_ratio("client-ureq-ipresolver", "raw-ureq")),
    "overhead_ipresolver_vs_same_agent": rnd(
        paired_ratio("client-ureq-ipresolver", "raw-ureq-timeouts-ipresolver")),
    "cpu_overhead_ipresolver_vs_same_agent": rnd(
        paired_ratio("client-ureq-ipresolver", "raw-ureq-timeouts-ipresolver", "cpu_ns")),
    "overhead_isahc_vs_raw_ureq": rnd(paired_ratio("client-isahc", "raw-ureq")),
    "ureq_vs_raw_tcp": rnd(paired_ratio("raw-ureq", "raw-tcp")),
    "cpu_ratio_vs_python": rnd(paired_ratio("client-ureq", PY, "cpu_ns"), 4) if python_ok else None,
    "cpu_ratio_vs_python_ipresolver":
        rnd(paired_ratio("client-ureq-ipresolver", PY, "cpu_ns"), 4) if python_ok else None,
    "cpu_ratio_vs_python_isahc":
        rnd(paired_ratio("client-isahc", PY, "cpu_ns"), 4) if python_ok else None,
    "speedup_vs_python": rnd(paired_ratio("client-ureq", PY, invert=True), 2) if python_ok else None,
    "speedup_vs_python_ipresolver":
        rnd(paired_ratio("client-ureq-ipresolver", PY, invert=True), 2) if python_ok else None,
    "speedup_vs_python_isahc":
        rnd(paired_ratio("client-isahc", PY, invert=True), 2) if python_ok else None,
    "floor_speedup_vs_python": rnd(paired_ratio("raw-ureq", PY, invert=True), 2) if python_ok else None,
    # dingtalk-notify-redis, per call, against one loopback call of the client over ureq.
    "redis_token_lookup_vs_loopback_call": rnd(paired_ratio("redis-token-lookup", "client-ureq")),
    "redis_budget_acquire_vs_loopback_call": rnd(paired_ratio("redis-budget-acquire", "client-ureq")),
    "python_peer": {"status": "ok" if python_ok else "unavailable", "reason": python_reason,
                    "python": env("BENCH_PY_VERSION") or None,
                    "dingtalk_sdk": env("BENCH_SDK_VERSION") or None},
    # Criterion medians of the benchmark thread's CPU time (see benches/codec.rs), and the
    # same two cases in wall time, which other load on the machine inflates.
    "build_parse_ns_status_bar": rnd(criterion_ns("build_parse", "status_bar_update"), 1),
    "parse_ns_result_100": rnd(parse_result["100"], 1),
    "build_parse_ns_status_bar_wall": rnd(criterion_ns("wall_build_parse", "status_bar_update"), 1),
    "parse_ns_result_100_wall": rnd(criterion_ns("wall_parse_result", "100"), 1),
    "token_fetches_at_expiry_64_threads": token_fetches,
    "token_expiry": expiry,
    "per_call_us": per_call_table,
    "threads_shared_client": threads,
    "parse_result_ns": {n: rnd(v, 1) for n, v in parse_result.items()},
    "parse_result_ns_per_id": {n: rnd(v, 2) for n, v in per_id.items()},
    "parse_result_per_id_10000_over_100": rnd(scaling),
    "codec_ns": codec,
    "allocations": allocs(),
    "machine": {
        "nproc": int(env("BENCH_NPROC", "0") or 0),
        "cpu": env("BENCH_CPU"),
        "rustc": env("BENCH_RUSTC"),
        "kernel": env("BENCH_KERNEL"),
        "server": env("BENCH_NGINX"),
        "loadavg_at_start": env("BENCH_LOAD_START"),
        "loadavg_at_end": env("BENCH_LOAD_END"),
    },
    "run": {
        "quick": env("BENCH_QUICK") == "1",
        "rounds": int(env("BENCH_ROUNDS_USED", "0") or 0),
        "calls_per_rust_run": int(env("BENCH_CALLS_USED", "0") or 0),
        "calls_per_python_run": int(env("BENCH_PY_CALLS_USED", "0") or 0),
    },
}


def target(name, value, ok, text):
    return {"target": text, "value": value, "met": None if value is None else ok}


s = summary
summary["targets"] = {
    "client_over_ureq_within_5pct_of_floor": target(
        "overhead_vs_raw_ureq", s["overhead_vs_raw_ureq"],
        s["overhead_vs_raw_ureq"] is not None and s["overhead_vs_raw_ureq"] <= 1.05, "<= 1.05"),
    "client_cpu_per_call_at_most_1_20_of_python": target(
        "cpu_ratio_vs_python", s["cpu_ratio_vs_python"],
        s["cpu_ratio_vs_python"] is not None and s["cpu_ratio_vs_python"] <= 0.05, "<= 0.05"),
    "status_bar_build_parse_under_1us": target(
        "build_parse_ns_status_bar", s["build_parse_ns_status_bar"],
        s["build_parse_ns_status_bar"] is not None and s["build_parse_ns_status_bar"] < 1000,
        "< 1000 ns"),
    "result_100_parse_under_10us": target(
        "parse_ns_result_100", s["parse_ns_result_100"],
        s["parse_ns_result_100"] is not None and s["parse_ns_result_100"] < 10000, "< 10000 ns"),
    "one_token_fetch_at_expiry": target(
        "token_fetches_at_expiry_64_threads", token_fetches,
        bool(all_expired) and all(n == 1 for n in all_expired + all_refresh), "== 1 every round"),
}

with open(os.path.join(OUT, "summary.json"), "w") as f:
    json.dump(summary, f, indent=2)
    f.write("\n")


# ---- markdown ------------------------------------------------------------------------------
def fmt(x, suffix="", digits=2):
    if x is None:
        return "n/a"
    return f"{x:.{digits}f}{suffix}"


lines = []
m = summary["machine"]
lines.append(f"Machine: {m['nproc']} cores, {m['cpu']}, {m['kernel']}, {m['rustc']}, "
             f"server {m['server']} (1 worker) on loopback. Load average (1, 5, 15 min) "
             f"{m['loadavg_at_start']} at the start, {m['loadavg_at_end']} at the end.")
if summary["run"]["quick"]:
    lines.append("**Quick run: rough numbers only.**")
lines.append("")
lines.append("| ratio | value | target | met |")
lines.append("|---|---|---|---|")
labels = {
    "client_over_ureq_within_5pct_of_floor": "client over ureq ÷ raw ureq loop (wall per call)",
    "client_cpu_per_call_at_most_1_20_of_python": "client CPU per call ÷ Python peer's",
    "status_bar_build_parse_under_1us": "status bar build + parse (ns, thread CPU time)",
    "result_100_parse_under_10us": "parse of a 100-id send result (ns, thread CPU time)",
    "one_token_fetch_at_expiry": "token fetches, 64 threads at expiry",
}
for key, t in summary["targets"].items():
    met = {True: "yes", False: "**no**", None: "n/a"}[t["met"]]
    v = t["value"]
    vs = "n/a" if v is None else (f"{v}" if isinstance(v, int) else f"{v:.3f}" if v < 10 else f"{v:.0f}")
    lines.append(f"| {labels[key]} | {vs} | {t['target']} | {met} |")
extra = [
    ("client over ureq ÷ raw ureq loop with the transport's timeouts", s["overhead_vs_raw_ureq_same_config"]),
    ("client over ureq, IP-literal resolver ÷ raw ureq loop", s["overhead_ipresolver_vs_raw_ureq"]),
    ("client over ureq, IP-literal resolver ÷ raw ureq loop on the same agent (wall)",
     s["overhead_ipresolver_vs_same_agent"]),
    ("client over ureq, IP-literal resolver ÷ raw ureq loop on the same agent (CPU)",
     s["cpu_overhead_ipresolver_vs_same_agent"]),
    ("client over isahc ÷ raw ureq loop", s["overhead_isahc_vs_raw_ureq"]),
    ("raw ureq loop ÷ raw TCP loop (the floor over the physical limit)", s["ureq_vs_raw_tcp"]),
    ("throughput: client over ureq ÷ Python peer", s["speedup_vs_python"]),
    ("throughput: client over ureq, IP-literal resolver ÷ Python peer", s["speedup_vs_python_ipresolver"]),
    ("throughput: client over isahc ÷ Python peer", s["speedup_vs_python_isahc"]),
    ("throughput: raw ureq loop ÷ Python peer", s["floor_speedup_vs_python"]),
    ("CPU per call: client over ureq, IP-literal resolver ÷ Python peer", s["cpu_ratio_vs_python_ipresolver"]),
    ("CPU per call: client over isahc ÷ Python peer", s["cpu_ratio_vs_python_isahc"]),
    ("Redis token lookup (RedisTokenProvider) ÷ one loopback call of the client over ureq",
     s["redis_token_lookup_vs_loopback_call"]),
    ("Redis budget acquire (RedisBudget) ÷ one loopback call of the client over ureq",
     s["redis_budget_acquire_vs_loopback_call"]),
    ("parse ns per id, 10,000 ids ÷ 100 ids (1.0 = linear)", s["parse_result_per_id_10000_over_100"]),
    ("status bar build + parse, wall time (ns)", s["build_parse_ns_status_bar_wall"]),
    ("parse of a 100-id send result, wall time (ns)", s["parse_ns_result_100_wall"]),
]
lines.append("")
lines.append("| other ratio | value |")
lines.append("|---|---|")
for label, v in extra:
    lines.append(f"| {label} | {fmt(v, digits=3)} |")
if not python_ok:
    lines.append("")
    lines.append(f"Python peer: unavailable ({python_reason}).")

lines.append("")
lines.append(f"Sequential getsendprogress calls, median of {summary['run']['rounds']} interleaved rounds:")
lines.append("")
lines.append("| contender | wall µs/call | CPU µs/call (user+sys) | rounds |")
lines.append("|---|---|---|---|")
order = ["raw-tcp", "raw-ureq", "raw-ureq-timeouts-ipresolver", "client-ureq-ipresolver",
         "raw-ureq-timeouts", "client-ureq", "client-isahc", PY,
         "redis-token-lookup", "redis-budget-acquire"]
for c in order:
    if c in per_call_table:
        p = per_call_table[c]
        lines.append(f"| {c} | {fmt(p['wall_us'])} | {fmt(p['cpu_us'])} | {p['rounds']} |")

if threads:
    lines.append("")
    lines.append("Threads sharing one client (or one agent): calls per second, median over rounds")
    lines.append("")
    ts = sorted({t for c in threads.values() for t in c}, key=int)
    lines.append("| contender | " + " | ".join(f"{t} thr" for t in ts) + " |")
    lines.append("|---|" + "---|" * len(ts))
    for c, by in threads.items():
        lines.append(f"| {c} | " + " | ".join(str(by.get(t, {}).get("calls_per_s", "n/a")) for t in ts) + " |")

if expiry:
    lines.append("")
    lines.append("Token fetches when 64 threads are released together (one count per round):")
    lines.append("")
    lines.append("| contender | past expiry | in the refresh window |")
    lines.append("|---|---|---|")
    for c, e in expiry.items():
        lines.append(f"| {c} | {e['fetches_after_expiry']} | {e['fetches_in_refresh_window']} |")

lines.append("")
lines.append("Build and parse, criterion medians of thread CPU time (ns):")
lines.append("")
lines.append("| endpoint | build | parse | build + parse | build allocs | parse allocs |")
lines.append("|---|---|---|---|---|---|")
al = (summary["allocations"] or {}).get("endpoints", {})
for e in endpoints:
    cd = codec[e]
    a = al.get(e, {})
    lines.append(f"| {e} | {fmt(cd['build_ns'], digits=0)} | {fmt(cd['parse_ns'], digits=0)} | "
                 f"{fmt(cd['build_parse_ns'], digits=0)} | {a.get('build_allocs', 'n/a')} | "
                 f"{a.get('parse_allocs', 'n/a')} |")
lines.append("")
lines.append("getsendresult parse by number of user ids:")
lines.append("")
lines.append("| ids | ns | ns per id | allocs |")
lines.append("|---|---|---|---|")
pr = (summary["allocations"] or {}).get("parse_result", {})
for n in ("10", "100", "1000", "10000"):
    lines.append(f"| {n} | {fmt(parse_result[n], digits=0)} | {fmt(per_id[n])} | "
                 f"{pr.get(n, {}).get('allocs', 'n/a')} |")

with open(os.path.join(OUT, "summary.md"), "w") as f:
    f.write("\n".join(lines) + "\n")
