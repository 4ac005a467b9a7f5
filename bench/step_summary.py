"""What every step's summary script shares (resolve, follow_calls, freeze, users_file): the
step's rows from bench/out/<step>.jsonl and summary.json to merge them into.

    rows, summary, save = step_summary.load("users_file.jsonl")
    ...
    summary["users_file"] = {...}
    save()
"""
import json
import os
import sys


def load(jsonl_name):
    """The rows of `jsonl_name` under the output folder (argv[1]), summary.json as it is
    (empty when absent or unreadable), and a function that writes it back."""
    out = sys.argv[1]
    path = os.path.join(out, jsonl_name)
    rows = [json.loads(l) for l in open(path) if l.strip()] if os.path.exists(path) else []
    summary_path = os.path.join(out, "summary.json")
    try:
        summary = json.load(open(summary_path))
    except (OSError, ValueError):
        summary = {}

    def save():
        with open(summary_path, "w") as f:
            json.dump(summary, f, indent=2)

    return rows, summary, save
