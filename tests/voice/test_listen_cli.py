"""`llmos listen` as a real process: the transcript on stderr, the request run as typed
text would be; nothing heard runs nothing; and voice never approves a step, --yes or not."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from llmchain_os.exitcodes import ExitCode
from tests.voice.conftest import Say, require_voice, sox_noise

require_voice()


def llmos(
    *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "llmchain_os", *args],
        input=stdin if stdin is not None else b"",
        capture_output=True,
        timeout=120,
        check=False,
        env={**os.environ, **(env or {})},
    )


def listen(
    *args: str, stdin: bytes | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[bytes]:
    return llmos("listen", *args, stdin=stdin, env=env)


def recorded() -> list[Path]:
    """What requests left in the data folder (memory's journal of handled requests)."""
    return [p for p in Path(os.environ["XDG_DATA_HOME"]).rglob("*") if p.is_file()]


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
    assert recorded() != []  # a request handled goes to memory's journal (so the test can fail)


@pytest.mark.parametrize("kind", ["silence", "whitenoise"])
def test_nothing_heard_runs_nothing(tmp_path: Path, kind: str) -> None:
    done = listen(str(sox_noise(tmp_path / "n.wav", kind)), "--json")
    assert done.returncode == ExitCode.UNSURE
    assert b"I heard nothing" in done.stderr
    out = json.loads(done.stdout)
    assert (out["heard"], out["plan"], out["steps"], out["exit_code"]) == ("", [], [], 5)
    assert recorded() == []  # no request was handled: nothing in memory's journal


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
    assert json.loads(listen(str(junk), "--json").stdout)["exit_code"] == ExitCode.USAGE
    done = listen(str(junk))
    assert done.returncode == ExitCode.USAGE
    assert done.stderr.decode().strip().count("\n") == 0
    assert done.stderr.startswith(b"llmos: Cannot read the audio")


def on_a_terminal(argv: list[str], keys: dict[bytes, bytes], wait_s: float = 90.0) -> bytes:
    """``llmos`` on a pseudo-terminal: each time the screen shows a key of ``keys``, type
    its value (once); returns all the screen got once the process ends, as plain text."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: llmos with the test's environment
        os.execv(sys.executable, [sys.executable, "-m", "llmchain_os", *argv])
    screen, pending, deadline = b"", dict(keys), time.monotonic() + wait_s
    while time.monotonic() < deadline:
        if select.select([fd], [], [], 0.5)[0]:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # the child ended: its side of the terminal closed
                break
            if not chunk:
                break
            screen += chunk
        for seen in [k for k in pending if k in screen]:
            os.write(fd, pending.pop(seen))
    os.waitpid(pid, 0)
    os.close(fd)
    return re.sub(rb"\x1b\[[0-9;?]*[A-Za-z]", b"", screen)  # colours and cursor moves


def test_at_a_terminal_the_transcript_is_edited_before_it_runs(say: Say) -> None:
    wav = say("show disk usage")
    # Ctrl-U clears the heard text at the edit prompt; the typed request is what runs
    screen = on_a_terminal(
        ["listen", str(wav), "--dry-run"], {b"heard (edit": b"\x15show me the process tree\r"}
    )
    assert b"heard: Show disk usage" in screen
    assert b"plan 1. process_tree(" in screen and b"disks(" not in screen


def test_at_a_terminal_a_spoken_kill_is_asked_and_a_typed_no_keeps_it(
    say: Say, sleeper: psutil.Popen
) -> None:
    screen = on_a_terminal(
        ["listen", str(say("kill the pineapple process"))],
        {b"heard (edit": b"\r", b"[y/N]": b"n\r"},
    )
    assert b"heard: Kill the pineapple process" in screen
    assert f"kill_process(pid={sleeper.pid})".encode() in screen
    assert b"[y/N]" in screen and b"not approved" in screen
    assert sleeper.is_running() and sleeper.status() != psutil.STATUS_ZOMBIE


def test_speak_without_espeak_says_so_and_the_request_still_stands(
    say: Say, tmp_path: Path
) -> None:
    done = listen(str(say("show disk usage")), "--dry-run", "--speak", env={"PATH": str(tmp_path)})
    assert done.returncode == 0
    assert b"llmos: Spoken replies need espeak-ng" in done.stderr


def test_doctor_reports_voice() -> None:
    done = llmos("doctor")
    line = next(x for x in done.stdout.decode().splitlines() if " voice: " in x)
    assert line.startswith("ok   voice: Whisper tiny.en, faster-whisper 1.")
