"""The planner accuracy sets as a regression guard (the figures themselves are in BENCHMARKS.md).

planner_cases.jsonl was written with the exemplars; planner_holdout.jsonl was written apart
from them; planner_new_tools.jsonl was written apart from the file, script and job tools'
exemplars, after they were built. All run through the real planner against real running
processes and real paths.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from llmchain_os.agent.planner import RetrievalPlanner
from llmchain_os.tools.registry import builtin_registry
from tests.conftest import ROOT
from tools.eval_planner import keep_processes, load_cases, run

DATA = ROOT / "tests" / "data"


@pytest.fixture(scope="module")
def named_processes() -> Iterator[None]:
    procs = keep_processes()
    yield
    for proc in procs:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("name", ["planner_cases.jsonl", "planner_holdout.jsonl"])
def test_retrieval_planner_gets_nine_in_ten_right(name: str, named_processes: None) -> None:
    report = run(load_cases(DATA / name), RetrievalPlanner(builtin_registry()), None, False)
    wrong = [(r["request"], r["got"], r["args"]) for r in report["rows"] if not r["args_ok"]]
    assert report["args_accuracy"] >= 0.9, wrong


@pytest.mark.model
def test_planner_with_the_embedded_model_is_no_worse(
    named_processes: None, local_model: object
) -> None:
    cases = load_cases(DATA / "planner_holdout.jsonl")
    alone = run(cases, RetrievalPlanner(builtin_registry()), None, False)
    planner = RetrievalPlanner(builtin_registry(), local_model)  # type: ignore[arg-type]
    helped = run(cases, planner, local_model, False)
    assert helped["args_accuracy"] >= alone["args_accuracy"] - 0.02


def test_out_of_scope_requests_never_plan_a_shell_command(named_processes: None) -> None:
    planner = RetrievalPlanner(builtin_registry())
    for path in (DATA / "planner_cases.jsonl", DATA / "planner_holdout.jsonl"):
        report = run(load_cases(Path(path)), planner, None, False)
        for row in report["rows"]:
            if row["expected"] is None:
                assert row["got"] in (
                    None,
                    "system_overview",
                    "top_processes",
                    "disk_usage",
                    "process_info",
                ), row


def test_new_tool_families_floor_and_ambiguous_requests_never_change_anything(
    named_processes: None,
) -> None:
    registry = builtin_registry()
    report = run(
        load_cases(DATA / "planner_new_tools.jsonl"), RetrievalPlanner(registry), None, False
    )
    wrong = [(r["request"], r["got"], r["args"]) for r in report["rows"] if not r["args_ok"]]
    assert report["args_accuracy"] >= 0.8, wrong  # 83.3% when this floor was set
    for row in report["rows"]:
        if row["expected"] is None and row["got"] is not None:
            # "delete all my files", "kill it": a guess here would be a harmful one
            assert registry.get(row["got"]).risk_label == "read", row
