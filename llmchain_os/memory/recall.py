"""Recall: history, notes and documents found by meaning, best first, each with its source.

One query vector is searched in all three collections and the hits are merged by cosine
similarity. A request that names a time ("yesterday", "last week", "3 days ago") also looks
at the history of that time window, newest first, since "what did I do yesterday" shares no
meaning with the entries it should find.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta

from llmchain_os.memory.records import Hit, Kind
from llmchain_os.memory.store import MemoryStore

MIN_SCORE = 0.2  # below this a hit shares little more than stop words with the query
UNITS = {"minute": 60, "hour": 3600, "day": 86400, "week": 7 * 86400, "month": 30 * 86400}
NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "few": 3, "couple": 2}
_AGO = re.compile(
    r"\b(?:(?:last|past)\s+)?(\d+|a|an|one|two|three|few|couple)\s*(?:of\s+)?"
    r"(minute|hour|day|week|month)s?(?:\s+ago)?\b",
    re.I,
)
_LAST = re.compile(r"\b(?:last|past|previous|this)\s+(hour|day|week|month)\b", re.I)
_DAY = re.compile(r"\b(today|yesterday|tonight|this morning)\b", re.I)


def time_window(text: str, now: float | None = None) -> tuple[float, float] | None:
    """The span of time a request names, as (start, end) epoch seconds; None if it names none.

    "today", "yesterday"; "last 3 days", "past hour", "this week" (up to now); "2 days ago"
    (that day, give or take one unit)."""
    now = time.time() if now is None else now
    if found := _DAY.search(text):
        midnight = datetime.fromtimestamp(now).replace(hour=0, minute=0, second=0, microsecond=0)
        if found.group(1).lower() == "yesterday":
            return (midnight - timedelta(days=1)).timestamp(), midnight.timestamp()
        return midnight.timestamp(), now
    if found := _AGO.search(text):
        words = found.group(0).lower()
        unit = UNITS[found.group(2).lower()]
        span = (NUMBERS.get(found.group(1).lower()) or int(found.group(1))) * unit
        if words.endswith("ago") and not words.startswith(("last", "past")):
            return now - span - unit, now - span + unit
        return now - span, now
    if found := _LAST.search(text):
        return now - UNITS[found.group(1).lower()], now
    return None


def recall(store: MemoryStore, query: str, k: int = 5, now: float | None = None) -> list[Hit]:
    """The ``k`` memories nearest ``query`` in meaning (and in time, when it names one)."""
    from llmchain_os.knowledge.embed import shared_embedder

    vector = [float(x) for x in shared_embedder().embed([query])[0]]
    hits: list[Hit] = []
    for kind in Kind:
        hits.extend(h for h in store.query(kind, vector, k) if h.score >= MIN_SCORE)
    hits.sort(key=lambda h: -h.score)
    window = time_window(query, now)
    if window is None:
        return hits[:k]
    when = store.query(
        Kind.HISTORY,
        vector,
        4 * k,
        where={"$and": [{"ts": {"$gte": window[0]}}, {"ts": {"$lt": window[1]}}]},
    )
    when.sort(key=lambda h: -h.entry.ts)
    seen = {h.entry.id for h in when}
    return [*when[:k], *(h for h in hits if h.entry.id not in seen)][:k]
