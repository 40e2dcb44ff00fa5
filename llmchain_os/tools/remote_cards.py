"""The cards of the remote tools: which requests are about the inventory's hosts, which
hosts ("every web host in aws" -> ``web aws``), and what to run there ("restart nginx").

Only the inventory's own words (host and group names, tags and their values, from the
world) make a selection; a request about hosts that names none of them is "unsure", with
the words it could have used. The question that follows names every selected host.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from llmchain_os.reading.operands import first_path
from llmchain_os.reading.words import STOP, quoted
from llmchain_os.tools.card import Card, Clause, Stage, Unclear

FLEET = re.compile(r"\b(?:hosts?|servers?|nodes?|boxes|machines|fleet|remotes?|vms?)\b", re.I)
EVERY = re.compile(r"\b(?:every|all|each)\b", re.I)
BEFORE = re.compile(
    r"\b(?:on|in|at|to|across|from|of|for)\s+(?:the\s+|all\s+|every\s+|each\s+|my\s+)*$", re.I
)
FILLER = frozenset("on in at to across from of for the all every each my".split())
EXCEPT = re.compile(r"\b(?:except|but\s+not|apart\s+from|other\s+than|excluding)\b", re.I)
JOIN = re.compile(r"\s*(?:,|\band\b|\bor\b|&)\s*", re.I)
TOKEN = re.compile(r"[A-Za-z0-9_.*\[\]=-]+")
COPY = re.compile(r"^\s*(?:please\s+)?(?:copy|upload|send|push|put|scp|deploy)\b", re.I)
LIST = re.compile(
    r"^\s*(?:please\s+)?(?:list|show|which|what)\b.*\b(?:hosts|servers|inventory|machines)\b"
    r"(?:\s+(?:are|do|i|have|in|of)\b.*)?\s*\??$",
    re.I,
)


def _named(text: str, known: set[str]) -> list[tuple[int, str]]:
    """The inventory words the text uses, with where each starts."""
    lower = {w.lower(): w for w in known}
    return [
        (m.start(), lower[m.group(0).lower()])
        for m in TOKEN.finditer(text)
        if m.group(0).lower() in lower
    ]


def _about_hosts(c: Clause, named: list[tuple[int, str]]) -> bool:
    """A fleet word ("hosts", "servers") or an inventory word after on/in/at ("on web-01");
    an inventory word that is also a folder here ("in web") counts only with a fleet word."""
    if FLEET.search(c.text):
        return True
    return any(BEFORE.search(c.text[:at]) and not Path(word).exists() for at, word in named)


def _selection(c: Clause) -> str:
    """The selection expression the clause names: words of one part intersect, parts joined
    by "and" or "," unite, words after "except" are removed; "every host" alone is all."""
    known = c.world.host_words()
    parts = EXCEPT.split(c.text, maxsplit=1)
    head, tail = parts[0], parts[1] if len(parts) > 1 else ""
    terms = [" ".join(w for _, w in _named(part, known)) for part in JOIN.split(head)]
    expression = ",".join(t for t in terms if t)
    removed = [f"!{w}" for _, w in _named(tail, known)]
    if not expression and EVERY.search(head) and FLEET.search(head):
        expression = "all"
    return ":".join([expression, *removed]) if expression else ""


FLEET_NOUN = r"(?:hosts?|servers?|nodes?|boxes|machines|vms?)"
# Words in a selector's place: "servers in azure", "every azure host", "on the db servers"
# (not "what is the backup host": a question about a host, not an order to act on some).
SELECTORS = (
    re.compile(rf"\b{FLEET_NOUN}\s+(?:in|at|on|from|of)\s+(?:the\s+)?([\w.-]+)", re.I),
    re.compile(
        rf"\b(?:every|all|each|on|in|at|across)\s+(?:the\s+)?([\w.-]+)\s+{FLEET_NOUN}\b", re.I
    ),
)


def _unknown_selectors(text: str, known: set[str]) -> list[str]:
    """Words in a selector's place that the inventory does not have ("in azure"): a
    selection without them would be wider than asked."""
    lower = {w.lower() for w in known}
    words = [m.group(1) for rule in SELECTORS for m in rule.finditer(text)]
    return [
        w
        for w in words
        if w.lower() not in lower
        and w.lower() not in FILLER
        and w.lower() not in STOP
        and not FLEET.fullmatch(w)
    ]


def _claim(c: Clause) -> str | None:
    """The clause is about the inventory's hosts: it names some of them, or all of them."""
    known = c.world.host_words()
    named = _named(c.text, known)
    if not _about_hosts(c, named):
        return None
    if not known:
        if named or not (EVERY.search(c.text) and FLEET.search(c.text)):
            return None  # another machine by a name the shell does not know: not ours
        raise Unclear(
            "There are no remote hosts yet - add them with 'llmos hosts add' or "
            "'llmos hosts import ssh' (your ~/.ssh/config)"
        )
    listed = ", ".join(sorted(known)[:12])
    if unknown := _unknown_selectors(c.text, known):
        raise Unclear(
            f"Which hosts? {unknown[0]!r} is not a host, group or tag of the inventory ({listed})"
        )
    if not _selection(c):
        if not named and not EVERY.search(c.text):
            return None
        raise Unclear(f"Which hosts? Name a host, group or tag of the inventory ({listed})")
    return f"the request names hosts of the inventory: {_selection(c)}"


def without_hosts(c: Clause) -> str:
    """The clause without its hosts: what to do there ("restart nginx")."""
    known = {w.lower() for w in c.world.host_words()}
    head = EXCEPT.split(c.text, maxsplit=1)[0]
    words = head.rstrip(" ?.!").split()
    kept = [w for w in words if w.lower() not in known and not FLEET.fullmatch(w)]
    while kept and kept[-1].lower() in FILLER:
        kept.pop()
    return " ".join(w for i, w in enumerate(kept) if not _dangling(kept, i))


def _dangling(words: list[str], i: int) -> bool:
    """A filler word left where a host word was taken out ("restart nginx on every")."""
    return words[i].lower() in FILLER and all(w.lower() in FILLER for w in words[i:])


def _run_args(c: Clause) -> dict[str, Any]:
    args: dict[str, Any] = {}
    if selection := _selection(c):
        args["hosts"] = selection
    known = {w.lower() for w in c.world.host_words()}
    spelled = [q for q in quoted(c.text) if q.lower() not in known]
    if spelled:
        args["command"] = spelled[0]
    return args


def _copy_claim(c: Clause) -> str | None:
    return _claim(c) if COPY.search(c.text) and first_path(c.text) else None


def _copy_args(c: Clause) -> dict[str, Any]:
    args: dict[str, Any] = {}
    if selection := _selection(c):
        args["hosts"] = selection
    if (path := first_path(c.text)) is not None:
        args["path"] = path
    return args


def _list_claim(c: Clause) -> str | None:
    return _claim(c) if LIST.search(c.text) else None


def _list_args(c: Clause) -> dict[str, Any]:
    selection = _selection(c)
    return {"selection": selection} if selection else {}


RUN = Card(
    extract=_run_args,
    claim=_claim,
    stage=Stage.FIRST,
    rank=12,
    retrieved=False,
    never_invent=frozenset({"hosts"}),
    compose_arg="command",
    compose_from=without_hosts,
)
COPY_CARD = Card(
    extract=_copy_args,
    claim=_copy_claim,
    stage=Stage.FIRST,
    rank=10,
    retrieved=False,
    never_invent=frozenset({"hosts", "path"}),
)
LIST_CARD = Card(extract=_list_args, claim=_list_claim, stage=Stage.FIRST, rank=11, retrieved=False)
