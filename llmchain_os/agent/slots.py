"""The operands of a composed command, read from the request: files, folders, numbers,
patterns, file endings, ages, sizes and program names.

Each is read by what it looks like and, for paths, by what exists here, never guessed:
a slot the request does not fill leaves the example unfillable (the planner then says which
operand is missing) unless the example gives a default.
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field

from llmchain_os.reading.paths import FILE_EXTS, path_candidates
from llmchain_os.reading.words import STOP

# Quoted text; a single quote inside a word is an apostrophe ("what's", "don't"), not a quote.
QUOTED = re.compile(r"\"([^\"]{1,200})\"|(?<!\w)'([^']{1,200})'(?!\w)|`([^`]{1,200})`")
SHOUTED = re.compile(r"\b([A-Z][A-Z0-9_]{2,})\b")  # "the FATAL error", "TODO lines"
NUMBER = re.compile(r"(?<![\w.\-/])(\d{1,12})(?![\w.\-/])")
DAYS = re.compile(r"\b(\d{1,5})\s*(day|week|month)s?\b|\b(?:a|one|this|last)\s+(day|week|month)\b")
SIZE = re.compile(r"\b(\d{1,6})\s*([kmg])(?:i?b|bytes?|egabytes?|igabytes?|ilobytes?)?\b", re.I)
EXT = re.compile(
    r"\*\.([A-Za-z0-9]{1,6})\b|(?<![\w.])\.([A-Za-z0-9]{1,6})\s+files?\b"
    r"|\b([A-Za-z0-9]{2,5})\s+files\b"
)
AFTER = re.compile(
    r"\b(?:containing|contains?|mentioning|mentions?|matching|match|with|for|word|says?|"
    r"lines?\s+(?:with|about))\s+(\S+)",
    re.I,
)
REPLACE = (
    re.compile(
        r"\b(?:replace|replacing|change|changing|swap)\s+(\S+)\s+(?:with|by|to|into|for)\s+(\S+)",
        re.I,
    ),
    re.compile(r"\b(\S+)\s+(?:replaced|changed|swapped)\s+(?:with|by|to|into|for)\s+(\S+)", re.I),
)
UNITS = {"day": 1, "week": 7, "month": 30}
MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
# A calendar date as people write it; each is handed to date(1) as "15 march 2024".
DATES = (
    re.compile(rf"\b(?:the\s+)?{DAY}\s+(?:of\s+)?({MONTH})\b,?(?:\s+(\d{{4}}))?", re.I),
    re.compile(rf"\b({MONTH})\s+{DAY}\b,?(?:\s+(\d{{4}}))?", re.I),
    re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"),
)
HOLIDAYS = {
    "christmas": "25 dec",
    "xmas": "25 dec",
    "new year's day": "1 jan",
    "halloween": "31 oct",
}
CALLED = re.compile(r"\b(?:called|named)\s+(\S+)", re.I)
ORDINALS = {
    word: n
    for n, word in enumerate(
        "first second third fourth fifth sixth seventh eighth ninth tenth".split(), start=1
    )
}
ORDINAL = re.compile(r"\b(" + "|".join(ORDINALS) + r")\b|\b(\d{1,3})(?:st|nd|rd|th)\b", re.I)
# Words that are programs on PATH but, in a request, are English ("which", "time", "test").
ENGLISH_PROGRAMS = frozenset(
    "which time test true false yes w last look write more less watch who id date cal sort "
    "find file type kill top free head tail join split comm paste install link line make "
    "run script wait mount show list print echo expand see".split()
)


@dataclass
class Slots:
    """What the request names, by kind (empty where it names nothing of that kind)."""

    files: list[str] = field(default_factory=list)
    dirs: list[str] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)
    pattern: str = ""
    replacement: str = ""
    ext: str = ""
    days: str = ""
    size: str = ""
    name: str = ""
    new: str = ""  # what to create: the word after "called" or "named"
    service: str = ""  # a service the request acts on ("restart nginx", "the sshd service")
    dates: list[str] = field(default_factory=list)  # as date(1) reads them: "15 mar 2024"

    def operands(self) -> list[str]:
        """Every value the request names, once each, in a stable order."""
        values = [*self.files, *self.dirs, *self.numbers]
        values += [self.pattern, self.replacement, self.ext, self.days, self.size]
        values += [self.name, self.new, self.service, *self.dates]
        return list(dict.fromkeys(v for v in values if v))

    def value(self, slot: str) -> str | None:
        """The request's value for a slot of the examples (FILE, DIR, N ...), or None."""
        simple = {
            "PATTERN": self.pattern,
            "REPLACEMENT": self.replacement,
            "EXT": self.ext,
            "DAYS": self.days,
            "SIZE": self.size,
            "NAME": self.name,
            "NEW": self.new,
            "SERVICE": self.service,
        }
        if slot in simple:
            return simple[slot] or None
        listed = {
            "FILE": (self.files, 0),
            "FILE2": (self.files, 1),
            "DIR": (self.dirs, 0),
            "DATE": (self.dates, 0),
            "DATE2": (self.dates, 1),
        }
        if slot in listed:
            values, at = listed[slot]
            return values[at] if len(values) > at else None
        if slot == "N":
            return self.numbers[0] if self.numbers else None
        return None


def read_slots(text: str) -> Slots:
    """Every operand ``text`` names, in the order it names them."""
    quoted = [next(g for g in m.groups() if g) for m in QUOTED.finditer(text)]
    bare = QUOTED.sub(" ", text)
    found = Slots(dates=read_dates(bare))
    bare = _without_dates(bare)
    for word in path_candidates(bare):
        (found.dirs if os.path.isdir(os.path.expanduser(word)) else found.files).append(word)
    found.dirs += [w for w in _folder_words(bare) if w not in found.dirs]
    named = set(found.files) | set(found.dirs)
    found.ext = _ext(bare, named)
    found.days = _days(bare)
    found.size = _size(bare)
    plain = SIZE.sub(" ", DAYS.sub(" ", bare))
    found.numbers = [n for n in NUMBER.findall(plain) if not any(n in p for p in named)]
    found.numbers += [_ordinal(m) for m in ORDINAL.finditer(plain)]  # "the second column"
    found.pattern, found.replacement = _replacing(text) or (_pattern(quoted, bare, named), "")
    found.name = _program(bare, named)
    if m := CALLED.search(text):
        found.new = m.group(1).strip("'\"`.,;")
    found.service = _service(bare)
    return found


def read_dates(text: str) -> list[str]:
    """The calendar dates the text names, in order, as date(1) reads them ("the 14th of
    July 1989" -> "14 july 1989", "march 15 2020" -> "15 march 2020", "christmas" -> "25 dec")."""
    found: list[tuple[int, int, str]] = []
    for rule in DATES:
        for m in rule.finditer(text):
            if not any(start < m.end() and m.start() < end for start, end, _ in found):
                found.append((m.start(), m.end(), _as_date(rule, m)))
    for word, date in HOLIDAYS.items():
        if holiday := re.search(rf"\b{re.escape(word)}\b", text, re.I):
            found.append((holiday.start(), holiday.end(), date))
    return [date for _, _, date in sorted(found)]


def _as_date(rule: re.Pattern[str], m: re.Match[str]) -> str:
    if rule is DATES[2]:
        return m.group(0)
    day, month, year = (m.group(1), m.group(2), m.group(3))
    if rule is DATES[1]:
        month, day = day, month
    return " ".join(p for p in (day, month.lower(), year) if p)


def _without_dates(text: str) -> str:
    """The text with its dates taken out, so their numbers are not read as counts."""
    for rule in DATES:
        text = rule.sub(" ", text)
    return text


SERVICE_VERB = re.compile(
    r"\b(?:re)?(?:start|stop|load|enable|disable|bounce|status\s+of|logs?\s+(?:of|for)|"
    r"is)\s+(?:the\s+)?([A-Za-z0-9@][\w@.-]*)",
    re.I,
)
SERVICE_NOUN = re.compile(
    r"\b([A-Za-z0-9@][\w@.-]*)\s+(?:service|daemon|unit|logs?|journal)\b", re.I
)


def _service(text: str) -> str:
    """The service a request names: the word after restart/stop/status of ..., or before
    "service"; a systemd unit name, never an English word."""
    for m in (*SERVICE_NOUN.finditer(text), *SERVICE_VERB.finditer(text)):
        word = m.group(1)
        if word.lower() not in STOP and word.lower() not in NOT_SERVICES:
            return word
    return ""


NOT_SERVICES = frozenset(
    "service services daemon it everything all machine system up recent latest error".split()
)


def _folder_words(text: str) -> list[str]:
    """ "the docs folder", "in docs/", "under src": words that name an existing folder."""
    words = re.findall(r"\b([\w.\-]+)/?\s+(?:folder|directory|dir)\b", text, re.I)
    words += re.findall(r"\b(?:in|under|inside|of)\s+(?:the\s+)?([\w.\-]+)/", text, re.I)
    return [w for w in words if os.path.isdir(w) and w.lower() not in STOP]


def _ext(text: str, named: set[str]) -> str:
    for m in EXT.finditer(text):
        ext = next((g for g in m.groups() if g), "").lower()
        if ext in FILE_EXTS and not any(n.endswith("." + ext) for n in named):
            return ext
    return ""


def _ordinal(m: re.Match[str]) -> str:
    return str(ORDINALS[m.group(1).lower()]) if m.group(1) else m.group(2)


def _days(text: str) -> str:
    if re.search(r"\btoday\b", text, re.I):
        return "1"
    m = DAYS.search(text)
    if m is None:
        return ""
    count = int(m.group(1) or 1)
    return str(count * UNITS[(m.group(2) or m.group(3)).lower()])


def _size(text: str) -> str:
    m = SIZE.search(text)
    return f"+{int(m.group(1))}{m.group(2).upper()}" if m else ""


def _replacing(text: str) -> tuple[str, str] | None:
    for rule in REPLACE:
        if m := rule.search(text):
            return m.group(1).strip("'\"`,."), m.group(2).strip("'\"`,.")
    return None


def _pattern(quoted: list[str], text: str, named: set[str]) -> str:
    """Quoted text first; else the word after "containing", "with", "for" ..."""
    if quoted:
        return quoted[0]
    for m in AFTER.finditer(text):
        word = str(m.group(1)).strip(",.?!;:")
        if word and word.lower() not in STOP and word not in named:
            return word
    for m in SHOUTED.finditer(text):  # a word in capitals is what the logs say
        if m.group(1).lower() not in FILE_EXTS and not any(m.group(1) in n for n in named):
            return m.group(1)
    return ""


def _program(text: str, named: set[str]) -> str:
    """The last word that is a program on PATH and not an English word or a named file."""
    words: list[str] = re.findall(r"[A-Za-z][\w.+\-]*", text)
    for word in reversed(words):
        low = word.lower()
        if low in STOP or low in ENGLISH_PROGRAMS or word in named:
            continue
        if shutil.which(word) is not None:
            return word
    return ""
