"""The cards of the file tools: how "the .log files in /var/log older than a week" becomes
arguments, and which requests only a delete verb may send to delete_files."""

from __future__ import annotations

import re
from typing import Any

from llmchain_os.reading.operands import find_age_days, find_pattern, find_size, first_path
from llmchain_os.reading.words import quoted
from llmchain_os.tools.card import Card, Clause, Stage

RECURSIVE = re.compile(r"\b(?:under|recursive(?:ly)?|everything|tree)\b", re.I)
WHOLE_FOLDER = re.compile(r"\b(?:folder|directory|dir)\b", re.I)
EVERYTHING = re.compile(r"\b(?:everything|all(?: the)? files)\s+(?:in|under|inside)\b", re.I)
# An order to delete, at the start of a clause ("how much would deleting X free" is not one).
DELETE_INTENT = re.compile(
    r"^\s*(?:please\s+)?(?:delete|remove|erase|trash|wipe|get rid of|clean\s*up)\b", re.I
)
# A delete needs a delete verb somewhere: "find the .conf files" never deletes.
DELETE_VERB = re.compile(
    r"\b(?:delete|deleting|remove|removing|rm|erase|trash|wipe|purge|unlink|"
    r"get\s+rid\s+of|clean\s*up)\b",
    re.I,
)
APPEND = re.compile(r"\b(?:append|add)\b", re.I)
# Which files first ("the smallest", "3 newest"); a few common misspellings of each.
ORDERS = {
    "smallest": re.compile(r"\b(?:small?e?st|tiniest|least space)\b", re.I),
    "newest": re.compile(
        r"\b(?:newe?st|latest|most recent(?:ly)?|last (?:modified|changed|edited))\b", re.I
    ),
    "oldest": re.compile(r"\b(?:olde?st|least recent(?:ly)?)\b", re.I),
    "largest": re.compile(r"\b(?:bigg?e?st|large?st|heaviest|most (?:space|room))\b", re.I),
}
# "the biggest file": one; "the 3 newest files", "top 5": that many.
HOW_MANY = re.compile(r"\b(?:top\s+)?(\d{1,2})\s+(?:\w+\s+){0,3}?(?:files?|ones?)\b", re.I)
ONE_FILE = re.compile(r"\bfile\b(?!s)", re.I)
# Unquoted text spelled out after a marker, to the end of the request.
WORDED_CONTENT = re.compile(
    r"\b(?:with the (?:text|line|words?|contents?)|containing the (?:text|line)|that says|"
    r"saying)\s+(?P<c>\S.*?)\s*$",
    re.I,
)
ADD_LINE = re.compile(
    r"^\s*(?:please\s+)?(?:append|add)\s+(?:the\s+)?(?:line|text|words?)\s+(?P<c>\S.*?)\s+"
    r"(?:to|into|at the end of)\s+\S+\s*$",
    re.I,
)


def _filters(text: str) -> dict[str, Any]:
    args: dict[str, Any] = {}
    if (path := first_path(text)) is not None:
        args["path"] = path
    if (pattern := find_pattern(text)) is not None:
        args["pattern"] = pattern
    if (days := find_age_days(text)) is not None:
        args["older_than_days"] = days
    return args


def _find(c: Clause) -> dict[str, Any]:
    args = _filters(c.text)
    if (size := find_size(c.text)) is not None:
        args["larger_than"] = size
    return {**args, **_ranking(c.text)}


def _ranking(text: str) -> dict[str, Any]:
    """The order a superlative asks for, and how many: "the smallest file" -> one."""
    order = next((name for name, rule in ORDERS.items() if rule.search(text)), None)
    if order is None:
        return {}
    if m := HOW_MANY.search(text):
        return {"order": order, "limit": max(1, min(int(m.group(1)), 50))}
    return {"order": order, "limit": 1} if ONE_FILE.search(text) else {"order": order}


def _delete(c: Clause) -> dict[str, Any]:
    args = _filters(c.text)
    if "pattern" not in args and EVERYTHING.search(c.text):
        args["pattern"] = "*"  # what is in the folder, not the folder itself
    if RECURSIVE.search(c.text) or ("pattern" not in args and WHOLE_FOLDER.search(c.text)):
        args["recursive"] = True
    return args


def _info(c: Clause) -> dict[str, Any]:
    path = first_path(c.text)
    return {"path": path} if path else {}


def _write(c: Clause) -> dict[str, Any]:
    args: dict[str, Any] = {}
    if (path := first_path(c.text)) is not None:
        args["path"] = path
    content = [q for q in quoted(c.text) if q.rstrip("/") != args.get("path")]
    worded = WORDED_CONTENT.search(c.text) or ADD_LINE.search(c.text)
    if content:
        args["content"] = content[0]
    elif worded and worded.group("c") != args.get("path"):
        args["content"] = worded.group("c")  # "with the text buy milk": said, not made up
    if APPEND.search(c.text):
        args["append"] = True
    return args


def _delete_claim(c: Clause) -> str | None:
    return "the request asks to delete files" if DELETE_INTENT.search(c.text) else None


FIND = Card(extract=_find, text_blind=True)
INFO = Card(extract=_info, text_blind=True)
DELETE = Card(extract=_delete, claim=_delete_claim, stage=Stage.ORDER, rank=1, needs=DELETE_VERB)
WRITE = Card(extract=_write, never_invent=frozenset({"content"}))
