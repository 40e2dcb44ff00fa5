"""What the shell's planner learns from memory (``Session(learn=True)``): past successes
as the plan cache's entries and as exemplars for retrieval and composed commands.

Kept apart from ``api.memory`` (which knows the session, for /good and /bad) so that the
session can import it. Raises ``MemoryUnavailable`` with one line; the session then plans
without memory.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from llmchain_os.memory.records import MemoryUnavailable

if TYPE_CHECKING:
    from llmchain_os.agent.learned import Learned, PlanCache
    from llmchain_os.config import Settings
    from llmchain_os.tools.registry import ToolRegistry


class Learning:
    """A session's learning from memory: the plan cache and why there is none."""

    def __init__(self, on: bool) -> None:
        self.on = on
        self.error = ""  # why memory is not learned from here ("" when it is)
        self.plan_cache: PlanCache | None = None  # once ``learned`` has run

    def learned(self, registry: ToolRegistry, settings: Settings) -> Learned | None:
        """Memory's successes as exemplars, and the plan cache filled with them; None (the
        reason kept in ``error``) when off or without memory."""
        if not self.on:
            return None
        from llmchain_os.agent.learned import PlanCache
        from llmchain_os.knowledge.embed import EmbeddingError, shared_embedder
        from llmchain_os.tools.card import Role

        command = registry.by_role(Role.COMMAND)
        try:
            found = learned(set(registry.names()), command.name if command else "", settings)
            self.plan_cache = PlanCache(shared_embedder(), found.successes)
        except (MemoryUnavailable, EmbeddingError) as exc:
            self.error = f"planning without memory: {exc}"  # the shell shows it once
            logging.getLogger(__name__).info(self.error)
            return None
        return found

    def finished(self, entry_id: str, result: Mapping[str, Any], dry_run: bool) -> None:
        """A request just recorded: a success is reused from the next request on."""
        if self.plan_cache is None:
            return
        from llmchain_os.agent.learned import Past
        from llmchain_os.memory.history import history_record, succeeded
        from llmchain_os.memory.plans import ran

        record = history_record(result, dry_run)
        if succeeded(record):
            self.plan_cache.add([Past(entry_id, record["request"], ran(record), 1.0)])

    def unlearn(self, entry_id: str) -> None:
        """``/bad``: the request's plan is no longer reused in this session."""
        if self.plan_cache is not None:
            self.plan_cache.drop(entry_id)


def learned(tools: set[str], command_tool: str, settings: Settings | None = None) -> Learned:
    """What the planner learns from memory's successes: each as a plan to reuse; one of one
    step also as one more example of its tool (of ``tools``), or with its command as a
    template for composing. Nothing when memory holds nothing yet (no store is made)."""
    from llmchain_os.agent.learned import Learned, Past, template
    from llmchain_os.knowledge.embed import EmbeddingError
    from llmchain_os.memory.plans import learned as successes
    from llmchain_os.memory.store import memory_dir, shared_store

    if settings is not None and not settings.memory:
        raise MemoryUnavailable("memory is off (memory = false in config.toml)")
    if not memory_dir().exists():
        return Learned()
    try:
        found = successes(shared_store(settings.memory_history_limit if settings else None))
    except EmbeddingError as exc:
        raise MemoryUnavailable(f"memory needs the embedding model: {exc}") from exc
    out = Learned()
    for past in found:
        if not past.plan or any(step.get("tool") not in tools for step in past.plan):
            continue
        out.successes.append(Past(past.id, past.request, past.plan, 1.0))
        if len(past.plan) != 1:
            continue
        tool, args = past.plan[0]["tool"], past.plan[0].get("args") or {}
        if tool != command_tool:
            out.tool_examples.setdefault(tool, []).append(past.request)
        elif shape := template(str(args.get("command", "")), past.request):
            out.commands.append((past.request, shape))
    return out
