"""The tool-calling loop for models that can plan with native tool calls (a big GGUF, a cloud).

The model proposes one call at a time; each goes through the executor (so through the policy);
its result goes back as data. Bounded by ``max_steps``. Everything sent to a cloud model is
redacted first. A shell command the model wrote, rather than one the request spelled out,
is marked ``needs_consent``: the policy asks a person, whatever ``--yes`` says; so is any
other call that changes things with a value (a path, a text, a pid) the request does not hold.
"""

from __future__ import annotations

import json
import platform
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from llmchain_os.agent.answer import facts_of
from llmchain_os.agent.events import Event, EventKind
from llmchain_os.agent.executor import Executor
from llmchain_os.agent.plan import Step, StepStatus
from llmchain_os.agent.request import Request
from llmchain_os.agent.spelled import asked_to_run
from llmchain_os.llm.errors import ModelError, ProviderError
from llmchain_os.prompts import load_prompt
from llmchain_os.safety.redact import redact, redact_data
from llmchain_os.safety.risk import Risk
from llmchain_os.tools.card import Role
from llmchain_os.tools.registry import ToolRegistry

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel
    from langchain_core.messages import BaseMessage

RESULT_CHARS = 4000


OFFERED = 8  # tools shown to the model per request, nearest first


def offered_tools(registry: ToolRegistry, text: str) -> list[str]:
    """The tools the model is shown for a request: the ``OFFERED`` whose examples are
    nearest, and the one that runs command lines. Every schema at once would not fit a
    small model's context (35 tools take about 2,700 tokens) and blurs its choice."""
    from llmchain_os.agent.retrieval import ToolIndex

    index = ToolIndex(registry.examples(claimed_too=True))
    names = [m.tool for m in index.rank(text)[:OFFERED]]
    command = registry.by_role(Role.COMMAND)
    if command is not None and command.name not in names:
        names.append(command.name)
    return names


class ToolLoop:
    def __init__(
        self, model: BaseChatModel, registry: ToolRegistry, max_steps: int, redact_all: bool
    ) -> None:
        self.model = model
        self.registry = registry
        self.max_steps = max_steps
        self.redact_all = redact_all

    def _clean(self, text: str) -> str:
        return redact(text) if self.redact_all else text

    def _step(self, name: str, args: dict[str, Any], request_text: str) -> Step:
        """The model's call as a step, with the risk the policy will see (shown in the plan).

        A shell command that the request does not spell out as a thing to run (see
        ``agent.spelled``) came from the model (or from text it read in a tool result, or from
        a quote in the request): it needs a person's consent, never a blanket --yes.
        """
        risk = self.registry.risk_of(name, args)
        consent = False
        role = self.registry.get(name).card.role if name in self.registry else Role.NONE
        if role is Role.COMMAND:
            command = str(args.get("command", "")).strip()
            consent = not asked_to_run(command, request_text)  # spelled to run, not quoted
        elif role is Role.SAVE_SCRIPT:  # a script the model wrote is the same: a person reads it
            script = str(args.get("text", "")).strip()
            consent = not script or script not in request_text
        elif risk is not Risk.READ:  # a change whose target or text the model chose
            consent = bool(_unspelled(args, request_text))
        undo = self.registry.get(name).undo if name in self.registry else ""
        return Step(
            tool=name,
            args=args,
            risk=risk,
            why="the model called it",
            needs_consent=consent,
            undo=undo,
        )

    @staticmethod
    def _invoke(bound: Any, messages: list[BaseMessage]) -> Any:
        try:
            return bound.invoke(messages)
        except ModelError:
            raise
        except Exception as exc:  # timeouts, refused connections, HTTP errors: one line
            first = str(exc).splitlines()[0] if str(exc) else ""
            raise ProviderError(f"{type(exc).__name__}: {first}"[:300]) from exc

    def run(self, request: Request, executor: Executor) -> Iterator[Event]:
        from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

        offered = offered_tools(self.registry, request.text)
        bound = self.model.bind_tools(self.registry.as_langchain(offered))
        messages: list[BaseMessage] = [
            SystemMessage(load_prompt("agent_system", os=platform.system())),
            HumanMessage(self._clean(request.text)),
        ]
        seen: set[str] = set()
        for _ in range(self.max_steps):
            yield Event(kind=EventKind.STATUS, text="thinking")
            reply = self._invoke(bound, messages)
            if not getattr(reply, "tool_calls", None):
                text = str(reply.content).strip()
                yield Event(kind=EventKind.ANSWER, text=text, data={"by": "model"})
                return
            call = reply.tool_calls[0]
            key = json.dumps([call["name"], call["args"]], sort_keys=True, default=str)
            if key in seen:
                break  # the same call again cannot tell the model anything new
            seen.add(key)
            step = self._step(call["name"], call["args"], request.text)
            yield Event(kind=EventKind.PLAN, data={"plan": [step.public()], "source": "tools"})
            yield from executor.run_step(step)
            # Only this call ran: the history holds it alone, answered by one ToolMessage.
            call = {**call, "id": call["id"] or "call"}
            ran = AIMessage(content=reply.content, tool_calls=[call])
            messages += [ran, self._result_message(executor, call["id"])]
            if executor.records[-1].status is StepStatus.DECLINED:
                break
        text = facts_of(executor.records) or "Nothing was done."
        yield Event(kind=EventKind.ANSWER, text=text, data={"by": "facts"})

    def _result_message(self, executor: Executor, call_id: str) -> BaseMessage:
        """The last step's result for the model: data, redacted for the cloud, size-capped.

        The structure is redacted before it becomes JSON (escaped quotes hide secrets from the
        patterns) and before it is cut (a cut can split a secret past recognition).
        """
        from langchain_core.messages import ToolMessage

        record = executor.records[-1]
        result = (
            record.output
            if record.status is StepStatus.DONE
            else {"status": record.status.value, "error": record.error}
        )
        if self.redact_all:
            result = redact_data(result)
        content = json.dumps(result, default=str)[:RESULT_CHARS]
        return ToolMessage(content=content, tool_call_id=call_id)


def _unspelled(args: dict[str, Any], request_text: str) -> list[str]:
    """The argument values of a call that the request does not contain: what the model chose
    (perhaps from text it read in a tool result, which is data, not the user's word)."""
    said = request_text.casefold()
    values: list[Any] = []
    for value in args.values():
        values += value if isinstance(value, list) else [value]
    texts = [_word(v) for v in values if not isinstance(v, bool) and v is not None]
    return [t for t in texts if t and t.casefold() not in said]


def _word(value: Any) -> str:
    """A value as a request would say it (7.0 days is "7")."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()
