"""Intent rules that keep a wrong tool from answering: what a request asks to change, and
which process a question or a kill names.

Retrieval picks the nearest examples even when the request asks for something no tool does
("format the disk" is near "how full is my disk"); a read tool's answer then looks like an
answer. These rules turn such requests into "unsure" and keep destructive tools for requests
that say so.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# A delete needs a delete verb somewhere: "find the .conf files" never deletes.
DELETE_VERB = re.compile(
    r"\b(?:delete|deleting|remove|removing|rm|erase|trash|wipe|purge|unlink|"
    r"get\s+rid\s+of|clean\s*up)\b",
    re.I,
)
# Orders no tool carries out (change the machine, act on a file's text); a read tool's
# answer to them would look like an answer.
NO_TOOL_CHANGE = re.compile(
    r"^\s*(?:please\s+|can you\s+|could you\s+)?(?:format|fix|repair|restart|reboot|"
    r"shut\s*down|power\s+off|install|uninstall|reinstall|upgrade|downgrade|mount|unmount|"
    r"umount|partition|optimi[sz]e|speed\s+up|debug|troubleshoot|reset|encrypt|"
    r"defrag\w*|tidy|organi[sz]e|sort\s+out|follow|obey|summari[sz]e|translate|rename|"
    r"move|copy|duplicate|compress|decompress|"
    r"make\s+(?:an?\s+)?(?:\w+\s+)?(?:copy|directory|folder|dir|archive))\b",
    re.I,
)
# An order to change something ("open the port", "wipe my home", "stop nginx"): never
# answered by a command that only reads.
CHANGE_ORDER = re.compile(
    r"^\s*(?:please\s+|can you\s+|could you\s+)?(?:open|close|block|unblock|allow|deny|"
    r"enable|disable|start|stop|restart|wipe|clear|empty|set|turn|kill|delete|remove|erase|"
    r"trash|purge|clean|change|edit|write|create|add|append|overwrite|replace|update)\b",
    re.I,
)
RUNNING_QUESTION = re.compile(
    r"^\s*(?:is|are)\s+(?:the\s+|a\s+)?(?P<name>[\w.\-:]+)\s+(?:process\s+|service\s+|"
    r"daemon\s+)?(?:still\s+)?(?:running|alive|up)\b",
    re.I,
)
# Questions about what a file says; file_info and find_files see names, sizes and dates only.
FILE_TEXT = re.compile(
    r"\b(?:lines?|words?|mentions?|mentioning|contain(?:s|ing)?\s+(?:the\s+)?(?:word|text|"
    r"string|phrase|line)s?)\b",
    re.I,
)
NAMED_FILE_TEXT = re.compile(r"\b(?:contents?|what'?s\s+(?:in|inside)|says?|read)\b", re.I)
BULK = re.compile(r"\b(?:all|every|each|any)\b", re.I)


def no_tool_change(text: str) -> str | None:
    """The change verb of an order no tool carries out ("format the disk"), if any."""
    m = NO_TOOL_CHANGE.match(text)
    return m.group(0).strip() if m else None


def asks_change(text: str) -> bool:
    """Whether the request orders a change (rather than asks a question)."""
    return bool(CHANGE_ORDER.match(text) or NO_TOOL_CHANGE.match(text))


def asked_if_running(text: str) -> str | None:
    """The name in "is NAME running" (a question about one process by name)."""
    m = RUNNING_QUESTION.match(text)
    return m.group("name") if m else None


def names_in(text: str, names: Iterable[str]) -> list[str]:
    """Running process names the text states as words, longest first."""
    known = {n for n in names if len(n) >= 3}
    words = set(re.findall(r"[\w.\-:]+", text))
    return sorted(known & words, key=len, reverse=True)


def pids_named(name: str) -> list[int]:
    """Pids of the running processes called exactly ``name``."""
    import psutil

    return sorted(
        p.info["pid"] for p in psutil.process_iter(["pid", "name"]) if p.info["name"] == name
    )


def asks_file_text(text: str, names_a_file: bool) -> bool:
    """Whether the request asks what a file says ("the last 2 lines of app.log", "which
    files mention invoice"); "what's in /tmp" is a listing, unless a file is named."""
    return bool(FILE_TEXT.search(text) or (names_a_file and NAMED_FILE_TEXT.search(text)))
