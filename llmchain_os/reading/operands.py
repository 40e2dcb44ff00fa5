"""Operands a request states: pids, counts, process names, globs, ages and sizes.

Each reader returns only what the text says; small models copy example arguments and
invent numbers, a reader does not. Whatever is left is for the model, under a grammar that
allows only spans of the request or known values (``words.candidates``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from difflib import get_close_matches

from llmchain_os.reading.paths import PATH, find_paths
from llmchain_os.reading.words import DAYS_PER, NUMBER_WORDS, STOP

PID = re.compile(r"\b(?:pid|proc|process(?:\s+(?:id|number))?|#)\s*#?\s*(\d{1,7})\b", re.I)
SINGULAR_TOP = re.compile(
    r"\b(?:the|which)\s+(?:single\s+)?(?:\w+est|top|most\s+\w+)\s+(?:process|program|app)\b"
    r"(?!e?s)|\bwhich\s+(?:process|program|app)\b(?!e?s)",
    re.I,
)
GLOB_WORD = re.compile(r"(?<![\w/~])(\*?[\w.\-]*[*?][\w.\-*?]*)")
EXTENSIONS = frozenset(
    "log tmp bak txt iso gz zip pdf jpg png mp4 core swp csv json tar deb rpm conf old".split()
)
EXT_FILES = re.compile(r"(?<![\w/])\.?([a-z0-9]{1,5})\s+(?:files?|backups?|dumps?)\b", re.I)
AGE = re.compile(
    r"\b(?:older th[ae]n|more th[ae]n|over|at least)\s+(\d+|an?|\w+)\s+(day|week|month|year)s?",
    re.I,
)
# "haven't been modified in 90 days": as old as "older than 90 days".
UNTOUCHED = re.compile(
    r"(?:\bnot|n't|\bnever)\s+(?:been\s+)?(?:touched|modified|changed|edited|updated|used|"
    r"accessed|opened)\s+(?:in|for|within)\s+(?:the\s+(?:last|past)\s+)?(\d+|an?|\w+)\s+"
    r"(day|week|month|year)s?",
    re.I,
)
KINDS = {"python": "py", "shell": "sh", "text": "txt", "markdown": "md", "javascript": "js"}
KIND_FILES = re.compile(rf"\b({'|'.join(KINDS)})\s+(?:source\s+)?(?:files?|scripts?)\b", re.I)
BYTES = re.compile(
    r"\b(?:bigger|larger|more|over|above|greater)\s+(?:th[ae]n\s+)?(\d+(?:\.\d+)?\s*[kmgt]i?b)\b",
    re.I,
)


def first_path(text: str) -> str | None:
    """The first path the text names, without a trailing slash ("/" stays "/")."""
    paths = find_paths(text)
    return (paths[0].rstrip("/") or "/") if paths else None


def find_limit(text: str) -> int | None:
    """How many the text asks for ("top 5", "three biggest", "the busiest process": 1)."""
    without = PATH.sub(" ", PID.sub(" ", text))
    for m in re.finditer(r"\b(\d{1,3})\b", without):
        if 1 <= int(m.group(1)) <= 50:
            return int(m.group(1))
    lowered = without.lower()
    for word in sorted(NUMBER_WORDS, key=len, reverse=True):
        if re.search(rf"\b{word}\b", lowered):
            return NUMBER_WORDS[word]
    return 1 if SINGULAR_TOP.search(text) else None


def find_process(text: str, names: Iterable[str]) -> dict[str, int | str]:
    """A pid the text states, else the longest running process name among its words."""
    m = PID.search(text)
    if m:
        return {"pid": int(m.group(1))}
    known = set(names)
    tokens = re.findall(r"[\w.\-:]+", text)
    hits = [t for t in tokens if t in known and t.lower() not in STOP]
    return {"name": max(hits, key=len)} if hits else {}


def names_in(text: str, names: Iterable[str]) -> list[str]:
    """Running process names the text states as words, longest first."""
    known = {n for n in names if len(n) >= 3}
    words = set(re.findall(r"[\w.\-:]+", text))
    return sorted(known & words, key=len, reverse=True)


def similar_names(text: str, names: Iterable[str], exclude: set[str]) -> list[str]:
    """Running process names close to a word of the request ("pyhton3" -> "python3")."""
    known = sorted(set(names))
    found: set[str] = set()
    for word in re.findall(r"[\w.\-:]+", text):
        if len(word) >= 3 and word.lower() not in STOP and word.lower() not in exclude:
            found.update(get_close_matches(word, known, n=3, cutoff=0.75))
    return sorted(found)[:16]


def find_pattern(text: str) -> str | None:
    """A glob ("*.tmp") or a kind of file ("the log files" -> "*.log")."""
    for m in GLOB_WORD.finditer(PATH.sub(" ", text)):
        if "*" in m.group(1) or "?" in m.group(1).rstrip("?"):  # "folder?" ends a question
            return m.group(1)
    for m in EXT_FILES.finditer(text):
        if m.group(1).lower() in EXTENSIONS:
            return f"*.{m.group(1).lower()}"
    kind = KIND_FILES.search(text)
    return f"*.{KINDS[kind.group(1).lower()]}" if kind else None


def find_age_days(text: str) -> int | None:
    """ "older than 2 weeks" -> 14."""
    m = AGE.search(text) or UNTOUCHED.search(text)
    if m is None:
        return None
    count = m.group(1).lower()
    n = int(count) if count.isdigit() else 1 if count in ("a", "an") else NUMBER_WORDS.get(count)
    return None if n is None else n * DAYS_PER[m.group(2).lower()]


def find_size(text: str) -> str | None:
    """ "bigger than 10 MB" -> "10MB"."""
    m = BYTES.search(text)
    return m.group(1).replace(" ", "") if m else None
