"""How long the command classifier takes: every line of the corpus, judged N times.

    python tools/bench_classifier.py [--runs 5]

Prints the number of commands and the median, p90 and worst time per command in
milliseconds (the best of the runs for each line, so a busy moment does not count), and how
many lines took bash's own `bash -n` check (the parser's fallback).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from llmchain_os.safety.commands import classify_command  # noqa: E402

CORPUS = ROOT / "tests" / "data" / "command_corpus.tsv"


def load_commands() -> list[str]:
    rows = [line.split("\t", 2) for line in CORPUS.read_text().splitlines()]
    return [row[2] for row in rows if len(row) == 3 and not row[0].startswith("#")]


def best_times(commands: list[str], runs: int) -> list[float]:
    classify_command("ls")  # the parser's import is lazy: keep it out of the figures
    best = [float("inf")] * len(commands)
    for _ in range(runs):
        for i, command in enumerate(commands):
            start = time.perf_counter()
            classify_command(command)
            best[i] = min(best[i], (time.perf_counter() - start) * 1000)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    opts = parser.parse_args()
    commands = load_commands()
    times = sorted(best_times(commands, opts.runs))
    slow = sum(t > 2.0 for t in times)  # a bash -n run costs milliseconds; a parse does not
    print(
        f"{len(commands)} commands: median {statistics.median(times):.3f} ms, "
        f"p90 {times[int(len(times) * 0.9)]:.3f} ms, worst {times[-1]:.1f} ms; "
        f"{slow} over 2 ms (bash -n fallback or very long lines)"
    )


if __name__ == "__main__":
    main()
