"""Plain words of requests: stopwords, number words, quoted text and back-references."""

from __future__ import annotations

import re

STOP = frozenset(
    "a an the is are am be of on in to for me my i we you your it its this that what whats "
    "which how do does can could please show tell give list find check get see at by with "
    "right now so much many some there any all from".split()
)
# Words that add no request of their own: with STOP, what a command need not account for
# ("can you pls show me the hidden files in here": only "hidden files" must be explained).
FILLER = STOP | frozenset(
    "and or also too very really actually exactly just only quick quickly pls plz please hey "
    "hi thanks thank ok okay kindly currently here there where when who whom whose why was "
    "were has have had did done will would should shall may might must into onto out up "
    "about them they their these those one ones thing things stuff box machine computer "
    "system server host dont don doesn isn aren wasn want need like know let us our am "
    "then than via per using use used every each".split()
)
NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "dozen": 12,
    "a dozen": 12,
    "thirty": 30,
    "fifty": 50,
}
DAYS_PER = {"day": 1, "week": 7, "month": 30, "year": 365}
QUOTED = re.compile(r"`([^`]+)`|'([^']+)'|\"([^\"]+)\"")
PRONOUN = re.compile(r"\b(its|it|that process|this process|that one|them|their)\b", re.I)


def quoted(text: str) -> list[str]:
    """The spans the text puts in backticks or quotes, in order."""
    return [next(g for g in m.groups() if g) for m in QUOTED.finditer(text)]


def refers_back(text: str) -> bool:
    """Does this clause point at an earlier step's result ("show its details")?"""
    return PRONOUN.search(text) is not None


def candidates(text: str) -> list[str]:
    """Spans of the request a model may choose as a string value (words, not stopwords)."""
    seen: dict[str, None] = {}
    for tok in re.findall(r"[\w.\-/~:]+", text):
        if tok.lower() not in STOP and len(tok) <= 64:
            seen.setdefault(tok, None)
    return list(seen)[:32]


# "don't kill it", "do not delete anything", "never restart nginx": a verb the request says
# not to do, to the end of its phrase.
NEGATED = re.compile(
    r"\b(?:do\s+not|does\s+not|don'?t|doesn'?t|dont|never|please\s+don'?t)\s+[^,;.!?()]*",
    re.I,
)


def unsaid(text: str) -> str:
    """The text without what it says not to do: what a tool's claim or its need for a verb
    must not read as an order ("pause the encoder, don't kill it" orders no kill)."""
    return NEGATED.sub(" ", text)
