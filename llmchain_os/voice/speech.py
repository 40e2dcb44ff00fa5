"""Spoken replies through espeak-ng: the answer's short summary, never a table.

The text goes to espeak-ng on stdin (no argument of it can be read as an option), and is
cut to its first sentences: a reply read aloud is a sentence or two, the screen has the rest.
"""

from __future__ import annotations

import re
import shutil
import subprocess

from llmchain_os.voice.errors import VoiceError, VoiceUnavailable

MAX_CHARS = 240
TABLE_LINE = re.compile(r"[│|┃]|^\s*[-─━=+]{3,}")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def spoken_summary(text: str, limit: int = MAX_CHARS) -> str:
    """The first lines of ``text`` that are prose (no table rows or rules), up to ``limit``
    characters, ending at a sentence where one ends in time."""
    prose = [line.strip() for line in text.splitlines() if line.strip()]
    prose = [line for line in prose if not TABLE_LINE.search(line)]
    said = " ".join(prose)
    if len(said) <= limit:
        return said
    cut = ""
    for sentence in SENTENCE_END.split(said):
        if len(cut) + len(sentence) + 1 > limit:
            break
        cut = f"{cut} {sentence}".strip()
    return cut or said[:limit].rsplit(" ", 1)[0]


NO_ESPEAK = "Spoken replies need espeak-ng - install it (apt install espeak-ng)"


def speech_problem() -> str:
    """Why replies cannot be spoken here ("" when espeak-ng is on PATH)."""
    return "" if shutil.which("espeak-ng") else NO_ESPEAK


def speak(text: str, wav: str | None = None) -> str:
    """Say the summary of ``text`` (or write it to ``wav``); returns what was said."""
    said = spoken_summary(text)
    if not said:
        return ""
    espeak = shutil.which("espeak-ng")
    if espeak is None:
        raise VoiceUnavailable(NO_ESPEAK)
    argv = [espeak, "--stdin", *(["-w", wav] if wav else [])]
    done = subprocess.run(argv, input=said, capture_output=True, text=True, timeout=60, check=False)
    # without a sound card espeak-ng says "error: ..." and still exits 0
    failed = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    if done.returncode != 0 or failed:
        why = (failed or done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
        raise VoiceError(f"espeak-ng could not speak (no sound output here?): {why}")
    return said
