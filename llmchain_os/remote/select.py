"""Host selection expressions, over the inventory's names, groups and tags only.

``web`` (a group), ``web-01`` (a host), ``db-*`` (a glob over host names), ``role=web`` (a tag),
``aws`` or ``eu-west`` (a bare tag value; ``eu`` matches ``eu-west-1`` by its leading
dash-separated parts), ``all``. Terms join with ``,`` or ``:`` (union), ``!term`` removes,
``&term`` intersects, and words within one term intersect: ``web aws eu-west`` is every web
host in aws in eu-west, ``web:!web-03`` every web host but web-03.

Anything that matches nothing is an error naming the nearest names: a host argument may only
use what the inventory has.
"""

from __future__ import annotations

import difflib
import fnmatch
import re

from llmchain_os.remote.errors import SelectionError
from llmchain_os.remote.inventory import GROUP_ALL, Host, Inventory

GLOB_CHARS = frozenset("*?[")
WORD = re.compile(r"[A-Za-z0-9_.*?\[\]=-]+\Z")
MAX_EXPRESSION = 2000


def select_hosts(inventory: Inventory, expression: str) -> list[Host]:
    """The hosts ``expression`` names, in inventory order; raises SelectionError."""
    terms = _terms(expression)
    chosen: set[str] = set()
    for op, term in terms:
        matched = _match_term(inventory, term)
        if op == "!":
            chosen -= matched
        elif op == "&":
            chosen &= matched
        else:
            chosen |= matched
    hosts = [h for h in inventory if h.name in chosen]
    if not hosts:
        raise SelectionError(f"{expression!r} leaves no host selected")
    return hosts


def _terms(expression: str) -> list[tuple[str, str]]:
    text = expression.strip()
    if not text or len(text) > MAX_EXPRESSION:
        raise SelectionError("Say which hosts: a name, group, tag or 'all'")
    terms = []
    for part in re.split(r"[,:]", text):
        part = part.strip()
        op = part[:1] if part[:1] in "!&" else ""
        term = part[len(op) :].strip()
        if not term:
            raise SelectionError(f"{expression!r} has an empty term")
        terms.append((op, term))
    if terms[0][0] == "!":  # "!web-03" alone means everything but web-03
        terms.insert(0, ("", GROUP_ALL))
    return terms


def _match_term(inventory: Inventory, term: str) -> set[str]:
    """Hosts matching every word of ``term``."""
    result: set[str] | None = None
    for word in term.split():
        if not WORD.match(word):
            raise SelectionError(f"{word!r} is not a host, group or tag name")
        found = _match_word(inventory, word)
        result = found if result is None else result & found
    return result or set()


def _match_word(inventory: Inventory, word: str) -> set[str]:
    for matcher in (_by_name, _by_glob, _by_tag, _by_tag_value, _by_tag_prefix):
        found = matcher(inventory, word)
        if found is not None:
            if not found:
                raise SelectionError(f"{word!r} matches no host{_near(inventory, word)}")
            return found
    raise SelectionError(f"Unknown host, group or tag {word!r}{_near(inventory, word)}")


def _by_name(inventory: Inventory, word: str) -> set[str] | None:
    if word in (GROUP_ALL, "*"):
        return set(inventory.names())
    if word in inventory:
        return {word}
    groups = inventory.groups()
    return set(groups[word]) if word in groups else None


def _by_glob(inventory: Inventory, word: str) -> set[str] | None:
    if not set(word) & GLOB_CHARS or "=" in word:
        return None
    return {n for n in inventory.names() if fnmatch.fnmatchcase(n, word)}


def _by_tag(inventory: Inventory, word: str) -> set[str] | None:
    key, eq, value = word.partition("=")
    if not eq:
        return None
    if not any(key in h.tags for h in inventory):
        raise SelectionError(f"No host has a tag {key!r}{_near(inventory, word)}")
    return {h.name for h in inventory if fnmatch.fnmatchcase(h.tags.get(key, "\0"), value)}


def _by_tag_value(inventory: Inventory, word: str) -> set[str] | None:
    found = {h.name for h in inventory if word in h.tags.values()}
    return found or None


def _by_tag_prefix(inventory: Inventory, word: str) -> set[str] | None:
    """``eu`` or ``eu-west`` for a region ``eu-west-1``: leading whole dash-separated parts."""
    found = {h.name for h in inventory if any(v.startswith(f"{word}-") for v in h.tags.values())}
    return found or None


def vocabulary(inventory: Inventory) -> list[str]:
    """Every word a selection may use: host and group names, tags, tag values."""
    words = [GROUP_ALL, *inventory.names(), *inventory.groups()]
    for host in inventory:
        words += [f"{k}={v}" for k, v in host.tags.items()] + list(host.tags.values())
    return list(dict.fromkeys(words))


def _near(inventory: Inventory, word: str) -> str:
    close = difflib.get_close_matches(word, vocabulary(inventory), n=4, cutoff=0.6)
    if close:
        return f" - did you mean {', '.join(close)}?"
    if not len(inventory):
        return " - the inventory is empty: 'llmos hosts add' or 'llmos hosts import'"
    return " - 'llmos hosts list' shows the names"


def inventory_words() -> list[str]:
    """The saved inventory's words (``vocabulary``); none when it cannot be read, so that
    neither the prompt nor the planner stops over a broken hosts file."""
    from llmchain_os.errors import ToolError
    from llmchain_os.remote.inventory import load_inventory

    try:
        inventory = load_inventory()
    except ToolError:
        return []
    return vocabulary(inventory) if len(inventory) else []  # not even "all" without hosts
