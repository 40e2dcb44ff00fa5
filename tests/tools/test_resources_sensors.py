"""sensors on this machine (a VM reporting no temperature sensors, fans or battery: the
answer says so), GPUs through nvidia-smi where it is on PATH, and planning from plain words.
A stand-in nvidia-smi (a script printing what the real one prints) checks the parsing too."""

from __future__ import annotations

import shutil
from pathlib import Path

import psutil
import pytest

from llmchain_os.agent.planner import RetrievalPlanner
from llmchain_os.agent.request import Request
from llmchain_os.reading.world import FixedWorld
from llmchain_os.tools.registry import builtin_registry
from llmchain_os.tools.sensors import Sensors, parse_gpus, sensors

HAS_SENSORS = bool(
    psutil.sensors_temperatures() or psutil.sensors_fans() or psutil.sensors_battery()
)


def _sensors() -> Sensors:
    out = sensors.call(sensors.parse_args({}))
    assert isinstance(out, Sensors)
    return out


@pytest.mark.skipif(HAS_SENSORS, reason="this machine reports sensors")
@pytest.mark.skipif(shutil.which("nvidia-smi") is not None, reason="nvidia-smi is on PATH")
def test_a_machine_without_sensors_says_so_plainly() -> None:
    out = _sensors()

    assert (out.readings, out.battery, out.gpus) == ([], None, [])
    assert out.summary() == (
        "This machine reports no temperature sensors, no fans, no battery and no GPU (no "
        "nvidia-smi on PATH) - a virtual machine or container usually leaves them to its host."
    )
    assert out.table() is None


@pytest.mark.skipif(not HAS_SENSORS, reason="this machine reports no sensors")
def test_the_sensors_this_machine_has_are_read() -> None:
    out = _sensors()
    temps = psutil.sensors_temperatures()
    assert len([r for r in out.readings if r.kind == "temperature"]) == sum(
        map(len, temps.values())
    )


@pytest.mark.skipif(shutil.which("nvidia-smi") is None, reason="no nvidia-smi here")
def test_the_real_gpus_are_listed_with_their_memory() -> None:
    out = _sensors()
    assert out.gpus and out.gpu_note == ""
    assert all(g.memory_total and g.memory_total > 2**30 for g in out.gpus)
    assert f"GPU 0 ({out.gpus[0].name})" in out.summary()


SMI_CSV = "0, NVIDIA H200, 31, 0, 1, 143771, 74.82\n1, NVIDIA H200, 29, [N/A], 0, 143771, [N/A]\n"


def test_a_stand_in_nvidia_smi_on_path_is_parsed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    smi = tmp_path / "nvidia-smi"
    smi.write_text(f"#!/bin/sh\nprintf '{SMI_CSV}'\n".replace("\n'", "\\n'"))
    smi.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")

    out = _sensors()

    assert [(g.index, g.temperature, g.utilization) for g in out.gpus] == [
        (0, 31.0, 0.0),
        (1, 29.0, None),
    ]
    assert out.gpus[0].memory_total == 143771 * 2**20 and out.gpus[1].power_w is None
    assert "GPU 0 (NVIDIA H200) 31°C, 0% busy" in out.summary()


def test_a_failing_nvidia_smi_is_said_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    smi = tmp_path / "nvidia-smi"
    smi.write_text(
        "#!/bin/sh\necho 'NVIDIA-SMI has failed because it could not communicate' >&2\nexit 9\n"
    )
    smi.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}:/usr/bin:/bin")

    out = _sensors()

    assert out.gpus == [] and out.gpu_note.startswith("nvidia-smi failed: NVIDIA-SMI has failed")


def test_rows_that_are_not_gpus_are_skipped() -> None:
    assert parse_gpus("No devices were found\n") == []


@pytest.mark.parametrize(
    "text",
    ["cpu temperature", "how hot is the cpu", "is the machine overheating", "fan speeds",
     "battery level", "show the gpus", "how much vram is used", "nvidia-smi"],
)  # fmt: skip
def test_plain_requests_plan_sensors(text: str) -> None:
    outcome = RetrievalPlanner(builtin_registry(), world=FixedWorld()).plan(Request(text))
    assert outcome.plan is not None, outcome.unsure
    assert outcome.plan.steps[0].tool == "sensors"
