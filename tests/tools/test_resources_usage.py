"""memory_breakdown and cpu_usage read this machine; a CPU burner this test starts shows up in
the per-core sample. Both are planned from plain requests without stealing the overview's."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator

import psutil
import pytest

from llmchain_os.agent.planner import RetrievalPlanner
from llmchain_os.agent.request import Request
from llmchain_os.errors import ToolError
from llmchain_os.reading.world import FixedWorld
from llmchain_os.tools.registry import builtin_registry
from llmchain_os.tools.usage import CpuUsage, MemoryBreakdown, cpu_usage, memory_breakdown


@pytest.fixture
def burner() -> Iterator[None]:
    proc = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    yield
    proc.kill()
    proc.wait()


def test_memory_is_broken_down_into_parts_that_add_up() -> None:
    out = memory_breakdown.call(memory_breakdown.parse_args({}))

    assert isinstance(out, MemoryBreakdown)
    parts = {r.part: r.bytes for r in out.rows}
    assert out.used + out.available == out.total == psutil.virtual_memory().total
    assert {"used", "cache", "buffers", "available"} <= set(parts)
    assert out.summary().startswith("Of ") and "available" in out.summary()
    assert out.table().rows[0][0] == "used"


def test_a_cpu_burner_shows_on_some_core_over_the_stated_sample(burner: None) -> None:
    out = cpu_usage.call(cpu_usage.parse_args({"sample_s": 1.0}))

    assert isinstance(out, CpuUsage)
    assert len(out.cores) == psutil.cpu_count()
    assert max(c.percent for c in out.cores) >= 25  # a busy loop: loose, the machine is shared
    assert out.summary().startswith(f"Over a 1 s sample, the {len(out.cores)} cores were")
    assert "load average" in out.summary()


def test_a_sample_too_long_is_one_clear_line() -> None:
    with pytest.raises(ToolError, match="bad sample_s"):
        cpu_usage.parse_args({"sample_s": 60})


@pytest.mark.parametrize(
    ("text", "tool", "args"),
    [
        ("break down the memory usage", "memory_breakdown", {}),
        ("how much memory is cache and buffers", "memory_breakdown", {}),
        ("cpu usage per core", "cpu_usage", {}),
        ("how busy is each core over 3 seconds", "cpu_usage", {"sample_s": 3.0}),
        ("how much memory is free", "system_overview", {}),
        ("how many cpu cores do I have", "system_overview", {}),
        ("mem?", "system_overview", {}),
    ],
)
def test_plain_requests_plan_the_usage_tools(text: str, tool: str, args: dict[str, object]) -> None:
    outcome = RetrievalPlanner(builtin_registry(), world=FixedWorld()).plan(Request(text))
    assert outcome.plan is not None, outcome.unsure
    assert (outcome.plan.steps[0].tool, outcome.plan.steps[0].args) == (tool, args)
