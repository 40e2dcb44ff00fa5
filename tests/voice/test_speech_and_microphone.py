"""Spoken replies through the real espeak-ng (to a WAV, heard back by Whisper), and the
microphone through the real sox 'rec': a machine without an input device is told so."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from llmchain_os.api import Session, hear, speak_reply
from llmchain_os.config import Settings
from llmchain_os.errors import ToolError
from llmchain_os.voice import microphone
from llmchain_os.voice.errors import VoiceUnavailable
from llmchain_os.voice.speech import speak, spoken_summary
from tests.helpers import drive
from tests.voice.conftest import Say, require_voice

require_voice()

TABLE_ANSWER = """\
Disk usage
 path ┃ total ┃ used
━━━━━━╇━━━━━━━╇━━━━━━
 /    │ 252 G │ 23 G
Your disk is 9% full. 229 GiB are free."""


def test_the_summary_leaves_out_tables_and_stops_at_a_sentence() -> None:
    assert spoken_summary(TABLE_ANSWER) == "Disk usage Your disk is 9% full. 229 GiB are free."
    long = "The first sentence is here. " * 20
    said = spoken_summary(long, limit=60)
    assert said == "The first sentence is here. The first sentence is here."


def test_a_spoken_reply_is_heard_back(tmp_path: Path) -> None:
    wav = tmp_path / "reply.wav"
    said = speak_reply("Your disk is nine percent full.\n │ a │ table │", str(wav))
    assert said == "Your disk is nine percent full."
    heard = hear(Session(Settings(n_threads=1)), wav, vocabulary=False)
    assert heard.text.lower() == "your disk is 9% full"


def test_no_espeak_is_one_clear_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(VoiceUnavailable, match="need espeak-ng"):
        speak("hello")


@pytest.mark.skipif(microphone.input_device() != "", reason="this machine has a microphone")
def test_no_input_device_is_said_plainly() -> None:
    with pytest.raises(ToolError, match="No microphone here"):
        microphone.record()


def test_a_failing_recorder_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUDIODEV", "hw:97")  # a device the real rec cannot open
    with pytest.raises(ToolError) as caught:
        microphone.record(max_seconds=1)
    assert str(caught.value).startswith("Recording failed:") and "\n" not in str(caught.value)


@pytest.mark.skipif(microphone.input_device() != "", reason="this machine has a microphone")
def test_voice_and_speak_in_the_shell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    session: Any = Session(Settings(n_threads=1))
    code, text = drive(session, tmp_path / "h", "/voice\n", "/speak\n", "/speak off\n", "\x04")
    assert code == 0
    assert "No microphone here" in text
    assert "spoken replies on" in text and "spoken replies off" in text
    f2 = "\x1bOQ"  # push to talk: F2 at an empty prompt is /voice
    code, text = drive(session, tmp_path / "h", f2, "\x04")
    assert code == 0 and "No microphone here" in text
    monkeypatch.setenv("PATH", str(tmp_path))  # no espeak-ng: /speak says so and stays off
    code, text = drive(session, tmp_path / "h", "/speak\n", "\x04")
    assert "need espeak-ng" in text and "spoken replies on" not in text


def fake_rec(folder: Path, script: str) -> None:
    """A stand-in for sox's rec (fakes only the device: this machine has no microphone)."""
    rec = folder / "rec"
    rec.write_text(f"#!/bin/sh\n{script}\n")
    rec.chmod(0o755)


def test_voice_in_the_shell_hears_edits_and_runs(
    say: Say, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # rec's 8th argument is its output file: "record" a spoken request into it
    fake_rec(tmp_path, f'cp {say("show disk usage")} "$8"')
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    monkeypatch.setenv("AUDIODEV", "fake")
    session: Any = Session(Settings(n_threads=1))
    code, text = drive(session, tmp_path / "h", "/voice\n", "\n", "\x04")
    assert code == 0
    assert "plan 1. disks()" in text and "Filesystems and disks" in text


def test_a_silent_room_ends_the_recording(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_rec(tmp_path, "exec sleep 60")  # rec waits for a first sound that never comes
    monkeypatch.setenv("PATH", f"{tmp_path}:{os.environ['PATH']}")
    monkeypatch.setenv("AUDIODEV", "fake")
    with pytest.raises(ToolError, match="No sound from the microphone in 10 s"):
        microphone.record(max_seconds=0)
