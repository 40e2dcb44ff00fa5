"""Fan-out latency: one command on 1 host vs 20 hosts (real sshd on loopback), over warm
pooled connections, next to a sequential loop over the same connections.

    PYTHONPATH=. python tools/bench_fanout.py [--hosts 20] [--runs 10] [--command uptime]

Prints the median wall time of each; the first connection of each host is timed apart
(key exchange and auth), since a session pays it once. The budget in DESIGN.md: 20 hosts
within 1.5x of one host's latency.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from llmchain_os.remote.fanout import run_on
from llmchain_os.remote.inventory import Host, Inventory
from llmchain_os.remote.ssh import SSHPool
from tests.remote.sshd import client_key, start_hosts


def median_s(runs: int, action: Callable[[], object]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=20)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--command", default="uptime")
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="llmos-bench-") as tmp:
        root = Path(tmp)
        key, authorized = client_key(root / "user")
        servers = start_hosts([f"h{i:02d}" for i in range(opts.hosts)], root, authorized)
        try:
            known = root / "known_hosts"
            known.write_text("".join(f"{s.known_hosts_line()}\n" for s in servers))
            hosts = [
                Host(name=s.name, address="127.0.0.1", port=s.port, key_file=str(key))
                for s in servers
            ]
            report(Inventory(hosts), known, opts.command, opts.runs)
        finally:
            for server in servers:
                server.stop()
    return 0


def report(inventory: Inventory, known: Path, command: str, runs: int) -> None:
    hosts = list(inventory)
    with SSHPool(inventory, known_hosts=[known]) as pool:
        start = time.perf_counter()
        first = run_on(pool, hosts, command)
        connect_s = time.perf_counter() - start
        assert first.failure() is None, first.summary()
        one = median_s(runs, lambda: run_on(pool, hosts[:1], command))
        many = median_s(runs, lambda: run_on(pool, hosts, command))
        loop = median_s(runs, lambda: [pool.run(h, command) for h in hosts])
        per_cmd = median_s(runs * 5, lambda: pool.run(hosts[0], "true"))
    n = len(hosts)
    print(f"command: {command!r}, {runs} runs each, median wall time, warm pooled connections")
    print(f"first fan-out to {n} hosts (connect + auth + run): {connect_s * 1000:.0f} ms")
    print(f"1 host:                     {one * 1000:7.1f} ms")
    print(f"{n} hosts, fan-out:          {many * 1000:7.1f} ms  ({many / one:.2f}x one host)")
    print(f"{n} hosts, sequential loop:  {loop * 1000:7.1f} ms  ({loop / one:.2f}x one host)")
    print(f"per command on an open connection (`true`): {per_cmd * 1000:.1f} ms")


if __name__ == "__main__":
    raise SystemExit(main())
