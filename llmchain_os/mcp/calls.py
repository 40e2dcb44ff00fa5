"""What one MCP call does: a named tool, or a plain-language request, through the session's
executor and policy, exactly as in the shell.

Nobody can be asked over MCP: the client is another program, and it must never approve its
own step. So every step the shell would ask about is declined, and the call says so with the
question the person would have seen; nothing changes. Reads run (confined as usual). The only
approval is the one the person gives when starting the server: ``--allow-writes`` approves
``write`` and ``remote`` steps like ``--yes``, never destructive or privileged ones.
Every step, run or declined, goes to the audit log with its request ``mcp: ...``.
Tool output is data: it is returned as content and never read for instructions.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from llmchain_os.api import ChainResult, Decision, Policy, Session, ToolInfo, list_tools
from llmchain_os.exitcodes import ExitCode

if TYPE_CHECKING:
    from llmchain_os.agent.plan import Step

REQUEST_TOOL = "request"
REQUEST_DESCRIPTION = (
    "Ask llmchain-os in plain words (e.g. 'how full is my disk'): it plans real system tools "
    "and runs those the policy allows; a step that needs approval is not run."
)
REQUEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"text": {"type": "string", "description": "what you want, in plain words"}},
    "required": ["text"],
    "additionalProperties": False,
}
AUDIT_PREFIX = "mcp: "  # the audit log's request field for every MCP call

STATUS_BY_CODE = {
    ExitCode.DONE: "done",
    ExitCode.STEP_FAILED: "failed",
    ExitCode.DECLINED: "declined",
    ExitCode.UNSURE: "unsure",
}


@dataclass
class Withheld:
    """The MCP approver: it records each question a person would be asked and approves none."""

    questions: list[dict[str, Any]] = field(default_factory=list)

    def __call__(self, step: Step, decision: Decision) -> bool:
        self.questions.append(
            {
                "tool": step.tool,
                "args": step.args,
                "risk": decision.risk.value,
                "question": decision.prompt(step),
                "effect": decision.effect,
                "reason": decision.reason,
            }
        )
        return False


@dataclass(frozen=True)
class Outcome:
    """One call's answer: ``text`` for the client to show, ``data`` as structured content."""

    text: str
    data: dict[str, Any]
    is_error: bool


class McpCalls:
    """The calls an MCP server answers, over one Session; one call runs at a time."""

    def __init__(self, session: Session, allow_writes: bool = False) -> None:
        self.session = session
        self.policy = Policy(auto_write=allow_writes)
        self._lock = threading.Lock()  # the executor and the model are run one call at a time

    def tools(self) -> list[ToolInfo]:
        """The registry's tools (plugins included), then ``request`` (unless a plugin took
        the name: then calls of it are the plugin's)."""
        tools = list_tools(self.session.registry)
        if REQUEST_TOOL in self.session.registry:
            return tools
        request = ToolInfo(
            REQUEST_TOOL, "from the plan", ("text",), REQUEST_DESCRIPTION, REQUEST_SCHEMA
        )
        return [*tools, request]

    def call(self, name: str, args: dict[str, Any]) -> Outcome:
        if name != REQUEST_TOOL or name in self.session.registry:
            return self.run_tool(name, args)
        text = args.get("text")
        if set(args) != {"text"} or not isinstance(text, str):
            result = ChainResult(request="", error="request takes one argument, text (a string)")
            result.exit_code = ExitCode.USAGE
            return outcome(result, Withheld())
        return self.request(text)

    def run_tool(self, name: str, args: dict[str, Any]) -> Outcome:
        """One registry tool, named by the client: through the policy like any step."""
        withheld = Withheld()
        request = f"{AUDIT_PREFIX}{name}"
        with self._lock:
            events = self.session.run_tool(
                name, args, withheld, self.policy, request, why="called over MCP", source="mcp"
            )
            seen = list(events)
        return outcome(ChainResult.from_events(request, seen), withheld)

    def request(self, text: str) -> Outcome:
        """A plain-language request: the whole planner path, then the same policy."""
        withheld = Withheld()
        with self._lock:
            events = list(self.session.handle(text, withheld, False, self.policy, AUDIT_PREFIX))
        return outcome(ChainResult.from_events(text, events), withheld)


def outcome(result: ChainResult, withheld: Withheld) -> Outcome:
    """The result as the client sees it: a status, the questions withheld, the steps."""
    status = _status(result, withheld)
    data: dict[str, Any] = {
        "status": status,
        "exit_code": result.exit_code,
        "needs_approval": withheld.questions,
        "result": result.model_dump(mode="json"),
    }
    return Outcome(headline(status, result, withheld), data, status not in ("done", "unsure"))


def _status(result: ChainResult, withheld: Withheld) -> str:
    if result.error is not None:
        return "error"
    if withheld.questions:
        return "needs_approval"
    return STATUS_BY_CODE.get(result.exit_code, "error")


def headline(status: str, result: ChainResult, withheld: Withheld) -> str:
    """A few lines that say what happened, then the whole result as JSON (data, not orders)."""
    if status == "needs_approval":
        asked = "\n".join(f"- {q['question']}" for q in withheld.questions)
        head = (
            "Not run: this needs approval from the person using llmchain-os, and an MCP client "
            f"cannot give it. Nothing was changed. The question would be:\n{asked}"
        )
    elif status == "error":
        head = f"Error: {result.error or 'the call could not be handled'}"
    elif status == "unsure":
        head = f"Unsure: {result.unsure}"
    else:
        failed = [s.error for s in result.steps if s.error]
        head = result.answer or (f"{status}: {failed[-1]}" if failed else status)
    body = json.dumps(result.model_dump(mode="json"), indent=2, default=str)
    return f"{head}\n\n{body}"
