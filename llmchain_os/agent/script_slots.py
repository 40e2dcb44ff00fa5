"""Slot values read off a script request by rules: days, counts, percentages, service
names, the literal text to print, a source and target pair, a file name pattern.

Each finder returns None when the request does not say it; the template then uses its
numeric default or asks. None of them guesses a path.
"""

from __future__ import annotations

import re

from llmchain_os.reading.words import DAYS_PER, NUMBER_WORDS

SERVICE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9@._-]{0,63}$")
NOT_SERVICES = frozenset("the a an that this my it is if when and or its service".split())
SERVICE_PATTERNS = [
    re.compile(r"\b(?:service|daemon|unit)\s+([A-Za-z0-9][\w@.-]*)", re.I),
    re.compile(r"\b([A-Za-z0-9][\w@.-]*)\s+(?:service|daemon|unit)\b", re.I),
    re.compile(r"\b(?:that|if|whether|sure)\s+([A-Za-z0-9][\w@.-]*)\s+is\s+(?:running|up)", re.I),
    re.compile(r"\bkeep\s+(?:the\s+)?([A-Za-z0-9][\w@.-]*)\s+(?:alive|running|up)", re.I),
    re.compile(r"\b(?:restart(?:s|ing)?|watch(?:es)?)\s+([A-Za-z0-9][\w@.-]*)", re.I),
]


def find_days(text: str) -> int | None:
    m = re.search(r"\b(\d{1,5})\s*-?\s*(day|week|month|year)s?\b", text, re.I)
    if m:
        return int(m.group(1)) * DAYS_PER[m.group(2).lower()]
    words = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
    m = re.search(rf"\b(a|an|one|{words})\s+(day|week|month|year)s?\b", text, re.I)
    if m:
        count = 1 if m.group(1).lower() in ("a", "an") else NUMBER_WORDS[m.group(1).lower()]
        return count * DAYS_PER[m.group(2).lower()]
    return None


def find_count(text: str) -> int | None:
    for pattern in (
        r"\b(?:keep(?:ing)?|last|top|newest)\s+(?:the\s+)?(\d{1,4})\b",
        r"\b(\d{1,4})\s+(?:copies|backups|archives|versions|biggest|largest|files|processes)",
    ):
        m = re.search(pattern, text, re.I)
        if m and int(m.group(1)) > 0:
            return int(m.group(1))
    return None


def find_percent(text: str) -> int | None:
    m = re.search(r"\b(\d{1,3})\s*(?:%|percent\b|per cent\b)", text, re.I)
    return int(m.group(1)) if m and 1 <= int(m.group(1)) <= 100 else None


MESSAGE = re.compile(
    r"\b(?:prints?|says?|echo(?:e?s)?|outputs?|displays?|writes?\s+out)\s+"
    r"(?:the\s+(?:message|text|words?|line)\s+)?(.+?)\s*$",
    re.I,
)
QUOTED = re.compile(r"^([\"'`])(.+)\1$")
# A message starting with these, or naming a system fact, describes output, not its text:
# "prints the disk usage of /" is a report to compute, "prints hello world" is a literal.
NOT_LITERAL = frozenset(
    "the a an how what which whether if all every each my your its their this that some any "
    "out number current today's".split()
)
FACT_WORDS = frozenset(
    "disk space usage memory ram cpu cpus core cores load uptime date time process processes "
    "file files size free used users user ip address hostname kernel version".split()
)


def find_message(text: str) -> str | None:
    """The literal text a "print hello world" script prints: quoted, or a few plain words."""
    m = MESSAGE.search(text)
    if not m:
        return None
    said = m.group(1).strip().rstrip(".!")
    quoted = QUOTED.match(said)
    if quoted:
        return quoted.group(2) if "\n" not in quoted.group(2) else None
    plain = said.split()
    if not 0 < len(plain) <= 5 or plain[0].lower() in NOT_LITERAL:
        return None
    if FACT_WORDS & {w.lower() for w in plain} or not re.fullmatch(r"[\w ,!?'-]+", said):
        return None
    return said


def find_service(text: str) -> str | None:
    for pattern in SERVICE_PATTERNS:
        for m in pattern.finditer(text):
            name = m.group(1)
            if name.lower() not in NOT_SERVICES and SERVICE_NAME.match(name):
                return name
    return None


PAIR = re.compile(
    r"\b(?:renames?|moves?|mv|copy|copies|backs?\s+up|mirrors?|syncs?)\s+(?:the\s+file\s+)?"
    r"([\w~./@%+-]*[\w/])\s+(?:to|into|as)\s+([\w~./@%+-]*[\w/])(?=[\s,;:!?]|\.?$)",
    re.I,
)


def find_pair(text: str) -> tuple[str, str] | None:
    """ "rename app.log to app.log.1": a source and a target, relative names included (the
    path finder only knows names with a file-like ending, and "app.log.1" has none)."""
    m = PAIR.search(text)
    return (m.group(1), m.group(2)) if m else None


GLOB = re.compile(r"(?:\*|\B)\.([A-Za-z0-9]{1,8})\s+files\b|\*\.([A-Za-z0-9]{1,8})\b")


def find_glob(text: str) -> str | None:
    """ "the .log files" / "*.log" as a name pattern; other words are not patterns."""
    m = GLOB.search(text)
    return f"*.{m.group(1) or m.group(2)}" if m else None


FACTS = [
    ("cpus", re.compile(r"\b(?:cpus?|cores?|processors?)\b", re.I)),
    ("hostname", re.compile(r"\bhost\s?name\b", re.I)),
    ("kernel", re.compile(r"\bkernel\b", re.I)),
    ("memory", re.compile(r"\b(?:memory|ram)\b", re.I)),
    ("uptime", re.compile(r"\buptime\b|\bhow long\b.*\bup\b", re.I)),
    ("load", re.compile(r"\bload\b", re.I)),
    ("date", re.compile(r"\b(?:date|time)\b", re.I)),
]


def find_fact(text: str) -> str | None:
    """Which fact about the machine the request names; one of a fixed list, never free text
    (the value is a key the template compares, so it cannot become code)."""
    return next((key for key, pattern in FACTS if pattern.search(text)), None)
