"""What a request spells out: the command line in it, and whether it asks to run it or only
to hear what it does. One structural parse, read by the planner and by consent alike.

A clause is read as::

    clause  := FILLER* "run"|"execute"|"exec" [":"] [LEAD] TARGET     -> run (or explain)
             | ... SPAN ...              with an explain cue             -> explain
             | ... explain cue COMMAND [TAIL]                            -> explain
             | SPAN | a whole command line ("ls -la /etc", "rm -rf /")   -> run
    TARGET  := SPAN rest | the rest of the text, quotes and all (`run echo 'x'` runs echo)
    SPAN    := `...` | '...' | "..."          (an apostrophe in "don't" opens nothing)
    LEAD    := "the command:", "this shell command", "this:" ...     (never part of it)

An explain cue ("explain", "what does", "is it safe", "don't run", "just explain") anywhere
outside the command makes the request explain-only: nothing in it runs. A span that no run
verb governs runs only when it is the whole request; amid other words, a backticked command
is "unclear" (the planner asks which was meant) and a quoted one is text (a file's content).
The word lists are data, here and nowhere else.
"""

from __future__ import annotations

import re
import shlex
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from llmchain_os.agent.intent import no_tool_change
from llmchain_os.reading.words import STOP

# Words that ask politely around the verb; never part of the command.
FILLER = (
    "please", "pls", "plz", "kindly", "can you", "could you", "would you", "will you",
    "go ahead and", "now", "just", "ok", "okay", "so", "i want to", "i'd like to",
    "i need to", "let's",
)  # fmt: skip
RUN_VERBS = ("run", "execute", "exec")
# Between the verb and the command: a determiner and a noun, or a noun and a colon.
DETERMINERS = ("the following", "the", "this", "that", "these", "following")
NOUN_ADJECTIVES = ("shell", "bash", "terminal", "following")
NOUNS = ("command line", "commands", "command", "line", "one")
# Asking what a command does or whether it is safe: explain it, never run it.
EXPLAIN_CUES = (
    "explain", "explains", "describe", "what does", "what do", "what would", "what will",
    "what happens", "what is the risk", "is it safe", "is that safe", "is this safe",
    "safe to run", "safe to execute", "dangerous", "risky", "should i", "tell me what",
)  # fmt: skip
# Said anywhere, even inside a command typed without quotes: nothing runs.
DONT_RUN = (
    "don't run", "do not run", "dont run", "never run", "without running", "not run it",
    "just explain", "only explain", "don't execute", "do not execute", "no need to run",
)  # fmt: skip
# What closes "what does X do", "explain X first": not part of X.
EXPLAIN_TAILS = (
    "do", "does", "would do", "will do", "actually do", "do exactly", "show", "shows",
    "print", "prints", "output", "mean", "means", "first", "if i run it", "for me",
)  # fmt: skip
POLITE_TAIL = ("for me", "please", "pls", "plz", "thanks", "thank you")


def _phrases(words: tuple[str, ...]) -> str:
    """A regex alternative of whole phrases, longest first, any spacing between words."""
    ordered = sorted(words, key=len, reverse=True)
    return "|".join(r"\s+".join(map(re.escape, w.split())) for w in ordered)


SPAN = re.compile(r"`([^`]+)`|(?<![\w'])'([^']+)'(?!\w)|(?<![\w\"])\"([^\"]+)\"(?!\w)")
HIDDEN = "\ufffc"  # stands in for each character of a span while the words are read
RUN_VERB = re.compile(rf"(?<![\w-])(?:{_phrases(RUN_VERBS)})(?![\w-]):?", re.I)
FILLERS = re.compile(rf"^(?:(?:{_phrases(FILLER)})\b[\s,]*)*$", re.I)
SENTENCE = re.compile(r"[:.!?;]\s")
LEAD = re.compile(
    rf"\s*(?:(?:{_phrases(DETERMINERS)})\b(?:\s+(?:{_phrases(NOUN_ADJECTIVES)}))?"
    rf"(?:\s+(?:{_phrases(NOUNS)})\b)?\s*:?|(?:(?:{_phrases(NOUN_ADJECTIVES)})\s+)?"
    rf"(?:{_phrases(NOUNS)})\s*:)?\s*",
    re.I,
)
NOUN = re.compile(rf"\b(?:{_phrases(NOUNS)})\b", re.I)
CUE = re.compile(rf"\b(?:{_phrases(EXPLAIN_CUES)})\b", re.I)
NOT_RUN = re.compile(rf"(?<!\w)(?:{_phrases(DONT_RUN)})\b", re.I)
TAIL = re.compile(rf"(?:[\s,]+(?:{_phrases(EXPLAIN_TAILS)}))+\W*$|\s*[?!]+$", re.I)
POLITE = re.compile(rf"(?:[\s,]+(?:{_phrases(POLITE_TAIL)}))+\W*$", re.I)
CUT = re.compile(r"[?!](?=\s|$)|,\s")  # where an unquoted command in a question ends
WHAT = re.compile(r"^\s*(?:what|whether|if)\b\s*", re.I)
CLAUSE_SPLIT = re.compile(
    r"\s*(?:,?\s*\band then\b|,\s*then\b|;|\band also\b|"
    r"\band\b(?=\s+(?:show|tell|give|list|find|check|get|display|what|how|which)\b))\s*",
    re.I,
)


class Ask(StrEnum):
    RUN = "run"  # a run verb governs it, or the request is the command line itself
    EXPLAIN = "explain"  # asked what it does or whether it is safe: it is never run
    UNCLEAR = "unclear"  # a command in backticks that nothing asks to run


@dataclass(frozen=True)
class Spelled:
    """A command line the request spells out, exactly, and what it asks done with it."""

    command: str
    ask: Ask


Bare = Callable[[str], str | None]


def _no_bare(_text: str) -> str | None:
    return None


def spans(text: str) -> list[re.Match[str]]:
    """The quoted or backticked spans of ``text``, in order."""
    return list(SPAN.finditer(text))


def _inner(m: re.Match[str]) -> str:
    return next(g for g in m.groups() if g is not None)


def _masked(text: str, found: list[re.Match[str]]) -> str:
    """The text with each span hidden (positions kept) and typographic apostrophes plain."""
    out = text.replace("\u2019", "'")
    for m in found:
        out = out[: m.start()] + HIDDEN * (m.end() - m.start()) + out[m.end() :]
    return out


def spelled_command(clause: str, bare: Bare = _no_bare) -> Spelled | None:
    """The command line one clause spells out, and whether it asks to run or explain it.

    ``bare`` says whether unquoted text is a command line on its own ("ls -la /etc"); the
    planner passes one that knows the English words of its examples."""
    found = spans(clause)
    masked = _masked(clause, found)
    verb = RUN_VERB.search(masked)
    if verb is not None and (target := _run_target(clause, masked, verb, bare)) is not None:
        return target
    explained = bool(CUE.search(masked) or NOT_RUN.search(masked))
    if found and (quoted := _span_only(masked, found, explained)) is not None:
        return quoted
    cue = CUE.search(masked)
    if cue is not None:
        command = bare(_after_cue(clause[cue.end() :]))
        return Spelled(command, Ask.EXPLAIN) if command else None
    command = bare(clause.strip())
    return Spelled(command, Ask.EXPLAIN if explained else Ask.RUN) if command else None


def _run_target(clause: str, masked: str, verb: re.Match[str], bare: Bare) -> Spelled | None:
    """What a run verb governs: a span right after it, else the rest of the text. At the
    head of a request ("please run X", "check the log: run X") the rest is the command as
    typed; further in ("is it safe to run X?"), only a whole command line up to the "?"."""
    before = masked[: verb.start()]
    head = FILLERS.match(SENTENCE.split(before)[-1].strip()) is not None
    lead = LEAD.match(clause, verb.end())
    start = lead.end() if lead and _strong(clause[verb.end() : lead.end()]) else verb.end()
    start += len(clause[start:]) - len(clause[start:].lstrip())
    span = next((m for m in spans(clause) if m.start() == start), None)
    cut = CUT.search(masked, start)
    end = span.end() if span else cut.start() if cut else len(clause)
    if span is not None:
        command = _inner(span).strip()
    elif head:
        command = POLITE.sub("", clause[start:]).strip()
        if not _starts_command(command, head=True):
            return None
    else:
        command = bare(POLITE.sub("", clause[start:end]).strip()) or ""
    if not command:
        return None
    if NOT_RUN.search(masked) or CUE.search(before + masked[end:]):
        typed = POLITE.sub("", clause[start:end]).strip() if span is None else command
        return Spelled(typed, Ask.EXPLAIN)
    return Spelled(command, Ask.RUN)


def _strong(lead: str) -> bool:
    """A lead is dropped only when it is plainly one ("the command:", "this shell command"):
    `run command -v x` runs `command -v x`."""
    said = lead.strip().casefold()
    if not said:
        return False
    return said.endswith(":") or (NOUN.search(said) is not None and said.split()[0] in DETERMINERS)


def _starts_command(command: str, head: bool) -> bool:
    """Whether text starts with a program (on PATH, or a path); at the head of a request
    ("run X"), whether it starts with anything but an English function word ("run the
    tests" names no command; "run ./build.sh" and "run myalias" do)."""
    try:
        first = shlex.split(command)[0]
    except (ValueError, IndexError):
        return False
    if head:
        return first.casefold() not in STOP
    return "/" in first or shutil.which(first) is not None


def _span_only(masked: str, found: list[re.Match[str]], explained: bool) -> Spelled | None:
    """Spans no run verb governs: explained when asked; run when one span is the whole
    request ("`df -h`"); a command in backticks amid other words is unclear. A quoted span
    counts as a command only when it starts with a program ('hello world' is text to write)."""
    code = [m for m in found if m.group(1) is not None]
    rest = POLITE.sub("", masked.replace(HIDDEN, " ")).strip(" ?.!")
    whole = len(found) == 1 and FILLERS.match(rest) is not None
    if whole and not explained and (code or _starts_command(_inner(found[0]), False)):
        return Spelled(_inner(found[0]).strip(), Ask.RUN)
    commands = [m for m in found if (explained and m in code) or _starts_command(_inner(m), False)]
    if not commands:
        return None
    command = _inner(commands[0]).strip()
    if explained:
        return Spelled(command, Ask.EXPLAIN)
    return Spelled(command, Ask.UNCLEAR) if commands[0] in code else None


def _after_cue(rest: str) -> str:
    """ "explain what find . -delete does?" -> "find . -delete"."""
    rest = rest.lstrip(" :")
    rest = WHAT.sub("", rest)
    lead = LEAD.match(rest)
    if lead and _strong(rest[: lead.end()]):
        rest = rest[lead.end() :]
    cut = CUT.search(rest)
    rest = rest[: cut.start()] if cut else rest
    return TAIL.sub("", rest).strip()


def explain_only(text: str) -> bool:
    """Whether the request says, anywhere, not to run ("just explain", "do not run it")."""
    return NOT_RUN.search(_masked(text, spans(text))) is not None


def split_clauses(text: str) -> list[str]:
    """The parts of a request; a quoted command keeps its own ; and &&, but the words
    around it still split ("run `cat x` and then show disk usage" is two steps)."""
    found = spans(text)
    verb = RUN_VERB.search(_masked(text, found))
    if verb is not None and not found and FILLERS.match(text[: verb.start()].strip()):
        return [text]  # "run ls; df": the whole rest is the command line
    hidden = [m.span() for m in found]
    cuts = [
        m
        for m in CLAUSE_SPLIT.finditer(text)
        if m.end() > m.start() and not any(a <= m.start() < b for a, b in hidden)
    ]
    parts, last = [], 0
    for m in cuts:
        parts.append(text[last : m.start()])
        last = m.end()
    parts.append(text[last:])
    return [c for c in parts if c.strip()]


def read_request(text: str, bare: Bare = _no_bare) -> list[Spelled]:
    """The commands each clause spells out; all explain-only when the request says not to run."""
    found = [s for c in split_clauses(text) if (s := spelled_command(c, bare)) is not None]
    if explain_only(text) or any(s.ask is Ask.EXPLAIN for s in found):
        return [Spelled(s.command, Ask.EXPLAIN) for s in found]
    return found


def asked_to_run(command: str, request: str) -> bool:
    """Whether the request spelled out exactly ``command`` as a thing to run.

    Text that merely appears in the request (in an echo's argument, in a question about what
    it does) is not consent: only a run target of the parse above, or the whole request."""
    command = command.strip()
    targets = read_request(request, lambda t: bare_command(t, set()))
    return bool(command) and any(s.ask is Ask.RUN and s.command == command for s in targets)


def bare_command(text: str, english: set[str], running: Callable[[], set[str]] = set) -> str | None:
    """The whole text is a command line ("ls -la /tmp", "rm -rf /"): a program on PATH, then
    flags or paths. A lone word ("uptime", "free") is a question, not a command; a program
    whose name is also an English word of the examples ("find", "kill") needs a flag and no
    English function word ("find . -name x", not "find /tmp files older than a week")."""
    try:
        words = shlex.split(text)
    except ValueError:
        return None
    if len(words) < 2 or not shutil.which(words[0]):
        return None
    if words[0].lower() in english:
        flagged = any(len(w) > 1 and w.startswith("-") for w in words[1:])
        prose = STOP & {w.lower() for w in words[1:]}
        return text.strip() if flagged and not prose else None
    if any(w.startswith(("-", "/", "~", "./")) or w in ("|", "&&", ";") for w in words[1:]):
        return text.strip()
    # "pkill syncagent", "cat notes.txt": a program and a few operands, none an English
    # function word ("sort files by size" is a sentence), each a file, a running process's
    # name or not a plain word ("nice try", "yes sir" are not command lines).
    plain = words[0].lower() not in STOP and not STOP & {w.lower() for w in words}
    if not plain or len(words) > 4 or any(no_tool_change(w) for w in words):
        return None
    return text.strip() if all(_operand(w, running) for w in words[1:]) else None


def _operand(word: str, running: Callable[[], set[str]]) -> bool:
    import os

    return bool(re.search(r"[./=\d:@]", word)) or os.path.exists(word) or word in running()
