"""The initial prompt that tells Whisper the shell's own words.

Whisper tiny.en spells an unknown word as the nearest common one ("disk" -> "this",
a host "saturn" -> "Saturday"); a prompt that lists the words it may hear cuts the word
error rate on command WAVs from about 20% to about 5% (BENCHMARKS.md, "Voice").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Whisper keeps the last 223 tokens of a prompt; a word of the shell's is 1-3 tokens.
MAX_WORDS = 120
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


def vocabulary_prompt(groups: dict[str, Iterable[str]], limit: int = MAX_WORDS) -> str:
    """``{"Tools": [...], "Hosts": [...]}`` -> "Tools: disk usage, top processes. Hosts: ...".

    At most ``limit`` words in all; the later groups (hosts, scripts) come last, where a
    truncated prompt keeps them (Whisper drops a long prompt's start)."""
    parts: list[str] = []
    budget = limit
    for label, names in reversed(list(groups.items())):
        words = spoken_words(names)[: max(budget, 0)]
        budget -= len(words)
        if words:
            parts.insert(0, f"{label}: {', '.join(words)}.")
    return " ".join(parts)
