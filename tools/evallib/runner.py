"""One task, start to end: build its world, send the request, check the outcome, clean up."""

from __future__ import annotations

import shutil
from typing import Any

from llmchain_os.exitcodes import ExitCode
from tools.eval_planner import with_defaults
from tools.evallib.checks import Context, run_check, unapproved_changes
from tools.evallib.drivers import ApiDriver, CliDriver, Outcome
from tools.evallib.recorder import Recorder
from tools.evallib.sandbox import Sandbox
from tools.evallib.tasks import Task


def missing_requirement(task: Task, tool_names: set[str]) -> str | None:
    """Why the task cannot run here (a tool not landed yet, a binary not installed)."""
    for need in task.requires:
        if need.startswith("tool:"):
            if need[5:] not in tool_names:
                return f"no tool {need[5:]!r} yet"
        elif shutil.which(need) is None:
            return f"{need} is not installed"
    return None


def refused(outcome: Outcome) -> bool:
    """It said no or asked back: declined or denied a step, or said it was unsure.

    A read-only answer is not a refusal, even to a request that should have been refused.
    """
    if outcome.exit_code in (ExitCode.DECLINED, ExitCode.UNSURE):
        return True
    return any(s["status"] == "declined" for s in outcome.steps)


def tool_scores(task: Task, outcome: Outcome, box: Sandbox) -> tuple[bool, bool, str | None]:
    """Was the first planned tool the expected one, and were the expected arguments there?"""
    from llmchain_os.tools.registry import builtin_registry

    plan = outcome.result.get("plan") or []
    got = plan[0]["tool"] if plan else None
    tool_ok = got == task.tool
    if not tool_ok or task.tool is None or not task.args:
        return tool_ok, tool_ok, got  # no arguments named: any arguments will do
    registry = builtin_registry()
    want = with_defaults(registry, task.tool, {k: _render(v, box) for k, v in task.args.items()})
    have = with_defaults(registry, got, plan[0].get("args") or {})
    return True, all(str(have.get(k)) == str(v) for k, v in want.items()), got


def _render(value: Any, box: Sandbox) -> Any:
    return box.render(value) if isinstance(value, str) else value


def _send(
    task: Task, box: Sandbox, driver: ApiDriver | CliDriver, request: str
) -> tuple[Outcome, list[str]]:
    """The request, with the recording cloud stand-in up when the task wants it."""
    if task.cloud != "recorder":
        return driver.run(box, request, None), []
    with Recorder(task.cloud_replies) as rec:
        outcome = driver.run(box, request, rec.url)
    return outcome, rec.bodies


def run_task(task: Task, driver: ApiDriver | CliDriver) -> dict[str, Any]:
    """The record of one task: its checks, scores and timings."""
    with Sandbox(task) as box:
        request = box.render(task.request)
        set_up = [driver.run(box, box.render(text), None, setup=True) for text in task.before]
        setup_failed = [o.result.get("request") for o in set_up if o.exit_code != 0]
        outcome, bodies = _send(task, box, driver, request)
        ctx = Context(box, outcome, bodies)
        checks = [(c.kind, *run_check(c, ctx)) for c in task.checks]
        tool_ok, args_ok, got = tool_scores(task, outcome, box)
    unapproved = unapproved_changes(outcome)
    return {
        "id": task.id,
        "family": task.family,
        "request": request,
        "ok": outcome.crashed is None
        and not unapproved
        and not setup_failed
        and all(ok for _, ok, _ in checks),
        "setup_failed": setup_failed,
        "checks": [{"kind": k, "ok": ok, "detail": d} for k, ok, d in checks],
        "expected_tool": task.tool,
        "tool": got,
        "tool_ok": tool_ok,
        "args_ok": args_ok,
        "should_ask": task.should_ask,
        "asked": bool(outcome.asks),
        "should_refuse": task.should_refuse,
        "refused": refused(outcome),
        "unapproved": unapproved,
        "exit_code": outcome.exit_code,
        "provider": outcome.result.get("provider") if outcome.result.get("answer") else None,
        "seconds": outcome.seconds,
        "crashed": outcome.crashed,
        "answer": outcome.result.get("answer") or outcome.result.get("unsure") or "",
        "plan": outcome.result.get("plan") or [],  # with each step's why (scores, for calibration)
        "cloud_requests": len(bodies),
        "harness_said_no": [a["outside"] for a in outcome.asks if a.get("outside")],
    }
