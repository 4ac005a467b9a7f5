"""Step 7e of bench/run.sh: the peak RSS of `dingtalk-notify send --users-file` reading and
planning a big users file, as a ratio to the file's size.

    python3 bench/users_file.py CLI FILE   # prints one JSON row

The command reads FILE (one id a line), checks and dedupes it and plans the campaign's
chunks; its --ledger is in a directory that does not exist, so it stops right after the
plan, before anything is sent (exit 6, the ledger's error). Any other ending is reported
as the row's error. The peak RSS is the child's ru_maxrss (VmHWM).
"""
import json
import os
import resource
import subprocess
import sys
import time

cli, path = sys.argv[1], sys.argv[2]
command = [
    cli, "--app-key", "bench", "--app-secret", "bench", "--agent-id", "1",
    "send", "--users-file", path, "--text", "bench",
    "--ledger", os.path.join(os.path.dirname(path), "no-such-dir", "ledger.db"),
]
env = {k: v for k, v in os.environ.items() if not k.startswith("DINGTALK_")}
start = time.monotonic_ns()
done = subprocess.run(command, capture_output=True, text=True, env=env)
wall_ns = time.monotonic_ns() - start
peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
with open(path, "rb") as f:
    ids = sum(1 for line in f if line.strip())
row = {
    "mode": "users_file",
    "file_bytes": os.path.getsize(path),
    "ids": ids,
    "peak_rss_kb": peak_kb,
    "wall_ns": wall_ns,
    "exit": done.returncode,
}
if done.returncode != 6 or "cannot open the ledger" not in done.stderr:
    row["error"] = done.stderr.strip()[-500:]
print(json.dumps(row))
