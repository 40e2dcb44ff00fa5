"""The registry: the tools a session can plan with, by name, and the built-in set.

It sits above the tool modules (it imports each of them to build the built-in set), so
the modules themselves import only ``tools.base``. Tools from installed packages join
through the ``llmchain_os.tools`` entry-point group: each entry names a list of Tools (or a
function returning one), with their cards, as simonw/llm's plugins register theirs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from llmchain_os.errors import ToolError
from llmchain_os.safety.risk import Risk
from llmchain_os.tools.base import Tool
from llmchain_os.tools.card import Role

PLUGIN_GROUP = "llmchain_os.tools"

if TYPE_CHECKING:
    from langchain_core.tools import StructuredTool


class ToolRegistry:
    """The tools a session can plan with, by name."""

    def __init__(self, tools: list[Tool] | None = None) -> None:
        self._tools: dict[str, Tool] = {}
        self.problems: list[str] = []  # plugins that could not be loaded, one line each
        for item in tools or []:
            self.register(item)

    def register(self, item: Tool) -> None:
        if item.name in self._tools:
            raise ValueError(f"tool {item.name!r} is registered twice")
        self._tools[item.name] = item

    def get(self, name: str) -> Tool:
        try:
            return self._tools[name]
        except KeyError:
            raise ToolError(f"No tool named {name!r} - '/tools' lists them") from None

    def names(self) -> list[str]:
        return list(self._tools)

    def __iter__(self) -> Iterator[Tool]:
        return iter(self._tools.values())

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def by_role(self, role: Role) -> Tool | None:
        """The tool that plays ``role`` in the planner's flow, if one is registered."""
        return next((t for t in self if t.card.role is role), None)

    def examples(self, claimed_too: bool = False) -> dict[str, list[str]]:
        """The example requests retrieval matches against, by tool: a card's own, else
        prompts/exemplars/NAME.txt; none for a tool reached only by its claim, unless
        ``claimed_too`` (to rank every tool for a model that chooses among them)."""
        from llmchain_os.prompts import load_exemplars

        files = load_exemplars()
        return {
            t.name: list(t.card.examples) or files.get(t.card.examples_file or t.name, [])
            for t in self
            if t.card.retrieved or claimed_too
        }

    def risk_of(self, name: str, raw: dict[str, Any]) -> Risk:
        """The risk a call would carry, for showing a plan before the policy sees it.

        An unknown tool or bad arguments will fail at run time; they are never shown as read.
        """
        try:
            item = self.get(name)
            return item.assess(item.parse_args(raw)).risk
        except ToolError:
            return Risk.WRITE

    def as_langchain(self, names: Iterable[str] | None = None) -> list[StructuredTool]:
        """Each tool (or those ``names``) as a LangChain StructuredTool, for its schema only
        (``bind_tools``).

        Invoking one raises: a tool runs only through the executor, which asks the policy.
        """
        from langchain_core.tools import StructuredTool

        wanted = set(names) if names is not None else None

        def refuse(**_: Any) -> Any:
            raise RuntimeError("llmchain-os tools run only through the executor and its policy")

        return [
            StructuredTool.from_function(
                func=refuse,
                name=t.name,
                description=t.description,
                args_schema=t.args_model,
            )
            for t in self
            if wanted is None or t.name in wanted
        ]


def builtin_registry(plugins: bool = False) -> ToolRegistry:
    """The built-in tools, one module per domain; with ``plugins``, installed ones too."""
    from llmchain_os.tools import (
        diagnose,
        disks,
        environment,
        explain,
        files,
        folders,
        jobs,
        logins,
        memory,
        network,
        procctl,
        processes,
        procfind,
        proctree,
        remote,
        scripts,
        sensors,
        service_control,
        services,
        shell,
        system,
        usage,
    )

    registry = ToolRegistry(
        [
            *system.TOOLS,
            *processes.TOOLS,
            *files.TOOLS,
            *shell.TOOLS,
            *explain.TOOLS,
            *scripts.TOOLS,
            *jobs.TOOLS,
            *folders.TOOLS,
            *network.TOOLS,
            *proctree.TOOLS,
            *procfind.TOOLS,
            *usage.TOOLS,
            *logins.TOOLS,
            *environment.TOOLS,
            *procctl.TOOLS,
            *remote.TOOLS,
            *memory.TOOLS,
            *diagnose.TOOLS,
            *disks.TOOLS,
            *sensors.TOOLS,
            *services.TOOLS,
            *service_control.TOOLS,
        ]
    )
    if plugins:
        load_plugins(registry)
    return registry


def load_plugins(registry: ToolRegistry) -> None:
    """Register the tools of every ``llmchain_os.tools`` entry point; one that fails to load
    (an import error, a name taken, not a list of Tools) is skipped and recorded in
    ``registry.problems``, never a reason for the shell not to start."""
    from importlib.metadata import entry_points

    for entry in entry_points(group=PLUGIN_GROUP):
        try:
            found = entry.load()
            tools: Iterable[Any] = found() if callable(found) else found
            items = list(tools)
            if not items or not all(isinstance(t, Tool) for t in items):
                raise TypeError("it is not a list of llmchain_os Tools")
            if taken := [t.name for t in items if t.name in registry]:
                raise ValueError(f"it names tools that exist already: {', '.join(taken)}")
            for item in items:
                registry.register(item)
        except Exception as exc:  # a plugin's bug must not stop the shell
            registry.problems.append(f"plugin {entry.name} ({entry.value}): {exc}")
