"""Merges step 7e of bench/run.sh (bench/out/users_file.jsonl, one row of
bench/users_file.py) into bench/out/summary.json as "users_file", with its target.

- peak_rss_to_file: the peak RSS of `send --users-file` reading and planning a users file
  of 5,000,000 ids (60 MB), as a ratio to the file's size (target <= 2.0: issue 20, item 11).
"""
import json
import os
import sys

OUT = sys.argv[1]
path = os.path.join(OUT, "users_file.jsonl")
rows = [json.loads(l) for l in open(path) if l.strip()] if os.path.exists(path) else []
summary_path = os.path.join(OUT, "summary.json")
try:
    summary = json.load(open(summary_path))
except (OSError, ValueError):
    summary = {}

if rows and "error" not in rows[-1]:
    r = rows[-1]
    ratio = round(r["peak_rss_kb"] * 1024 / r["file_bytes"], 2)
    summary["users_file"] = {
        "what": f"send --users-file of {r['ids']} ids ({r['file_bytes'] / 1e6:.0f} MB) read, "
                "checked, deduplicated and planned (release CLI, in a child process)",
        "peak_rss_mb": round(r["peak_rss_kb"] / 1024, 1),
        "peak_rss_to_file": {"value": ratio, "target": 2.0, "ok": ratio <= 2.0},
        "seconds": round(r["wall_ns"] / 1e9, 1),
        "raw": r,
    }
elif rows:
    summary["users_file"] = {"status": "failed", "raw": rows[-1]}
else:
    summary["users_file"] = {"status": "not run"}
with open(summary_path, "w") as f:
    json.dump(summary, f, indent=2)
