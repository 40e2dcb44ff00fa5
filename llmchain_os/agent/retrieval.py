"""Which tool: nearest neighbours over example requests, with a score in [0, 1].

A lexical index is enough for tool choice among a handful of tools and is instant to build:
TF-IDF cosine over stemmed words with synonyms folded, blended with TF-IDF cosine over
character trigrams so that typos ("proccesses") still match. Embeddings replace the
lexical part once the memory store lands; the interface (``rank``) stays.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from difflib import get_close_matches

from llmchain_os.reading.words import STOP

WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
SYNONYMS = {
    "ram": "memory",
    "mem": "memory",
    "rss": "memory",
    "storage": "disk",
    "drive": "disk",
    "hdd": "disk",
    "ssd": "disk",
    "filesystem": "disk",
    "partition": "disk",
    "room": "space",
    "proc": "process",
    "program": "process",
    "app": "process",
    "task": "process",
    "busiest": "busy",
    "hungriest": "hungry",
    "hog": "busy",
    "hogging": "busy",
    "biggest": "big",
    "heaviest": "heavy",
    "largest": "big",
    "eat": "consume",
    "eating": "consume",
    "processor": "cpu",
    "cores": "cpu",
    "core": "cpu",
    "box": "machine",
    "server": "machine",
    "host": "machine",
    "computer": "machine",
    "system": "machine",
    "reboot": "boot",
    "rebooted": "boot",
    "execute": "run",
    "pid": "process",
    "uptime": "up",
    "loadavg": "load",
}
WORD_WEIGHT = 0.7  # the rest goes to character trigrams


def stem(word: str) -> str:
    word = SYNONYMS.get(word, word)
    for suffix, repl in (("sses", "ss"), ("ies", "y"), ("ing", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: len(word) - len(suffix)] + repl
            break
    return SYNONYMS.get(word, word)


def words(text: str) -> list[str]:
    return [stem(w) for w in WORD.findall(text.lower()) if w not in STOP]


def trigrams(text: str) -> list[str]:
    grams: list[str] = []
    for w in WORD.findall(text.lower()):
        if w in STOP:
            continue
        padded = f" {w} "
        grams.extend(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


class _TfIdf:
    def __init__(self, docs: list[list[str]]) -> None:
        df: Counter[str] = Counter()
        for doc in docs:
            df.update(set(doc))
        n = len(docs)
        self.idf = {t: math.log((1 + n) / (1 + c)) + 1 for t, c in df.items()}
        self.vectors = [self.vector(doc) for doc in docs]

    def vector(self, terms: list[str]) -> dict[str, float]:
        counts = Counter(terms)
        vec = {t: c * self.idf.get(t, 0.0) for t, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
        return {t: v / norm for t, v in vec.items()}

    def cosines(self, terms: list[str]) -> list[float]:
        q = self.vector(terms)
        return [sum(w * d.get(t, 0.0) for t, w in q.items()) for d in self.vectors]


@dataclass(frozen=True)
class Match:
    tool: str
    score: float
    example: str


class ToolIndex:
    """Example requests per tool; ``rank`` gives each tool its best example's score."""

    def __init__(
        self, exemplars: dict[str, list[str]], learned: dict[str, list[str]] | None = None
    ) -> None:
        self.labels = [tool for tool, exs in exemplars.items() for _ in exs]
        self.examples = [ex for exs in exemplars.values() for ex in exs]
        self.vocabulary = {w for e in self.examples for w in WORD.findall(e.lower())}
        self._own = len(self.examples)  # the team's; the user's own requests come after them
        # Requests that worked (memory) rank like examples but add no vocabulary: a name
        # in one ("kill firefox") must not become an ordinary word for the other tools.
        self.labels += [tool for tool, exs in (learned or {}).items() for _ in exs]
        self.examples += [ex for exs in (learned or {}).values() for ex in exs]
        self._long_words = sorted(w for w in self.vocabulary if len(w) >= 4)
        self._words = _TfIdf([words(e) for e in self.examples])
        self._grams = _TfIdf([trigrams(e) for e in self.examples])

    def vocabulary_without(self, tool: str) -> set[str]:
        """Words of every example but ``tool``'s (whose examples name things: nginx, pid 42)."""
        return {
            w
            for label, example in zip(
                self.labels[: self._own], self.examples[: self._own], strict=True
            )
            if label != tool
            for w in WORD.findall(example.lower())
        }

    def correct(self, text: str) -> str:
        """Typos mapped to the nearest known word ("memroy" -> "memory"), the rest kept."""
        out = []
        for word in WORD.findall(text.lower()):
            if word not in self.vocabulary and word not in STOP and len(word) >= 4:
                close = get_close_matches(word, self._long_words, n=1, cutoff=0.8)
                word = close[0] if close else word
            out.append(word)
        return " ".join(out)

    def rank(self, text: str) -> list[Match]:
        """Tools by their best score for ``text``, best first."""
        text = self.correct(text)
        by_word = self._words.cosines(words(text))
        by_gram = self._grams.cosines(trigrams(text))
        best: dict[str, Match] = {}
        for i, label in enumerate(self.labels):
            score = WORD_WEIGHT * by_word[i] + (1 - WORD_WEIGHT) * by_gram[i]
            if label not in best or score > best[label].score:
                best[label] = Match(label, round(score, 4), self.examples[i])
        return sorted(best.values(), key=lambda m: m.score, reverse=True)
