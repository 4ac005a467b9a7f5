"""Merges step 7c of bench/run.sh (bench/out/people_freeze.jsonl, one row of the runner's
`people-freeze` mode) into bench/out/summary.json as "people_freeze", with its targets.

- peak_rss_mb: the freezing child process's peak RSS (VmHWM), the whole organisation
  resolved and its people written into a SQLite ledger (target <= 256);
- ledger_bytes_per_person: the ledger file (with its WAL and shared-memory files, after
  the connection closed) per frozen person (target <= 160).
"""
import step_summary

rows, summary, save = step_summary.load("people_freeze.jsonl")


def case(value, target):
    return {"value": value, "target": target,
            "ok": None if value is None else value <= target}


if rows:
    r = rows[-1]
    summary["people_freeze"] = {
        "what": f"a campaign of {r['people']} people ({r['departments']} departments) "
                "resolved on the simulator and frozen in a SQLite ledger, in a child process",
        "peak_rss_mb": case(round(r["peak_rss_kb"] / 1024, 1), 256),
        "ledger_bytes_per_person": case(round(r["ledger_bytes_per_person"], 1), 160),
        "seconds": round(r["wall_ns"] / 1e9, 1),
        "raw": r,
    }
else:
    summary["people_freeze"] = {"status": "not run"}
save()
