"""system_overview and disk_usage, through the registry, checked against psutil on this machine."""

from __future__ import annotations

import os
import time
from pathlib import Path

import psutil
import pytest

from llmchain_os.errors import ToolError
from llmchain_os.tools.registry import builtin_registry
from llmchain_os.tools.units import human_bytes


def run(tool_name: str, /, **raw: object):
    tool = builtin_registry().get(tool_name)
    return tool.call(tool.parse_args(raw))


def used_tolerance(total: int) -> int:
    """Other programs write to the disk between two readings: allow 1% of it to change."""
    return total // 100


# -- disk_usage ---------------------------------------------------------------------------


def test_disk_usage_of_root_matches_psutil() -> None:
    result = run("disk_usage", path="/")
    expected = psutil.disk_usage("/")

    assert result.path == "/"
    assert result.mountpoint == "/"
    assert result.total == expected.total
    assert abs(result.used - expected.used) <= used_tolerance(expected.total)
    assert abs(result.free - expected.free) <= used_tolerance(expected.total)
    assert 0 <= result.percent <= 100


def test_disk_usage_of_a_directory_reports_the_filesystem_holding_it(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    result = run("disk_usage", path=str(tmp_path / "sub"))
    expected = psutil.disk_usage(str(tmp_path))

    assert result.path == str((tmp_path / "sub").resolve())
    assert result.total == expected.total
    assert abs(result.used - expected.used) <= used_tolerance(expected.total)
    # The mount point it names is the one that holds the directory (same device).
    assert os.stat(result.mountpoint).st_dev == os.stat(tmp_path).st_dev
    assert Path(result.mountpoint) in (tmp_path.resolve(), *tmp_path.resolve().parents)


@pytest.mark.skipif(not os.path.ismount("/dev/shm"), reason="needs /dev/shm as its own mount")
def test_disk_usage_names_the_innermost_mount_point() -> None:
    result = run("disk_usage", path="/dev/shm")

    assert result.mountpoint == "/dev/shm"
    assert result.total == psutil.disk_usage("/dev/shm").total


def test_disk_usage_expands_tilde_to_the_home_directory() -> None:
    result = run("disk_usage", path="~")

    assert result.path == str(Path.home().resolve())
    assert result.total == psutil.disk_usage(str(Path.home())).total


def test_disk_usage_defaults_to_root() -> None:
    assert run("disk_usage").path == "/"


def test_disk_usage_of_a_missing_path_raises_tool_error_naming_it(tmp_path: Path) -> None:
    missing = tmp_path / "no" / "such" / "dir"
    with pytest.raises(ToolError) as err:
        run("disk_usage", path=str(missing))
    assert str(missing) in str(err.value)


def test_disk_usage_summary_states_the_percentage_and_sizes() -> None:
    result = run("disk_usage", path="/")
    summary = result.summary()

    assert f"{result.percent:.0f}% full" in summary
    assert human_bytes(result.total) in summary
    assert "/" in summary


def test_disk_usage_table_has_one_row_under_the_documented_columns(tmp_path: Path) -> None:
    table = run("disk_usage", path=str(tmp_path)).table()

    assert table.columns == ["path", "mounted on", "size", "used", "free", "use%"]
    assert len(table.rows) == 1
    assert table.rows[0][0] == str(tmp_path.resolve())
    assert table.rows[0][-1].endswith("%")


def test_disk_usage_rejects_unknown_arguments() -> None:
    with pytest.raises(ToolError, match="disk_usage"):
        builtin_registry().get("disk_usage").parse_args({"path": "/", "depth": 2})


# -- system_overview ----------------------------------------------------------------------


def test_system_overview_matches_psutil() -> None:
    result = run("system_overview")

    assert result.memory_total == psutil.virtual_memory().total
    assert result.cpu_count == psutil.cpu_count()
    assert result.swap_total == psutil.swap_memory().total
    assert result.memory_used + result.memory_available == result.memory_total


def test_system_overview_values_are_in_range() -> None:
    result = run("system_overview")

    assert 0 <= result.cpu_percent <= 100
    assert 0 <= result.memory_percent <= 100
    assert 0 <= result.swap_percent <= 100
    assert min(result.load_1m, result.load_5m, result.load_15m) >= 0
    assert 0 < result.memory_available <= result.memory_total


def test_system_overview_uptime_is_positive_and_counts_from_boot() -> None:
    before = time.time() - psutil.boot_time()
    result = run("system_overview")
    after = time.time() - psutil.boot_time()

    assert result.uptime_seconds > 0
    assert before <= result.uptime_seconds <= after


def test_system_overview_summary_and_table_state_the_memory() -> None:
    result = run("system_overview")

    assert human_bytes(result.memory_total) in result.summary()
    assert f"{result.cpu_count} cores" in result.summary()
    import time

    import psutil

    booted = time.strftime("%Y-%m-%d %H:%M", time.localtime(psutil.boot_time()))
    assert f"(since {booted})" in result.summary()
    table = result.table()
    assert [row[0] for row in table.rows] == [
        "uptime",
        "booted",
        "cpu",
        "load (1/5/15 min)",
        "memory",
        "swap",
    ]
