"""Merges bench/run.sh --follow-calls (bench/out/follow_calls.jsonl, one row of the
runner's `follow-calls` mode) into bench/out/summary.json as "follow_calls".

- calls_per_100_confirmed: the calls the simulator received while a campaign was followed
  (track until delivered, then one report: progress, result and any token fetch), per 100
  people whose outcome a result confirmed (target <= 2.5); sends are not part of it (one
  per 100 people whatever the following does);
- all_calls_per_100_confirmed: every call of the campaign, sends included (no target);
- ledger_matches_simulator: the ledger's count of calls by endpoint equals the
  simulator's (must be true).
"""
import step_summary

rows, summary, save = step_summary.load("follow_calls.jsonl")


def case(value, target):
    return {"value": value, "target": target,
            "ok": None if value is None else value <= target}


if rows:
    r = rows[-1]
    summary["follow_calls"] = {
        "what": f"following a campaign of {r['people']} people ({r['chunks']} chunks) on the "
                "simulator at its default delivery pace (2 s, real time): track until "
                "delivered, then one report, over the client and ureq on loopback",
        "calls_per_100_confirmed": case(round(r["calls_per_100_confirmed"], 4), 2.5),
        "all_calls_per_100_confirmed": round(r["all_calls_per_100_confirmed"], 4),
        "ledger_matches_simulator": r["ledger_matches_simulator"],
        "raw": r,
    }
else:
    summary["follow_calls"] = {"status": "not run"}
save()
