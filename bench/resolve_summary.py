"""Merges step 7b of bench/run.sh (bench/out/resolve.jsonl, one row of the runner's
`resolve` mode) into bench/out/summary.json as "resolve": ratios with their targets.

- calls_per_department: contact calls the simulator answered for the resolution, per
  department (target <= 2.1);
- cpu_per_person_over_loopback_call: the resolution's own CPU per resolved person (its saved
  answers replayed: parsing, dedup, the plan, no IO) over the client's CPU for one loopback
  contact call to the same simulator (target <= 0.05); the end-to-end figure (the calls'
  CPU included) is reported beside it, without a target;
- peak_rss_mb: the resolving child process's peak RSS (VmHWM) (target <= 64).
"""
import step_summary

rows, summary, save = step_summary.load("resolve.jsonl")


def rnd(x, digits=4):
    return None if x is None else round(x, digits)


def case(value, target):
    return {"value": value, "target": target,
            "ok": None if value is None else value <= target}


if rows:
    r = rows[-1]
    rss_mb = r["peak_rss_kb"] / 1024
    summary["resolve"] = {
        "what": f"resolving {r['org_people']} people in {r['departments']} departments on "
                "the simulator, over the client and ureq on loopback, in a child process",
        "calls_per_department": case(rnd(r["calls_per_department"]), 2.1),
        "cpu_per_person_over_loopback_call": case(
            rnd(r["cpu_per_person_over_loopback_call"]), 0.05),
        "peak_rss_mb": case(rnd(rss_mb, 1), 64),
        "cpu_per_person_over_loopback_call_end_to_end": rnd(
            r["cpu_per_person_over_loopback_call_end_to_end"]),
        "raw": r,
    }
else:
    summary["resolve"] = {"status": "not run"}
save()
