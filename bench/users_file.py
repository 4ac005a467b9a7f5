"""Step 7e of bench/run.sh: the peak RSS of `dingtalk-notify send --users-file` with a big
users file, as a ratio to the file's size.

    python3 bench/users_file.py CLI FILE   # prints two JSON rows

- "plan": the command reads FILE (one id a line), checks and dedupes it and plans the
  campaign's chunks; its --ledger is in a directory that does not exist, so it stops right
  after the plan, before anything is sent (exit 6, the ledger's error).
- "send": the same file sent to the simulator (`CLI mock-server --accept-any-user`) with a
  SQLite ledger: the campaign is stored, read again and sent until the recipient budget of
  the minute is used up (`--budget-wait 0`: exit 3, the rest left to resume).

Any other ending is reported as the row's error. The peak RSS is the command's own
ru_maxrss (VmHWM), from wait4.
"""
import json
import os
import re
import subprocess
import sys
import tempfile
import time

cli, path = sys.argv[1], sys.argv[2]
file_bytes = os.path.getsize(path)
with open(path, "rb") as f:
    ids = sum(1 for line in f if line.strip())
clean_env = {k: v for k, v in os.environ.items() if not k.startswith("DINGTALK_")}


def measure(mode, args, env, exit_code, expected):
    start = time.monotonic_ns()
    child = subprocess.Popen([cli, *args], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
    stderr = child.stderr.read()
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    row = {
        "mode": f"users_file_{mode}",
        "file_bytes": file_bytes,
        "ids": ids,
        "peak_rss_kb": usage.ru_maxrss,
        "wall_ns": time.monotonic_ns() - start,
        "exit": child.returncode,
    }
    if child.returncode != exit_code or expected not in stderr:
        row["error"] = stderr.strip()[-500:]
    print(json.dumps(row), flush=True)


with tempfile.TemporaryDirectory() as scratch:
    app = ["--app-key", "bench", "--app-secret", "bench", "--agent-id", "1"]
    send = ["send", "--users-file", path, "--text", "bench"]
    nowhere = os.path.join(scratch, "no-such-dir", "ledger.db")
    measure("plan", [*app, *send, "--ledger", nowhere], clean_env, 6, "cannot open the ledger")

    mock = subprocess.Popen([cli, "mock-server", "--accept-any-user"], env=clean_env,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        env = dict(clean_env)
        for line in mock.stdout:
            found = re.match(r"export (DINGTALK_\w+)=(\S+)", line)
            if found:
                env[found.group(1)] = found.group(2)
            if "DINGTALK_AGENT_ID" in env:
                break
        ledger = os.path.join(scratch, "ledger.db")
        measure("send", ["--budget-wait", "0", *send, "--ledger", ledger], env, 3,
                "stopped early")
    finally:
        mock.terminate()
        mock.wait()
