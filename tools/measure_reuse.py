"""Where the plan cache's line (``agent.learned.REUSE``) sits: every pair of eval requests,
their cosine (as the plan cache reads them: operands as slots, ``learned.shape``) against
whether the planner (retrieval and cards, no model) plans them to the same tools.

    OMP_NUM_THREADS=1 PYTHONPATH=. python tools/measure_reuse.py [--tasks GLOB]

A pair above the line whose tools differ is a request that a reused plan would answer with
another request's tools: the line must sit above every such pair that is not the same
request reworded. Prints, for each candidate line, the pairs at or above it with the same
and with different tools, and the closest differing pairs.
"""

from __future__ import annotations

import argparse
import glob
import os
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINES = (0.80, 0.85, 0.88, 0.90, 0.92, 0.93, 0.95, 0.97)


def requests(pattern: str) -> list[str]:
    found: list[str] = []
    for path in sorted(glob.glob(pattern)):
        with open(path, "rb") as fh:
            found += [t["request"] for t in tomllib.load(fh).get("task", []) if "request" in t]
    return list(dict.fromkeys(found))


def planned(texts: list[str]) -> dict[str, tuple[str, ...]]:
    """Each request's tools as the planner chooses them (unsure ones left out)."""
    from llmchain_os.agent.request import Request
    from llmchain_os.api import Session

    planner = Session().planner()
    planner._model, planner._load_model = None, None  # retrieval and cards only
    out: dict[str, tuple[str, ...]] = {}
    for text in texts:
        try:
            plan = planner.plan(Request(text=text)).plan
        except Exception:  # a request this planner cannot read is left out, as unsure
            continue
        if plan is not None and not plan.guess:
            out[text] = tuple(s.tool for s in plan.steps)
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tasks", default=str(ROOT / "tests/data/eval_tasks/*.toml"))
    opts = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.path.insert(0, str(ROOT))
    from llmchain_os.agent.learned import shape
    from llmchain_os.knowledge.embed import shared_embedder

    tools = planned(requests(opts.tasks))
    texts = list(tools)
    vectors = shared_embedder().embed([shape(t) for t in texts])
    sims = vectors @ vectors.T
    pairs = [(float(sims[i, j]), i, j) for i in range(len(texts)) for j in range(i)]
    print(f"{len(texts)} requests planned confidently, {len(pairs)} pairs")
    for line in LINES:
        above = [(s, i, j) for s, i, j in pairs if s >= line]
        differ = [p for p in above if tools[texts[p[1]]] != tools[texts[p[2]]]]
        print(f"line {line:.2f}: {len(above) - len(differ)} same tools, {len(differ)} differ")
    differing = sorted((p for p in pairs if tools[texts[p[1]]] != tools[texts[p[2]]]), reverse=True)
    for s, i, j in differing[:12]:
        a, b = texts[i], texts[j]
        print(f"  {s:.3f} {shape(a)!r} {tools[a]} | {shape(b)!r} {tools[b]}")


if __name__ == "__main__":
    main()
