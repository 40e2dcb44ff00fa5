"""The registry: the tools a session can plan with, by name, and the built-in set.

It sits above the tool modules (it imports each of them to build the built-in set), so
the modules themselves import only ``tools.base``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from llmchain_os.errors import ToolError
from llmchain_os.safety.risk import Risk
from llmchain_os.tools.base import Tool

if TYPE_CHECKING:
    from langchain_core.tools import StructuredTool


class ToolRegistry:
    """The tools a session can plan with, by name."""

    def __init__(self, tools: list[Tool] | None = None) -> None:
        self._tools: dict[str, Tool] = {}
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

    def risk_of(self, name: str, raw: dict[str, Any]) -> Risk:
        """The risk a call would carry, for showing a plan before the policy sees it.

        An unknown tool or bad arguments will fail at run time; they are never shown as read.
        """
        try:
            item = self.get(name)
            return item.assess(item.parse_args(raw)).risk
        except ToolError:
            return Risk.WRITE

    def as_langchain(self) -> list[StructuredTool]:
        """Each tool as a LangChain StructuredTool, for its schema only (``bind_tools``).

        Invoking one raises: a tool runs only through the executor, which asks the policy.
        """
        from langchain_core.tools import StructuredTool

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
        ]


def builtin_registry() -> ToolRegistry:
    """The built-in tools, one module per domain."""
    from llmchain_os.tools import explain, files, jobs, processes, scripts, shell, system

    return ToolRegistry(
        [
            *system.TOOLS,
            *processes.TOOLS,
            *files.TOOLS,
            *shell.TOOLS,
            *explain.TOOLS,
            *scripts.TOOLS,
            *jobs.TOOLS,
        ]
    )
