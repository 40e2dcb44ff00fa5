"""Intent rules that keep a wrong tool from answering: what a request asks to change, what
it asks of a file's text, and which other host it is about.

Retrieval picks the nearest examples even when the request asks for something no tool does
("format the disk" is near "how full is my disk"); a read tool's answer then looks like an
answer. These rules turn such requests into "unsure" and keep destructive tools for requests
that say so.
"""

from __future__ import annotations

import re

from llmchain_os.reading.paths import is_file_word

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
# Questions about what a file says; file_info and find_files see names, sizes and dates only.
FILE_TEXT = re.compile(
    r"\b(?:lines?|words?|mentions?|mentioning|contain(?:s|ing)?\s+(?:the\s+)?(?:word|text|"
    r"string|phrase|line)s?)\b",
    re.I,
)
NAMED_FILE_TEXT = re.compile(r"\b(?:contents?|what'?s\s+(?:in|inside)|says?|read)\b", re.I)
REMOTE_TARGET = re.compile(
    r"\b(?:on|at|to|from|in)\s+(?:the\s+)?(?:host|server|box|machine)?\s*"
    r"(?P<host>[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)+)\b"
    r"|\b(?:every|all|each|other|remote)\s+(?:\w+\s+){0,2}(?:hosts?|servers?|nodes?|boxes)\b"
    r"|\bthe\s+(?:\w+\s+){0,2}(?:hosts|servers|nodes)\b"
    # "on the office file server": a machine named by what it is, not this one
    r"|\b(?:on|at|from)\s+(?:the|our|my)\s+(?!(?:local|this|same|own)\b)(?:[\w-]+\s+){1,2}"
    r"(?:server|host|box|nas|vm)\b"
    r"|\b(?:ssh|ping)\b",
    re.I,
)


def no_tool_change(text: str) -> str | None:
    """The change verb of an order no tool carries out ("format the disk"), if any."""
    m = NO_TOOL_CHANGE.match(text)
    return m.group(0).strip() if m else None


def asks_change(text: str) -> bool:
    """Whether the request orders a change (rather than asks a question)."""
    return bool(CHANGE_ORDER.match(text) or NO_TOOL_CHANGE.match(text))


# Words that make a host name in a request about a file's text data ("the lines of
# access.log from 10.0.0.7", "in config.ini change every localhost to db.internal").
TEXT_VERB = re.compile(r"\b(?:grep|search|replace|swap|change\s+every|mention|contain)", re.I)


def remote_target(text: str) -> str | None:
    """The other host(s) a request is about, if any ("on web-02.prod", "every web host");
    none when a host name is what is looked for in a named file's text."""
    from llmchain_os.reading.paths import names_file

    if names_file(text) and (asks_file_text(text, True) or TEXT_VERB.search(text)):
        return None
    for m in REMOTE_TARGET.finditer(text):
        if m.group("host") is None:
            return m.group(0)
        if not is_file_word(m.group("host")):  # "lines in notes.txt" is about a file
            return m.group("host")
    return None


def asks_file_text(text: str, names_a_file: bool) -> bool:
    """Whether the request asks what a file says ("the last 2 lines of app.log", "which
    files mention invoice"); "what's in /tmp" is a listing, unless a file is named."""
    return bool(FILE_TEXT.search(text) or (names_a_file and NAMED_FILE_TEXT.search(text)))
