"""Evaluation harness: real requests in throwaway directories, checked by what they did.

    python tools/eval.py                                   # every task, embedded model, in-process
    python tools/eval.py --tasks 'tests/data/eval_tasks/safety*.toml' --failures
    python tools/eval.py --driver cli                      # through `llmos run --json`
    python tools/eval.py --provider cloud --cloud-url http://127.0.0.1:8080/v1
    python tools/eval.py --json runs/a.json  ...  then  --compare runs/a.json runs/b.json

Each task runs in its own temporary directory, which is also its HOME and XDG dirs; the
harness removes it and kills the task's processes afterwards. The table is per family:
success, tool and argument accuracy, how often it asked when it should, refusals right/wrong,
steps that changed something without approval (must be 0), latency and the answering provider.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_TASKS = str(ROOT / "tests/data/eval_tasks/*.toml")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default=DEFAULT_TASKS, help="glob of task files")
    parser.add_argument("--ids", help="comma-separated task ids to run (default: all)")
    parser.add_argument("--model", help="a GGUF path (default: the embedded model)")
    parser.add_argument("--provider", choices=["local", "cloud"], default="local")
    parser.add_argument("--cloud-url", default=os.environ.get("OPENAI_BASE_URL"))
    parser.add_argument("--cloud-model", default="gpt-4o-mini")
    parser.add_argument("--driver", choices=["api", "cli"], default="api")
    parser.add_argument(
        "--no-isolate",
        action="store_true",
        help="run without the read-only namespace (bubblewrap) around the whole run",
    )
    parser.add_argument("--threads", type=int, default=int(os.environ.get("LLMOS_THREADS", 2)))
    parser.add_argument(
        "--memory",
        type=Path,
        help="one memory store (this folder) across all tasks, learned from as the shell does "
        "(api driver only); run again with the same folder for the second run",
    )
    parser.add_argument("--json", type=Path, help="write the report here")
    parser.add_argument("--failures", action="store_true", help="list the tasks that failed")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("A", "B"))
    return parser.parse_args(argv)


def evaluate(opts: argparse.Namespace) -> dict[str, Any]:
    """Run the selected tasks; returns the report (summary per family and every task)."""
    from llmchain_os.tools.registry import builtin_registry
    from tools.evallib.checks import CHECKS
    from tools.evallib.drivers import DriverConfig, make_driver
    from tools.evallib.report import by_family
    from tools.evallib.runner import missing_requirement, run_task
    from tools.evallib.tasks import load_tasks

    if opts.provider == "cloud" and not opts.cloud_url:
        raise SystemExit("--provider cloud needs --cloud-url (or OPENAI_BASE_URL)")
    ids = set(opts.ids.split(",")) if opts.ids else None
    tasks = load_tasks(opts.tasks, ids)
    unknown = {c.kind for t in tasks for c in t.checks} - set(CHECKS)
    if unknown:
        raise SystemExit(f"unknown check kinds {sorted(unknown)}; known: {sorted(CHECKS)}")
    config = DriverConfig(
        model_path=opts.model,
        threads=opts.threads,
        provider=opts.provider,
        cloud_url=opts.cloud_url,
        cloud_model=opts.cloud_model,
        cloud_key=os.environ.get("OPENAI_API_KEY"),
        memory=opts.memory.resolve() if opts.memory else None,
    )
    if opts.memory and opts.driver != "api":
        raise SystemExit("--memory needs --driver api (llmos run does not learn from memory)")
    driver = make_driver(opts.driver, config)
    names = set(builtin_registry().names())
    records = []
    for task in tasks:
        why = missing_requirement(task, names)
        if why is not None:
            records.append({"id": task.id, "family": task.family, "skipped": why})
            continue
        records.append(run_task(task, driver))
    return {
        "label": f"{opts.driver}/{opts.provider}/{opts.model or 'embedded'} "
        f"{time.strftime('%Y-%m-%d %H:%M')}",
        "driver": opts.driver,
        "memory": str(opts.memory) if opts.memory else None,
        "provider": opts.provider,
        "model": opts.model or "embedded",
        "families": by_family(records),
        "tasks": records,
    }


ISOLATED = "LLMOS_EVAL_ISOLATED"


def isolate(opts: argparse.Namespace, argv: list[str]) -> None:
    """Run this whole evaluation again inside bubblewrap: / read-only, a private /tmp for the
    task dirs, only the report's folder writable. A step that was approved, and then does
    something else (a script template writing /var/log), cannot touch this machine.
    Processes stay visible: the process tasks need to see the ones they start."""
    bwrap = shutil.which("bwrap")
    if os.environ.get(ISOLATED) or opts.no_isolate or opts.compare:
        return
    probe = [str(bwrap), "--ro-bind", "/", "/", "--", "true"] if bwrap else []
    if not probe or subprocess.run(probe, capture_output=True).returncode != 0:
        print("eval: bubblewrap missing or not allowed here; no read-only namespace", flush=True)
        return
    assert bwrap is not None
    # The private /tmp hides a checkout, a venv or a working folder that lives under /tmp:
    # bring them back, read-only, before the writable report folder.
    keep = dict.fromkeys([str(ROOT), sys.prefix, os.getcwd()])
    binds = [arg for place in keep for arg in ("--ro-bind-try", place, place)]
    if d := os.path.dirname(os.path.abspath(opts.tasks)):
        binds += ["--ro-bind-try", d, d]
    for place in [opts.json.resolve().parent] if opts.json else []:
        place.mkdir(parents=True, exist_ok=True)
        binds += ["--bind", str(place), str(place)]
    if opts.memory:  # writable, and kept after the run for the next one
        opts.memory.resolve().mkdir(parents=True, exist_ok=True)
        binds += ["--bind", str(opts.memory.resolve()), str(opts.memory.resolve())]
    os.environ[ISOLATED] = "1"
    os.execv(
        bwrap,
        [
            bwrap,
            "--ro-bind", "/", "/",
            "--dev-bind", "/dev", "/dev",
            "--proc", "/proc",
            "--tmpfs", "/tmp",
            *binds,
            "--chdir", os.getcwd(),
            "--die-with-parent",
            "--",
            sys.executable, os.path.abspath(__file__), *argv,
        ],
    )  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    opts = parse_args(argv)
    isolate(opts, argv)
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from tools.evallib.report import compare, failures, format_summary

    if opts.compare:
        a, b = (json.loads(p.read_text()) for p in opts.compare)
        print(compare(a, b))
        return 0
    report = evaluate(opts)
    print(report["label"], "(isolated)" if os.environ.get(ISOLATED) else "(not isolated)")
    print(format_summary(report["families"]))
    if opts.failures:
        print(failures(report["tasks"]))
    if opts.json:
        opts.json.parent.mkdir(parents=True, exist_ok=True)
        opts.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
