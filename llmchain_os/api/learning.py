"""What the shell's planner learns from memory (``Session(learn=True)``): past successes
as the plan cache's entries and as exemplars for retrieval and composed commands.

Kept apart from ``api.memory`` (which knows the session, for /good and /bad) so that the
session can import it. Raises ``MemoryUnavailable`` with one line; the session then plans
without memory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmchain_os.memory.records import MemoryUnavailable

if TYPE_CHECKING:
    from llmchain_os.agent.learned import Learned
    from llmchain_os.config import Settings


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
