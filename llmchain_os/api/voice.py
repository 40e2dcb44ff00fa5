"""Voice for the surfaces: what was said, from a WAV or the microphone, with the shell's own
words as Whisper's prompt; and a reply spoken aloud.

A transcript is only text: the surface shows it, lets the person edit it, and hands it to
``Session.handle`` like a typed request. Nothing here approves anything, and a transcript that
is only an approval ("yes") is refused as a request: approval is typed at its question.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from llmchain_os.errors import ToolError

if TYPE_CHECKING:
    from llmchain_os.api.session import Session

NOTHING_HEARD = "I heard nothing - speak closer to the microphone, or type the request"
SPOKEN_YES = (
    "A spoken 'yes' approves nothing: say what you want done, and answer its question by typing"
)
# A transcript that is only consent, as Whisper writes it ("Yes.", "Okay, go ahead.").
APPROVAL_ONLY = re.compile(
    r"^(?:yes|yeah|yep|yup|y|sure|ok|okay|okey|alright|all right|approve|approved|confirm|"
    r"confirmed|go ahead|do it|proceed|affirmative|please|now|[\s,])+$",
    re.I,
)


@dataclass(frozen=True)
class Heard:
    """A transcript and whether it may go on as a request (``refusal`` says why not)."""

    text: str
    refusal: str = ""
    seconds: float = 0.0

    @property
    def usable(self) -> bool:
        return not self.refusal


THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
PROCESS_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9._-]{1,30}$")  # not "kworker/0:1"
PROGRAMS = 20  # the newest; a long list dilutes the prompt (tiny.en then misses them all)
KTHREADD = 2  # the kernel's threads are its children: nobody asks to kill those


def shell_vocabulary(session: Session) -> dict[str, list[str]]:
    """The words a person may say to this shell: running programs' names, tool names,
    saved script names, the inventory's hosts, groups and tags (each group empty when it
    cannot be read). ``vocabulary_prompt`` keeps the last groups first when it must cut."""
    from llmchain_os.api.hosts import host_words

    return {
        "Tools": session.registry.names(),
        "Programs": _process_names()[:PROGRAMS],
        "Scripts": _script_names(),
        "Hosts": [w for w in host_words() if w != "all"],
    }


def _process_names() -> list[str]:
    """Running programs' names, the most recently started first ("kill firefox"), without
    the kernel's threads."""
    import psutil

    found = [
        (p.info["create_time"] or 0.0, p.info["name"])
        for p in psutil.process_iter(["pid", "ppid", "name", "create_time"])
        if KTHREADD not in (p.info["pid"], p.info["ppid"])
        and p.info["name"]
        and PROCESS_NAME.match(p.info["name"])
    ]
    return [name for _, name in sorted(found, reverse=True)]


def _script_names() -> list[str]:
    from llmchain_os.tools.scripts import script_list

    try:
        return [record.name for record in script_list().scripts]
    except (ToolError, OSError):
        return []


def vocabulary_prompt_of(session: Session) -> str:
    """Whisper's initial prompt for this shell, as ``hear`` gives it."""
    from llmchain_os.voice import vocabulary_prompt

    return vocabulary_prompt(dict(shell_vocabulary(session)))


def hear(session: Session, audio: Path | str | bytes, vocabulary: bool = True) -> Heard:
    """What ``audio`` says, ready for the person to check; raises ToolError (one line) for
    audio that cannot be read, or a missing voice extra."""
    from llmchain_os.voice import transcribe

    prompt = vocabulary_prompt_of(session) if vocabulary else ""
    said = transcribe(audio, prompt)
    return judged(said.text, said.seconds)


def judged(text: str, seconds: float = 0.0) -> Heard:
    """A transcript (heard or edited) and whether it may go on as a request."""
    text = " ".join(text.split()).removesuffix(".")  # Whisper ends every sentence with one
    text = THOUSANDS.sub("", text)  # "process 41,235": Whisper groups the digits of a pid
    if not re.search(r"\w", text):
        return Heard("", NOTHING_HEARD, seconds)
    if APPROVAL_ONLY.match(text.strip(" .!?")):
        return Heard(text, SPOKEN_YES, seconds)
    return Heard(text, "", seconds)


def record_voice() -> bytes:
    """One utterance from the default microphone; ToolError when there is none."""
    from llmchain_os.voice.microphone import record

    return record()


def speech_problem() -> str:
    """Why replies cannot be spoken here ("" when they can)."""
    from llmchain_os.voice.speech import speech_problem as problem

    return problem()


def speak_reply(text: str, wav: str | None = None) -> str:
    """Say the short summary of a reply (no tables) through espeak-ng; returns what was said."""
    from llmchain_os.voice.speech import speak

    return speak(text, wav)
