"""`llmos listen` as a real process: the transcript on stderr, the request run as typed
text would be; nothing heard runs nothing; and voice never approves a step, --yes or not."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from llmchain_os.exitcodes import ExitCode
from llmchain_os.paths import state_dir
from tests.voice.conftest import Say, require_voice, sox_noise

require_voice()


def listen(*args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "llmchain_os", "listen", *args],
        input=stdin if stdin is not None else b"",
        capture_output=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def sleeper(tmp_path: Path) -> Iterator[psutil.Popen]:
    """A sleep named "pineapple" (a word tiny.en spells right): the one process meant."""
    pineapple = tmp_path / "pineapple"
    shutil.copy2(shutil.which("sleep") or "/bin/sleep", pineapple)
    proc = psutil.Popen([str(pineapple), "600"])
    yield proc
    proc.kill()
    proc.wait()


def test_a_wav_on_stdin_is_heard_and_planned_as_json(say: Say) -> None:
    done = listen("-", "--json", "--dry-run", stdin=say("show disk usage").read_bytes())
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["heard"].lower() == "show disk usage"
    assert [s["tool"] for s in out["plan"]] == ["disks"]
    assert [s["status"] for s in out["steps"]] == ["skipped"]  # dry run
    assert b"heard: Show disk usage" in done.stderr


@pytest.mark.parametrize("kind", ["silence", "whitenoise"])
def test_nothing_heard_runs_nothing(tmp_path: Path, kind: str) -> None:
    done = listen(str(sox_noise(tmp_path / "n.wav", kind)), "--json")
    assert done.returncode == ExitCode.UNSURE
    assert b"I heard nothing" in done.stderr
    assert json.loads(done.stdout)["plan"] == []
    assert not (state_dir() / "audit.jsonl").exists() or not any(state_dir().iterdir())


def test_a_spoken_yes_approves_nothing(say: Say) -> None:
    done = listen(str(say("yes")))
    assert done.returncode == ExitCode.UNSURE
    assert b"A spoken 'yes' approves nothing" in done.stderr


def test_voice_never_approves_a_kill_even_with_yes(say: Say, sleeper: psutil.Popen) -> None:
    done = listen(str(say("kill the pineapple process")), "--yes", "--json")
    out = json.loads(done.stdout)
    assert out["heard"].lower() == "kill the pineapple process", out["heard"]
    assert [(s["tool"], s["args"]) for s in out["plan"]] == [("kill_process", {"pid": sleeper.pid})]
    assert [s["status"] for s in out["steps"]] == ["declined"]
    assert done.returncode == ExitCode.DECLINED
    assert sleeper.is_running() and sleeper.status() != psutil.STATUS_ZOMBIE


def test_bad_audio_is_one_line_and_usage(tmp_path: Path) -> None:
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"this is text, not sound\n" * 20)
    done = listen(str(junk))
    assert done.returncode == ExitCode.USAGE
    assert done.stderr.decode().strip().count("\n") == 0
    assert done.stderr.startswith(b"llmos: Cannot read the audio")
