"""Open requests: a shell command composed from the team's own examples, for requests that
no tool fits ("how many lines are in notes.txt", "which ports are listening").

Each example of ``prompts/command_examples.toml`` is a command with slots and a few ways
people ask for it. Every phrasing is embedded (``knowledge.embed``); a request's nearest
phrasings pick the examples, and the request's own operands (``slots.read_slots``) fill
them. A candidate is kept only when it parses (``bash -n``) and every program in it is on
PATH here. What it runs is then judged like any command: a read runs confined, a change is
asked with the exact command (``Step.needs_consent``).

The planner compares the best example's score with the best tool exemplar's, so a tool
that does the job keeps it; below ``MIN_SCORE`` nothing is composed.
"""

from __future__ import annotations

import re
import shlex
import shutil
import tomllib
from dataclasses import dataclass
from difflib import get_close_matches
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from llmchain_os.agent.retrieval import WORD
from llmchain_os.agent.slots import Slots, read_slots
from llmchain_os.reading.paths import FILE_WORD
from llmchain_os.reading.words import FILLER, STOP

if TYPE_CHECKING:
    import numpy as np
    from numpy.typing import NDArray

    from llmchain_os.knowledge.embed import Embedder

SLOT = re.compile(
    r"\{(FILE2|FILE|DIR|NEW|N|PATTERN|REPLACEMENT|EXT|DAYS|SIZE|NAME|SERVICE|DATE2|DATE|USER|GROUP)"
    r"(?::([^}]*))?\}"
)
# A value put inside the template's own single quotes ('*.{EXT}', 's/{PATTERN}/x/'): only
# plain characters, so it cannot end the quotes.
RAW_SAFE = re.compile(r"^[\w.@%+ -]{1,80}$")
DEFAULTS = {"DIR": "."}
# Below these, an answer was more often wrong than right on the seen open sets (open, open2;
# tools/calibrate.py over an eval report; BENCHMARKS.md): "unsure" with suggestions instead.
# A composed command from an example this near (cosine of the request and its phrasing):
MIN_SCORE = 0.70
# Below MIN_SCORE but this near, the best candidate may still run, shown as a best guess
# that asks back; below it, "unsure" with suggestions.
GUESS_SCORE = 0.60
# A candidate that uses every operand the request names goes before a nearer one that
# leaves one out, when it is at most this much further away.
COVER_SLACK = 0.08
MARGIN = 0.03  # an example must beat the nearest tool example by this much
# A tool chosen by word overlap must be this near in meaning (its own examples, cosine).
TOOL_FLOOR = 0.55
SUGGEST_SCORE = 0.45  # an example this near is worth offering as a `!cmd` when unsure
SPELLING = 0.8  # how alike a misspelt word and a known one must be (difflib ratio)
PROGRAM = re.compile(r"(?:^|[|;&]\s*)([\w.+-]+)")


@dataclass(frozen=True)
class Example:
    command: str
    requests: tuple[str, ...]
    # Asks another host what a tool answers here (its disk, its services): composed only
    # for a tool that runs commands elsewhere (a card's ``compose_arg``), never locally.
    remote: bool = False

    @property
    def changes(self) -> bool:
        """Whether its command changes anything (judged by the command classifier, with
        sample operands): a request to change something is never answered by a read."""
        from llmchain_os.safety.commands import classify_command
        from llmchain_os.safety.risk import Risk

        return classify_command(fill(self.command, SAMPLE)).risk is not Risk.READ


@dataclass(frozen=True)
class Candidate:
    """A complete command for the request, with the phrasing that chose it and its score."""

    command: str
    phrasing: str
    score: float
    # What the request names that the command leaves out ("3" in "the 3 newest files" for
    # `ls -t | head -n 1`): it answers a narrower question than was asked.
    unused: tuple[str, ...] = ()
    # Words of the request that none of the example's phrasings has ("blank" in "how many
    # blank lines" for `wc -l`): it may answer a neighbouring question.
    unexplained: tuple[str, ...] = ()

    @property
    def whole(self) -> bool:
        """It uses every operand and accounts for every word of the request."""
        return not self.unused and not self.unexplained


Near = tuple[Example, str, float]  # an example, its phrasing nearest the request, the score


class Unfillable(Exception):
    """The nearest example needs an operand the request does not name (the message says)."""


def load_examples(path: Path | None = None) -> list[Example]:
    from llmchain_os.prompts import prompts_dir

    with (path or prompts_dir() / "command_examples.toml").open("rb") as fh:
        data = tomllib.load(fh)
    return [
        Example(e["command"], tuple(e["requests"]), bool(e.get("remote", False)))
        for e in data["example"]
    ]


class Composer:
    """Nearest examples for a request, filled with its operands; ``tools`` holds the tools'
    own example requests, embedded the same way, so that a tool that fits keeps the job."""

    def __init__(
        self,
        examples: list[Example],
        embedder: Embedder,
        cache: Path,
        tools: dict[str, list[str]] | None = None,
    ) -> None:
        from llmchain_os.knowledge.embed import cached_vectors

        self.examples = list(examples)
        self.embedder = embedder
        self._owner = [i for i, e in enumerate(examples) for _ in e.requests]
        self._phrasings = [r for e in examples for r in e.requests]
        masked_phrasings = [masked(p) for p in self._phrasings]
        self.vectors = cached_vectors("commands", masked_phrasings, embedder, cache)
        self._tool_of = [t for t, requests in (tools or {}).items() for _ in requests]
        self._tool_texts = [masked(r) for requests in (tools or {}).values() for r in requests]
        self.tool_vectors = cached_vectors("tools", self._tool_texts, embedder, cache)
        self._last: tuple[str, Slots, NDArray[np.float32] | None] = ("", Slots(), None)
        self._known: dict[str, frozenset[str]] = {}

    def learn(self, commands: list[tuple[str, str]], tools: dict[str, list[str]]) -> None:
        """Past requests that worked, as more examples: (request, command template) pairs
        composed like the team's, and requests a tool answered, for ``tool_fit`` and
        ``route``. Only these are embedded; the team's vectors stay as cached."""
        import numpy as np

        known = set(self._phrasings)
        fresh = [(r, t) for r, t in commands if r not in known]
        for request, shape in fresh:
            self._owner.append(len(self.examples))
            self.examples.append(Example(shape, (request,)))
            self._phrasings.append(request)
        texts = [as_sample(r, read_slots(r)) for r, _ in fresh]
        if texts:
            self.vectors = np.vstack([self.vectors, self.embedder.embed(texts)])
        pairs = [(t, r) for t, requests in tools.items() for r in requests]
        if pairs:
            self._tool_of += [t for t, _ in pairs]
            self._tool_texts += [masked(r) for _, r in pairs]
            more = self.embedder.embed([masked(r) for _, r in pairs])
            self.tool_vectors = np.vstack([self.tool_vectors, more])
        for cached in ("_words", "_changes"):
            self.__dict__.pop(cached, None)

    @cached_property
    def _words(self) -> tuple[frozenset[str], list[str]]:
        """Every word of the examples and the tools' examples, and the longer ones sorted
        (what a misspelt word of a request may be corrected to)."""
        words = {w for p in self._phrasings for w in WORD.findall(p.lower())}
        words |= {w for t in self._tool_texts for w in WORD.findall(t.lower())}
        return frozenset(words), sorted(w for w in words if len(w) >= 4)

    def _spelled(self, text: str) -> str:
        """The text with each word the examples do not know replaced by the known word it
        nearly spells ("hostnme" -> "hostname", "uptiem" -> "uptime"): the sentence model
        reads a typo as another word, the examples' words it knows. Only for embedding;
        operands are read from the request as typed."""
        known, long_words = self._words

        def fix(m: re.Match[str]) -> str:
            word = m.group(0)
            if len(word) < 4 or word.lower() in known or word.lower() in STOP:
                return word
            close = get_close_matches(word.lower(), long_words, n=1, cutoff=SPELLING)
            return close[0] if close else word

        return re.sub(r"[A-Za-z]+", fix, text)

    @cached_property
    def _changes(self) -> list[bool]:
        """Which examples change something (classified once, on the first change request)."""
        return [e.changes for e in self.examples]

    def _read(self, text: str) -> tuple[Slots, NDArray[np.float32]]:
        """The request's operands and its two vectors: for the examples, its operands read
        as their samples; for the tools, only its paths masked. Kept for the last request:
        route, fit and suggest share them."""
        if self._last[0] != text:
            read = read_slots(text)
            both = self.embedder.embed(
                [self._spelled(as_sample(text, read)), self._spelled(masked(text))]
            )
            self._last = (text, read, both)
        _, slots, vectors = self._last
        assert vectors is not None
        return slots, vectors

    def _query(self, text: str, for_tools: bool = False) -> NDArray[np.float32]:
        row: NDArray[np.float32] = self._read(text)[1][1 if for_tools else 0]
        return row

    def tool_fit(self, text: str, tool: str) -> float:
        """How near the request is to ``tool``'s own nearest example (cosine; -1 if none)."""
        rows = [i for i, t in enumerate(self._tool_of) if t == tool]
        if not rows:
            return -1.0
        return float((self.tool_vectors[rows] @ self._query(text, for_tools=True)).max())

    def suggest(self, text: str, k: int = 2) -> list[str]:
        """Ready-to-run commands from the nearest examples, for an "unsure" answer: only
        ones the request's operands fill and that pass the checks."""
        near = self.nearest_to(self._query(text), 6)
        filled, _ = self._fill_each(near, text, SUGGEST_SCORE, k)
        return [c.command for c in filled]

    def route(self, text: str, changes: bool = False) -> tuple[list[Candidate], str, float]:
        """For a request: the composed candidates when an example beats every tool's own
        examples by ``MARGIN`` (else []), with the nearest tool and its score. A request
        that asks for a change (``changes``) is matched only to examples that make one."""
        query = self._query(text)
        tool, tool_score = "", -1.0
        if len(self._tool_of):
            scores = self.tool_vectors @ self._query(text, for_tools=True)
            best = int(scores.argmax())
            tool, tool_score = self._tool_of[best], float(scores[best])
        near = self.nearest_to(query, 1, changes)
        if not near or near[0][2] < MIN_SCORE or near[0][2] < tool_score + MARGIN:
            return [], tool, tool_score
        return self.compose(text, query, changes), tool, tool_score

    def nearest_to(
        self,
        query: NDArray[np.float32],
        k: int = 5,
        changes: bool = False,
        remote: bool = False,
    ) -> list[Near]:
        import numpy as np

        scores = self.vectors @ query
        seen: set[int] = set()
        found: list[Near] = []
        for i in np.argsort(-scores):
            owner = self._owner[int(i)]
            if owner in seen or (changes and not self._changes[owner]):
                continue
            if self.examples[owner].remote and not remote:
                continue
            seen.add(owner)
            found.append((self.examples[owner], self._phrasings[int(i)], float(scores[i])))
            if len(found) == k:
                break
        return found

    def compose(
        self,
        text: str,
        query: NDArray[np.float32] | None = None,
        changes: bool = False,
        remote: bool = False,
    ) -> list[Candidate]:
        """Complete, checked commands for ``text`` from its nearest examples above
        MIN_SCORE, best first (``remote``: for another host, its examples included);
        Unfillable when the best one lacks an operand."""
        query = query if query is not None else self._query(text)
        near = self.nearest_to(query, 5, changes, remote)
        found, missing = self._fill_each(near, text, MIN_SCORE, here=not remote)
        if not found and missing:
            raise Unfillable(missing)
        return covering_first(found)

    def guess(self, text: str, changes: bool = False) -> list[Candidate]:
        """Candidates between GUESS_SCORE and MIN_SCORE too, for a request nothing fits
        well: the planner shows the first as a best guess that asks back."""
        near = self.nearest_to(self._query(text), 5, changes)
        found = self._fill_each(near, text, GUESS_SCORE)[0]
        return [c for c in covering_first(found) if not c.unused]

    def _fill_each(
        self,
        near: list[Near],
        text: str,
        floor: float,
        limit: int | None = None,
        here: bool = True,
    ) -> tuple[list[Candidate], str]:
        """The examples of ``near`` at or above ``floor`` that the request's operands fill
        and that pass the checks (at most ``limit``), and what the first unfillable one
        lacked."""
        slots = self._read(text)[0]
        asked = self._asked(text, slots)
        found: list[Candidate] = []
        missing = ""
        for example, phrasing, score in near:
            if score < floor or len(found) == limit:
                break
            try:
                command = fill(example.command, slots)
            except Unfillable as exc:
                missing = missing or str(exc)
                continue
            if runnable(command, here):
                unexplained = tuple(sorted(asked - self._vocabulary(example)))
                found.append(
                    Candidate(command, phrasing, score, left_out(command, slots), unexplained)
                )
        return found, missing

    def _asked(self, text: str, slots: Slots) -> frozenset[str]:
        """The request's own words (misspellings read as the word they nearly spell, and
        the operands and filler left out), by stem."""
        named = {stem(w) for v in slots.operands() for w in WORD.findall(v.lower())}
        said = {stem(w) for w in WORD.findall(self._spelled(text).lower()) if w not in FILLER}
        return frozenset(w for w in said - named if w.isalpha() and len(w) > 1)

    def _vocabulary(self, example: Example) -> frozenset[str]:
        if example.command not in self._known:
            texts = [*example.requests, example.command]
            self._known[example.command] = frozenset(
                stem(w) for t in texts for w in WORD.findall(t.lower())
            )
        return self._known[example.command]


def stem(word: str) -> str:
    """A word without its common endings ("lines", "line" -> "lin"; "changed", "change" ->
    "chang"), so a request and an example that say it differently still share it."""
    word = word.split("'")[0]
    for ending in ("ing", "ed", "es", "s"):
        if len(word) > len(ending) + 2 and word.endswith(ending):
            word = word[: -len(ending)]
            break
    return word[:-1] if len(word) > 3 and word.endswith("e") else word


def args_left_out(args: dict[str, object], text: str) -> tuple[str, ...]:
    """The files, folders and numbers ``text`` names that a tool call's arguments do not
    use ("find files bigger than 10 megs" read as no size): the call answers less."""
    import json

    said = read_slots(text)
    named = Slots(files=said.files, dirs=said.dirs, numbers=said.numbers)
    return left_out(json.dumps(args, default=str), named)


def covering_first(found: list[Candidate]) -> list[Candidate]:
    """The candidates that use every operand the request names (within COVER_SLACK of the
    best) first: "lines 12 to 15 of poem.txt" wants the example that takes both numbers."""
    if not found:
        return found
    floor = found[0].score - COVER_SLACK
    whole = [c for c in found if c.whole and c.score >= floor]
    return whole + [c for c in found if c not in whole]


def left_out(command: str, slots: Slots) -> tuple[str, ...]:
    """The request's operands that ``command`` does not contain as a whole (a number as a
    whole number, so `sed -n '12,15p'` has 15; a word as a whole word)."""

    def used(value: str) -> bool:
        edge = r"\d" if value.isdigit() else r"\w"
        return re.search(rf"(?<!{edge}){re.escape(value)}(?!{edge})", command) is not None

    return tuple(v for v in slots.operands() if not used(v))


SAMPLE = Slots(
    files=["notes.txt", "old.txt"],
    dirs=["docs"],
    numbers=["3"],
    pattern="error",
    replacement="warning",
    ext="pdf",
    days="2",
    size="+1M",
    name="git",
    new="archive",
    service="nginx",
    dates=["15 march 2020", "1 july 2021"],
    user="alice",
    group="staff",
)
SAMPLE_FOLDERS = re.compile(r"\bdocs\b")  # the folder the examples' requests name


# File kinds that decide which program reads a file; any other file reads as "a file".
KINDS = frozenset("tar gz tgz zip bz2 xz 7z csv tsv".split())
ANY_PATH = re.compile(r"(?<![\w/~])(?:~|/)[\w.@%+\-/]*")


def masked(text: str) -> str:
    """Paths and file names read as their kind ("report.csv" -> "a .csv file", "notes.txt"
    and "/etc/hosts" -> "a file", "/var/cache" -> "a folder"), and the examples' sample folder
    as "a folder", so that a name shared with an example (or a tool's) does not decide."""

    def kind(name: str) -> str:
        stem, dot, ext = name.rpartition(".")
        if not dot or not stem or not ext.isalpha() or not 2 <= len(ext) <= 5:
            return ""
        whole = name.split("/")[-1].split(".", 1)[1].lower()
        return f"a .{whole} file" if ext.lower() in KINDS else "a file"

    text = ANY_PATH.sub(lambda m: kind(m.group(0)) or "a folder", text)
    text = FILE_WORD.sub(lambda m: kind(m.group(1)) or m.group(1), text)
    return SAMPLE_FOLDERS.sub("a folder", text)


def as_sample(text: str, slots: Slots) -> str:
    """A request as the examples are written: its files masked to their kind, and the text
    it looks for and the account or group it names read as the samples' ("lines of app.log
    with timeout" -> "lines of a .log file with error", "the daemon user" -> "the alice
    user"), so the match is on what is asked, not on the names in it."""
    for value, sample in (
        (slots.pattern, SAMPLE.pattern),
        (slots.user, SAMPLE.user),
        (slots.group, SAMPLE.group),
    ):
        if value and len(value) > 1:
            text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", sample, text)
    return masked(text)


def fill(template: str, slots: Slots) -> str:
    """``template`` with each slot replaced by the request's value (shell-quoted), or its
    default; Unfillable naming what is missing."""

    def one(m: re.Match[str]) -> str:
        name, default = m.group(1), m.group(2)
        value = slots.value(name)
        if value is None and default is None and name in DEFAULTS and _alone(template, m):
            value = DEFAULTS[name]  # `du -sh -- .`, never `zip -r ..zip`
        if value is None:
            value = default
        if value is None:
            raise Unfillable(f"`{SLOT.sub(lambda x: x.group(1), template)}` needs {_what(name)}")
        if _inside_quotes(template, m.start()):
            if not RAW_SAFE.match(value):
                raise Unfillable(f"{value!r} cannot go inside the command's quotes")
            return value
        if value == "." or value.isdigit():
            return value
        if value == "~" or value.startswith("~/"):  # the home expands only unquoted
            return "~" + (f"/{shlex.quote(value[2:])}" if value[2:] else "")
        return shlex.quote(value)

    return SLOT.sub(one, template)


def _alone(template: str, m: re.Match[str]) -> bool:
    """Whether the slot is a word of its own in the template (not part of a name)."""
    before = template[m.start() - 1 : m.start()]
    after = template[m.end() : m.end() + 1]
    return before in ("", " ") and after in ("", " ")


def _inside_quotes(template: str, at: int) -> bool:
    return template[:at].count("'") % 2 == 1


def _what(slot: str) -> str:
    return {
        "FILE": "a file name",
        "FILE2": "a second file name",
        "DIR": "a folder name",
        "N": "a number",
        "PATTERN": "the text to look for (in quotes)",
        "REPLACEMENT": "what to put instead",
        "EXT": "a file ending such as .pdf",
        "DAYS": "how many days",
        "SIZE": "a size such as 10MB",
        "NAME": "a program's name",
        "NEW": "the name of what to create ('called ...')",
        "SERVICE": "the service's name",
        "DATE": "a date such as 15 March 2024",
        "DATE2": "a second date",
        "USER": "an account that exists here ('the postgres user')",
        "GROUP": "a group that exists here ('the staff group')",
    }.get(slot, slot.lower())


def runnable(command: str, here: bool = True) -> bool:
    """It parses as bash and (``here``: run on this machine) every program it starts is on
    PATH; a command for another host is checked against that host when it runs."""
    programs = PROGRAM.findall(command)
    missing = here and any(shutil.which(p) is None and p not in ("echo", "cd") for p in programs)
    if not programs or missing:
        return False
    from llmchain_os.safety.bash_fallback import bash_rejects

    return bash_rejects(command) is None
