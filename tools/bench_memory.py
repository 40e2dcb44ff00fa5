"""Memory figures: chromadb's import time, insert rate, and recall latency (top 5).

    OMP_NUM_THREADS=1 PYTHONPATH=. python tools/bench_memory.py [--entries 10000] [--queries 50]

Runs on a fresh store in a temporary folder with the real MiniLM model. History-like entries
are built from a vocabulary so that they are varied, as real requests are. Insert time
includes embedding; query time is one query embedded plus the top 5 of each of the three
collections (what ``llmos memory search`` and the recall tool do), and the plan-cache lookup
(``similar_successes``) separately.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VERBS = "show list check restart stop find delete compress backup count watch tail".split()
THINGS = (
    "nginx logs disk space processes memory files ports services users cron jobs certificates "
    "docker containers postgres backups packages kernel messages temp folder downloads"
).split()
PLACES = "/var/log /tmp /srv /home /etc /opt ~/Downloads /mnt/nas /data /backup".split()


def import_seconds() -> float:
    code = "import time; t = time.perf_counter(); import chromadb; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout)


def request(rng: random.Random, i: int) -> str:
    return f"{rng.choice(VERBS)} {rng.choice(THINGS)} in {rng.choice(PLACES)} ({i % 97})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=50)
    opts = parser.parse_args()
    print(f"chromadb import: {min(import_seconds() for _ in range(3)):.2f} s (best of 3)")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_DATA_HOME"] = tmp
        run(opts.entries, opts.queries, Path(tmp))


def run(entries: int, queries: int, folder: Path) -> None:
    from llmchain_os.memory import manage
    from llmchain_os.memory.plans import similar_successes
    from llmchain_os.memory.recall import recall
    from llmchain_os.memory.records import Entry, Kind
    from llmchain_os.memory.store import MemoryStore, memory_dir

    rng = random.Random(7)
    store = MemoryStore(memory_dir(), history_limit=entries + 10)
    start = time.perf_counter()
    store.open()
    print(f"open (first, creates the store): {time.perf_counter() - start:.2f} s")
    manage.remember(store, "the backup host is 10.0.0.5")
    batch = [
        Entry(f"h-{i}", Kind.HISTORY, request(rng, i), {"ts": float(i), "success": True})
        for i in range(entries)
    ]
    start = time.perf_counter()
    store.upsert(batch)
    took = time.perf_counter() - start
    print(f"insert {entries} history entries: {took:.1f} s, {entries / took:.0f} entries/s")
    texts = [request(rng, i) for i in range(queries)]
    recall(store, "warm up")
    times = []
    for text in texts:
        start = time.perf_counter()
        recall(store, text, k=5)
        times.append(time.perf_counter() - start)
    report("recall top 5 (3 collections)", times)
    times = []
    for text in texts:
        start = time.perf_counter()
        similar_successes(text, k=5, store=store)
        times.append(time.perf_counter() - start)
    report("similar_successes (plan cache)", times)
    assert recall(store, "what is the backup host")[0].entry.kind is Kind.NOTE
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    print(f"on disk: {size / 1e6:.1f} MB for {entries + 1} entries")
    store.close()


def report(what: str, times: list[float]) -> None:
    ms = sorted(t * 1000 for t in times)
    p95 = ms[int(0.95 * (len(ms) - 1))]
    print(f"{what}: median {statistics.median(ms):.1f} ms, p95 {p95:.1f} ms over {len(ms)}")


if __name__ == "__main__":
    main()
