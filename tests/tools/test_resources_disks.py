"""disks against df and df -i run by this test on the same machine, and I/O rates while this
test writes to the disk; planned from plain requests."""

from __future__ import annotations

import os
import subprocess
import threading
from pathlib import Path

import pytest

from llmchain_os.agent.planner import RetrievalPlanner
from llmchain_os.agent.request import Request
from llmchain_os.errors import ToolError
from llmchain_os.reading.world import FixedWorld
from llmchain_os.tools.disks import Disks, disks
from llmchain_os.tools.registry import builtin_registry


def _df(*flags: str) -> dict[str, list[str]]:
    """df's rows by mount point (-P: one line each, sizes in 1024-byte blocks)."""
    out = subprocess.run(["df", "-P", *flags], capture_output=True, text=True, check=True).stdout
    rows = [line.split() for line in out.splitlines()[1:]]
    return {r[-1]: r for r in rows if len(r) >= 6}


def _disks(**args: object) -> Disks:
    out = disks.call(disks.parse_args(args))
    assert isinstance(out, Disks)
    return out


def test_the_filesystems_are_dfs_with_the_same_sizes_and_inodes() -> None:
    out = _disks(sample_s=0.1)
    space, inodes = _df(), _df("-i")

    mine = {f.mountpoint: f for f in out.filesystems}
    assert set(mine) == set(space)
    for mount, row in space.items():
        fs = mine[mount]
        blocks, used, avail, pct = int(row[1]), int(row[2]), int(row[3]), row[4]
        assert fs.total // 1024 == blocks
        assert abs(fs.used // 1024 - used) <= 64 * 1024  # others write meanwhile: 64 MiB
        assert abs(fs.available // 1024 - avail) <= 64 * 1024
        if abs(fs.used // 1024 - used) < 1024:
            assert f"{fs.percent}%" == pct
        irow = inodes[mount]
        if irow[1] != "-":
            assert fs.inodes == int(irow[1])
            assert abs(fs.inodes_used - int(irow[2])) <= 1000


def test_io_rates_show_the_writes_this_test_makes(tmp_path: Path) -> None:
    stop = threading.Event()

    def write() -> None:
        block = os.urandom(1 << 20)
        with (tmp_path / "churn").open("wb") as f:
            while not stop.is_set():
                f.seek(0)
                for _ in range(8):
                    f.write(block)
                f.flush()
                os.fsync(f.fileno())

    writer = threading.Thread(target=write)
    writer.start()
    try:
        out = _disks(sample_s=0.5)
    finally:
        stop.set()
        writer.join()

    assert max(r.write_per_s for r in out.rates) > 1 << 20, out.rates
    assert max(r.writes_per_s for r in out.rates) > 0
    assert "Over a 0.5 s sample the busiest disk" in out.summary()


def test_the_summary_names_the_fullest_and_the_table_has_each_filesystem() -> None:
    out = _disks(sample_s=0.1)
    fullest = max(out.filesystems, key=lambda f: f.percent)
    assert out.summary().startswith(
        f"{len(out.filesystems)} filesystems; the fullest is {fullest.mountpoint} at "
        f"{fullest.percent}%"
    )
    assert [r[0] for r in out.table().rows[: len(out.filesystems)]] == [
        f.mountpoint for f in out.filesystems
    ]


def test_a_long_sample_is_one_clear_line() -> None:
    with pytest.raises(ToolError, match="bad sample_s"):
        disks.parse_args({"sample_s": 60})


@pytest.mark.parametrize(
    ("text", "tool"),
    [
        ("show disk partitions", "disks"),
        ("list the mounted filesystems", "disks"),
        ("how many inodes are left", "disks"),
        ("disk io rates", "disks"),
        ("how busy are the disks", "disks"),
        ("list all disks", "disks"),
        ("how full is my disk", "disk_usage"),
        ("free space on /tmp", "disk_usage"),
    ],
)
def test_plain_requests_plan_the_disks_tool(text: str, tool: str) -> None:
    outcome = RetrievalPlanner(builtin_registry(), world=FixedWorld()).plan(Request(text))
    assert outcome.plan is not None, outcome.unsure
    assert outcome.plan.steps[0].tool == tool
