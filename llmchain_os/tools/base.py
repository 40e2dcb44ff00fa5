"""What a tool is: a typed function, its argument schema and its risk (the registry of them
is ``tools.registry``).

A tool is a plain typed function; its docstring's first line is what the model sees::

    @tool(risk=Risk.READ)
    def disk_usage(path: str = "/") -> DiskUsage:
        "Total, used and free bytes of the filesystem holding path."

The policy, not the tool, decides whether a step runs: tools only say what risk they carry.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, get_type_hints

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from llmchain_os.errors import ToolError
from llmchain_os.safety.risk import Assessment, Risk
from llmchain_os.tools.card import PLAIN, Card

if TYPE_CHECKING:
    from llmchain_os.safety.confine import Grant
    from llmchain_os.safety.scope import Scope

GRANT = "grant"  # a tool function with this parameter runs confined to what the executor grants


@dataclass(frozen=True)
class Table:
    """A result laid out as rows, for the renderers (rich in the shell, lists in JSON)."""

    title: str
    columns: list[str]
    rows: list[list[str]]


class ToolOutput(BaseModel):
    """Base of every tool's typed result: JSON-able data plus a summary and a table view."""

    model_config = ConfigDict(frozen=True)

    def summary(self) -> str:
        """One plain sentence that states the facts (the answer when no model phrases one)."""
        return ""

    def table(self) -> Table | None:
        return None

    def failure(self) -> str | None:
        """Why the result counts as a failed step (a command exiting non-zero); None if not."""
        return None

    def complained(self) -> bool:
        """Whether a failure says the call itself was wrong (a bad option, a missing file),
        so that another way of asking may do better; a timeout or a plain "no match" is not."""
        return False

    def subject(self) -> dict[str, Any]:
        """Values a follow-up step may refer to as "it" (e.g. the pid of the top process)."""
        return {}


RiskRule = Risk | Callable[[BaseModel], Assessment]
Effect = Callable[[BaseModel], str]
ScopeRule = Callable[[BaseModel], "Scope"]


@dataclass(frozen=True)
class Tool:
    """A registered tool. ``risk`` is fixed, or computed from the arguments (run_shell)."""

    name: str
    description: str
    args_model: type[BaseModel]
    func: Callable[..., ToolOutput | Iterator[str | ToolOutput]]
    risk: RiskRule
    # The exact effect of one call, worked out from the real files/processes at ask time.
    effect: Effect | None = None
    # "trash": what it removes or replaces can be restored by /undo; "none": it cannot;
    # "": it changes nothing (a read tool).
    undo: str = ""
    # What a computed risk is worked out from, for listings ("from the command").
    risk_from: str = "its arguments"
    # Where a call's changes land; with it, the tool runs in the sandbox its approval allows
    # (the function takes a ``grant`` parameter, which is not one of the model's arguments).
    scope: ScopeRule | None = None
    # What the planner knows of it: examples, extractor, claims, role (``tools.card``).
    card: Card = PLAIN

    @property
    def confined(self) -> bool:
        return self.scope is not None

    @property
    def risk_label(self) -> str:
        """The risk as listings show it: fixed, or worked out from each call's arguments."""
        return self.risk.value if isinstance(self.risk, Risk) else f"from {self.risk_from}"

    def assess(self, args: BaseModel) -> Assessment:
        if isinstance(self.risk, Risk):
            return Assessment(self.risk, f"{self.name} is a {self.risk.value} tool")
        return self.risk(args)

    def parse_args(self, raw: dict[str, Any]) -> BaseModel:
        """Validate raw arguments; raises ToolError with the first problem in words."""
        try:
            return self.args_model.model_validate(raw)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "arguments"
            raise ToolError(f"{self.name}: bad {where}: {err['msg']}") from exc

    def describe(self, args: BaseModel) -> str:
        """The exact effect in words ("delete 3 files, 1.2 GiB, under /x"); "" when unknown.

        Best effort by design: a file that vanished or cannot be read must not stop the
        question from being asked, only make it less exact."""
        if self.effect is None:
            return ""
        try:
            return self.effect(args)
        except (OSError, ValueError, ToolError):
            return ""

    def call(self, args: BaseModel, grant: Grant | None = None) -> ToolOutput:
        """Run to the end; the output chunks of a streaming tool are in its result anyway."""
        output: ToolOutput | None = None
        for item in self.stream(args, grant):
            if isinstance(item, ToolOutput):
                output = item
        if output is None:
            raise ToolError(f"{self.name} ended without a result")
        return output

    def stream(self, args: BaseModel, grant: Grant | None = None) -> Iterator[str | ToolOutput]:
        """Output chunks (str) as they come, then the ToolOutput.

        A tool function may be a generator that yields exactly that; a plain function's
        result is the one item. Closing the iterator early stops the tool (its ``finally``).
        A confined tool gets ``grant``; without one it runs read-only.
        """
        extra: dict[str, Any] = {}
        if self.confined:
            from llmchain_os.safety.confine import READ_ONLY

            extra[GRANT] = grant or READ_ONLY
        result = self.func(**args.model_dump(), **extra)
        if isinstance(result, ToolOutput):
            yield result
            return
        yield from result  # a close() of this iterator reaches the tool's generator too

    def json_schema(self) -> dict[str, Any]:
        return self.args_model.model_json_schema()


def _args_model(func: Callable[..., Any]) -> type[BaseModel]:
    """A pydantic model of the function's parameters (Annotated Field()s are kept)."""
    hints = get_type_hints(func, include_extras=True)
    fields: dict[str, Any] = {}
    for name, param in inspect.signature(func).parameters.items():
        if name == GRANT:
            continue  # given by the executor, never by the model or the planner
        default = ... if param.default is inspect.Parameter.empty else param.default
        fields[name] = (hints[name], default)
    model_name = "".join(part.title() for part in func.__name__.split("_")) + "Args"
    return create_model(model_name, __config__=ConfigDict(extra="forbid"), **fields)


def tool(
    *,
    risk: RiskRule,
    name: str | None = None,
    effect: Effect | None = None,
    undo: str | None = None,
    risk_from: str = "its arguments",
    scope: ScopeRule | None = None,
    card: Card = PLAIN,
) -> Callable[[Callable[..., Any]], Tool]:
    """Turn a typed function into a Tool; its docstring's first line is the description.

    ``undo`` defaults to "" for read tools and "none" (cannot be undone) for the rest."""

    def wrap(func: Callable[..., Any]) -> Tool:
        doc = inspect.getdoc(func) or ""
        return Tool(
            name=name or func.__name__,
            description=doc.splitlines()[0] if doc else func.__name__,
            args_model=_args_model(func),
            func=func,
            risk=risk,
            effect=effect,
            undo=undo if undo is not None else ("" if risk is Risk.READ else "none"),
            risk_from=risk_from,
            scope=scope,
            card=card,
        )

    return wrap
