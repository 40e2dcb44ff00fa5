"""The two narrow questions the planner puts to the local model, each under a grammar
that allows only valid answers: which of a few close tools fits, and which words of the
request fill a required argument."""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from llmchain_os.agent.outcome import PlanOutcome, Unsure
from llmchain_os.agent.retrieval import Match
from llmchain_os.llm.grammar import args_grammar, choice_grammar
from llmchain_os.prompts import load_prompt
from llmchain_os.tools.base import Tool
from llmchain_os.tools.registry import ToolRegistry

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel


def choose_tool(
    model: BaseChatModel,
    registry: ToolRegistry,
    clause: str,
    close: list[Match],
    outcome: PlanOutcome,
) -> str:
    """The name of the tool the model picks among ``close`` (the first when it answers
    anything else)."""
    names = [m.tool for m in close]
    lines = "\n".join(f"- {n}: {registry.get(n).description}" for n in names)
    reply = ask(
        model,
        load_prompt("choose_tool", tools=lines),
        clause,
        choice_grammar(names),
        outcome,
        max_tokens=16,
    )
    try:
        name = json.loads(reply)
    except json.JSONDecodeError:
        name = None
    return name if name in names else names[0]


def fill_args(
    model: BaseChatModel,
    tool: Tool,
    clause: str,
    choices: dict[str, list[str]],
    outcome: PlanOutcome,
) -> dict[str, Any]:
    """The values the model picks for the missing arguments, each one of ``choices``."""
    schema = tool.json_schema()
    sub = {"type": "object", "properties": {n: schema["properties"][n] for n in choices}}
    prompt = load_prompt("fill_args", tool=tool.name, description=tool.description)
    reply = ask(model, prompt, clause, args_grammar(sub, choices), outcome, max_tokens=64)
    try:
        filled = json.loads(reply)
    except json.JSONDecodeError:
        filled = None
    # The grammar should make anything else impossible; a provider may ignore grammars.
    if not (
        isinstance(filled, dict)
        and set(filled) == set(choices)
        and all(filled[n] in choices[n] for n in choices)
    ):
        raise Unsure(f"I could not work out the {', '.join(choices)} for {tool.name}")
    return filled


def ask(
    model: BaseChatModel,
    system: str,
    clause: str,
    grammar: str,
    outcome: PlanOutcome,
    max_tokens: int,
) -> str:
    from langchain_core.messages import HumanMessage, SystemMessage

    start = time.perf_counter()
    reply = model.invoke(
        [SystemMessage(system), HumanMessage(clause)], grammar=grammar, max_tokens=max_tokens
    )
    outcome.model_calls += 1
    outcome.timings["model"] = outcome.timings.get("model", 0) + time.perf_counter() - start
    return str(reply.content)
