"""Planner accuracy: how often the planner picks the right tool and the right arguments.

    python tools/eval_planner.py                       # retrieval + the embedded model
    python tools/eval_planner.py --no-model            # retrieval and extraction alone
    python tools/eval_planner.py --model-only          # the model picks among all tools
    python tools/eval_planner.py --model PATH.gguf     # another GGUF
    python tools/eval_planner.py --cases tests/data/planner_holdout.jsonl --json out.json

A case is right when the first planned step has the expected tool (null: the planner must be
unsure) and every expected argument, defaults filled on both sides. The set keeps a `sleep`
and a `python3` process running, since cases name them.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from llmchain_os.agent.planner import RetrievalPlanner  # noqa: E402
from llmchain_os.agent.request import Request  # noqa: E402
from llmchain_os.errors import ToolError  # noqa: E402
from llmchain_os.tools.registry import ToolRegistry, builtin_registry  # noqa: E402


def load_cases(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def keep_processes() -> list[subprocess.Popen[bytes]]:
    """Processes the cases name: `sleep`, and one whose name is `python3`."""
    py3 = subprocess.run(["bash", "-c", "command -v python3"], capture_output=True, text=True)
    return [
        subprocess.Popen(["sleep", "600"]),
        subprocess.Popen([py3.stdout.strip() or "python3", "-c", "import time; time.sleep(600)"]),
    ]


def with_defaults(registry: ToolRegistry, tool: str | None, args: dict[str, Any]) -> dict[str, Any]:
    if tool is None or tool not in registry:
        return args
    item = registry.get(tool)
    try:  # as the tool will see them: "500MB" and 500000000 are the same argument
        return item.parse_args(args).model_dump()
    except ToolError:  # e.g. a path that does not exist here: compare as written
        fields = item.args_model.model_fields
        return {**{n: f.default for n, f in fields.items() if not f.is_required()}, **args}


def model_only(model: Any, registry: ToolRegistry, text: str) -> tuple[str | None, dict[str, Any]]:
    """The baseline the design rejects: the model picks the tool and its arguments itself."""
    from langchain_core.messages import HumanMessage

    reply = model.bind_tools(registry.as_langchain()).invoke([HumanMessage(text)])
    if reply.tool_calls:
        return reply.tool_calls[0]["name"], reply.tool_calls[0]["args"]
    return None, {}


def run(
    cases: list[dict[str, Any]], planner: RetrievalPlanner, model: Any, baseline: bool
) -> dict[str, Any]:
    registry = planner.registry
    rows = []
    for case in cases:
        start = time.perf_counter()
        if baseline:
            tool, args = model_only(model, registry, case["request"])
        else:
            outcome = planner.plan(Request(case["request"]))
            step = outcome.plan.steps[0] if outcome.plan else None
            tool, args = (step.tool, step.args) if step else (None, {})
        elapsed = time.perf_counter() - start
        tool_ok = tool == case["tool"]
        want = with_defaults(registry, case["tool"], case["args"] or {})
        got = with_defaults(registry, tool, args)
        # "args": null in a case: the arguments are not the point (a drafted script's text).
        args_ok = tool_ok and (
            case["args"] is None or all(got.get(k) == v for k, v in want.items())
        )
        rows.append(
            {
                "request": case["request"],
                "expected": case["tool"],
                "got": tool,
                "args": args,
                "tool_ok": tool_ok,
                "args_ok": args_ok,
                "seconds": elapsed,
            }
        )
    n = len(rows)
    times = sorted(r["seconds"] for r in rows)
    return {
        "cases": n,
        "tool_accuracy": sum(r["tool_ok"] for r in rows) / n,
        "args_accuracy": sum(r["args_ok"] for r in rows) / n,
        "median_s": times[n // 2],
        "p90_s": times[int(n * 0.9)],
        "rows": rows,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=ROOT / "tests/data/planner_cases.jsonl")
    parser.add_argument("--model", help="a GGUF path (default: the embedded model)")
    parser.add_argument("--no-model", action="store_true", help="retrieval and extraction only")
    parser.add_argument("--model-only", action="store_true", help="model tool calls only")
    parser.add_argument("--json", type=Path, help="write the full report here")
    parser.add_argument("--failures", action="store_true", help="list the cases it got wrong")
    opts = parser.parse_args()

    from llmchain_os.config import load_settings
    from llmchain_os.llm import get_local_model

    os.environ.setdefault("OMP_NUM_THREADS", "1")
    model = None
    if not opts.no_model:
        model = get_local_model(load_settings({"model_path": opts.model}))
        model.load()
    registry = builtin_registry()
    planner = RetrievalPlanner(registry, model)
    procs = keep_processes()
    try:
        report = run(load_cases(opts.cases), planner, model, opts.model_only)
    finally:
        for proc in procs:
            proc.kill()
    mode = (
        "model-only" if opts.model_only else ("retrieval" if opts.no_model else "retrieval+model")
    )
    report["mode"], report["model"] = mode, getattr(model, "model_name", None)
    print(
        f"{mode:16} model={report['model']}  cases={report['cases']}  "
        f"tool={report['tool_accuracy']:.1%}  tool+args={report['args_accuracy']:.1%}  "
        f"median={report['median_s'] * 1000:.0f} ms  p90={report['p90_s'] * 1000:.0f} ms"
    )
    if opts.failures:
        for row in report["rows"]:
            if not row["args_ok"]:
                print(
                    f"  want {row['expected']!s:16} got {row['got']!s:16} {row['args']} "
                    f"{row['request']!r}"
                )
    if opts.json:
        opts.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
