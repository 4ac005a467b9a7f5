"""The Python peer of bench/run.sh: the `dingtalk-sdk` package from PyPI (AppKeyClient),
calling the same getsendprogress endpoint of the same loopback server as the Rust contenders.

    bench/.venv/bin/python bench/peer.py BASE_URL CALLS [WARMUP]

Prints one JSON line: {"mode":"seq","contender":"python-dingtalk-sdk","calls":N,
"wall_ns":...,"cpu_ns":...,"token_fetches":...}. CPU is this process's user + sys time over
the measured loop (getrusage RUSAGE_SELF), so interpreter start-up and imports are left out,
as the Rust runner leaves out its own start-up.

The SDK's corpconversation helpers go through the TOP gateway (eco.taobao.com), which the
bench server does not speak, so the call is made the way its docs show for any oapi path:
`client.post('/topapi/...', data={...})`, which adds the cached access token (fetched from
`GET /gettoken` on the same server) and checks `errcode` like the helpers do.
"""

import json
import resource
import sys
import time

from dingtalk.client import AppKeyClient

PATH = "/topapi/message/corpconversation/getsendprogress"
AGENT_ID = 836390886
TASK_ID = 256271667526


def cpu_ns():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return int((r.ru_utime + r.ru_stime) * 1e9)


def main():
    base = sys.argv[1].rstrip("/") + "/"
    calls = int(sys.argv[2])
    warmup = int(sys.argv[3]) if len(sys.argv) > 3 else max(calls // 20, 10)

    class BenchClient(AppKeyClient):
        # The SDK hard-codes https://oapi.dingtalk.com/; every path, /gettoken included,
        # is joined onto this.
        API_BASE_URL = base

    client = BenchClient("dingbenchcorp", "dingbench0appkey0x", "bench-app-secret-0123456789abcdefghijklmnop")

    fetches = 0
    original = client.get_access_token

    def counted():
        nonlocal fetches
        fetches += 1
        return original()

    client.get_access_token = counted

    def call():
        result = client.post(PATH, data={"agent_id": AGENT_ID, "task_id": TASK_ID})
        # Read the answer as a caller would.
        if result["progress"]["status"] != 2:
            raise SystemExit("unexpected answer: %r" % (result,))

    for _ in range(warmup):
        call()
    if client.access_token != "bE74d9c0a1b2c3d4e5f60718293a4b5c":
        raise SystemExit("the token did not come from the bench server")

    c0 = cpu_ns()
    t0 = time.perf_counter_ns()
    for _ in range(calls):
        call()
    wall = time.perf_counter_ns() - t0
    cpu = cpu_ns() - c0
    print(json.dumps({
        "mode": "seq",
        "contender": "python-dingtalk-sdk",
        "calls": calls,
        "wall_ns": wall,
        "cpu_ns": cpu,
        "token_fetches": fetches,
    }))


if __name__ == "__main__":
    main()
