"""Past successes for the planner: the plan cache and learned exemplars (``api.Session``
hands them to the planner as ``agent.learned.Past`` and ``Learned``).

``similar_successes(text, k)`` returns past requests that ran for real with every step done
and exit 0, nearest ``text`` in meaning, each with the plan it ran (tool and arguments) and
its similarity; the plan is what ran (the steps, after any edit the user made to them).
``learned`` lists the successes to learn from, newest first, without /bad ones.
``/bad`` demotes an entry (its similarity is multiplied by ``BAD_WEIGHT``);
``/good`` is kept as ``feedback`` = 1 for a caller that wants to prefer it.
"""

from __future__ import annotations

import json
from typing import Any

from llmchain_os.memory.intake import take_in
from llmchain_os.memory.records import Kind, Success
from llmchain_os.memory.store import MemoryStore, shared_store

LEARN_LIMIT = 300  # learned exemplars at most (the newest), embedded when a session starts
BAD_WEIGHT = 0.5  # a /bad entry's similarity is multiplied by this: demoted below others


def similar_successes(
    text: str, k: int = 5, min_similarity: float = 0.0, store: MemoryStore | None = None
) -> list[Success]:
    """Past successful requests nearest ``text`` in meaning, with the plan they ran (for a
    plan cache, or as learned exemplars); ``store`` defaults to the process's shared one.

    One per distinct request and plan (the newest); an entry marked /bad has its similarity
    multiplied by ``BAD_WEIGHT``, so it ranks below others and under any sane reuse
    threshold. Best first. Raises MemoryUnavailable, or EmbeddingError without the model."""
    from llmchain_os.knowledge.embed import shared_embedder

    store = store or shared_store()
    take_in(store)
    vector = [float(x) for x in shared_embedder().embed([text])[0]]
    hits = store.query(Kind.HISTORY, vector, max(4 * k, 20), where={"success": True})
    best: dict[str, Success] = {}
    for hit in hits:
        feedback = int(hit.entry.meta.get("feedback", 0))
        score = hit.score * (BAD_WEIGHT if feedback < 0 else 1.0)
        plan = ran(hit.entry.record())
        key = json.dumps([hit.entry.text, plan], sort_keys=True)
        found = Success(hit.entry.id, hit.entry.text, plan, score, hit.entry.ts, feedback)
        kept = best.get(key)
        if score >= min_similarity and (
            kept is None or (score, found.ts) > (kept.similarity, kept.ts)
        ):
            best[key] = found
    return sorted(best.values(), key=lambda s: -s.similarity)[:k]


def ran(record: dict[str, Any]) -> list[dict[str, Any]]:
    """The tool and arguments of each step that ran (an edited step as edited); the plan
    for a record without steps."""
    steps = record.get("steps") or record.get("plan") or []
    return [{"tool": s.get("tool", ""), "args": s.get("args", {})} for s in steps]


def learned(store: MemoryStore, limit: int = LEARN_LIMIT) -> list[Success]:
    """The newest ``limit`` successes (one per request), none marked /bad: the planner's
    learned exemplars. Raises MemoryUnavailable."""
    take_in(store)
    found = sorted(
        store.get(Kind.HISTORY, where={"success": True}), key=lambda e: e.ts, reverse=True
    )
    seen: set[str] = set()
    out: list[Success] = []
    for entry in found:
        feedback = int(entry.meta.get("feedback", 0))
        if feedback < 0 or entry.text in seen:
            continue
        seen.add(entry.text)
        out.append(Success(entry.id, entry.text, ran(entry.record()), 1.0, entry.ts, feedback))
        if len(out) == limit:
            break
    return out
