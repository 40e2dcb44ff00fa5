"""The initial prompt that tells Whisper the shell's own words.

Whisper tiny.en spells a word it does not expect as a common one ("disk usage" -> "this
usage", "zombie processes" -> "laundry process"); a prompt listing the names it may hear cut
the word error rate on the bench's espeak-ng command WAVs from 41% to 31%, and doubled the
exact transcripts (BENCHMARKS.md, "Voice (issue 14)").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Whisper keeps the last 223 tokens of a prompt; a name of the shell's is 1-4 tokens.
MAX_NAMES = 120
SPLIT = re.compile(r"[_\s]+")


def spoken_words(names: Iterable[str]) -> list[str]:
    """Names as they are said: ``disk_usage`` -> ``disk usage``, each once, in order."""
    said_once: list[str] = []
    seen: set[str] = set()
    for name in names:
        said = " ".join(SPLIT.split(str(name))).strip()
        if said and said.lower() not in seen:
            seen.add(said.lower())
            said_once.append(said)
    return said_once


def vocabulary_prompt(groups: dict[str, Iterable[str]], limit: int = MAX_NAMES) -> str:
    """``{"Tools": [...], "Hosts": [...]}`` -> "disk usage, top processes, ..., saturn, web.".

    One plain list, in the groups' order (labels cost words and measured worse: 32.8% word
    errors against 29.1% on the bench's WAVs). At most ``limit`` names in all; when some must
    go, the later groups (hosts, scripts) are kept and the earlier ones cut."""
    kept: list[list[str]] = []
    budget = limit
    for names in reversed(list(groups.values())):
        words = spoken_words(names)[: max(budget, 0)]
        budget -= len(words)
        kept.insert(0, words)
    said = spoken_words(w for words in kept for w in words)
    return f"{', '.join(said)}." if said else ""
