"""Merges step 7e of bench/run.sh (bench/out/users_file.jsonl, the rows of
bench/users_file.py) into bench/out/summary.json as "users_file", with its targets.

- plan_peak_rss_to_file: the peak RSS of `send --users-file` reading, checking, deduping
  and planning a users file of 5,000,000 ids (60 MB), as a ratio to the file's size
  (target <= 2.0: issue 20, item 11);
- send_peak_rss_to_file: the same file stored in a SQLite ledger, read again and sent to
  the simulator until the minute's recipient budget is used up (target <= 2.0).
"""
import step_summary

rows, summary, save = step_summary.load("users_file.jsonl")

by_mode = {r["mode"]: r for r in rows}
plan, send = by_mode.get("users_file_plan"), by_mode.get("users_file_send")


def case(r):
    if r is None:
        return {"status": "not run"}
    if "error" in r:
        return {"status": "failed", "raw": r}
    ratio = round(r["peak_rss_kb"] * 1024 / r["file_bytes"], 2)
    return {"value": ratio, "target": 2.0, "ok": ratio <= 2.0,
            "peak_rss_mb": round(r["peak_rss_kb"] / 1024, 1),
            "seconds": round(r["wall_ns"] / 1e9, 1)}


if rows:
    r = plan or send
    summary["users_file"] = {
        "what": f"send --users-file of {r['ids']} ids ({r['file_bytes'] / 1e6:.0f} MB), "
                "release CLI in a child process: read, checked, deduplicated and planned "
                "(plan); and stored in a SQLite ledger, read again and sent to the "
                "simulator until the minute's budget is used up (send)",
        "plan_peak_rss_to_file": case(plan),
        "send_peak_rss_to_file": case(send),
        "raw": rows,
    }
else:
    summary["users_file"] = {"status": "not run"}
save()
