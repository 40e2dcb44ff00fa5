"""The short answer in words: the model phrases it, the facts check it.

A 135M model asked to restate numbers invents some. Its sentence is kept only if every number
in it appears in the facts (and it states at least one when the facts have any); otherwise the
answer is the tools' own summaries, which are right by construction.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from llmchain_os.agent.plan import StepRecord, StepStatus
from llmchain_os.prompts import load_prompt

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

NUMBER = re.compile(r"\d+(?:\.\d+)?")
MAX_ANSWER_CHARS = 300  # a kept model answer is one short sentence


def facts_of(records: Sequence[StepRecord]) -> str:
    lines = []
    for rec in records:
        if rec.status is StepStatus.DONE and rec.summary:
            lines.append(rec.summary)
        elif rec.status is not StepStatus.DONE and rec.status is not StepStatus.RETRIED:
            lines.append(f"{rec.tool} {rec.status.value}: {rec.error}")
    return "\n".join(lines)


def grounded(answer: str, facts: str) -> bool:
    """Every number of the answer is in the facts, and a factual answer states one."""
    said = set(NUMBER.findall(answer))
    known = set(NUMBER.findall(facts))
    if not answer or len(answer) > MAX_ANSWER_CHARS:
        return False
    return said <= known and (bool(said) or not known)


def compose_answer(
    question: str, records: Sequence[StepRecord], model: BaseChatModel | None
) -> tuple[str, str]:
    """(answer, who): who is "model" when the model's sentence passed the check, else "facts"."""
    facts = facts_of(records)
    if not any(r.status is StepStatus.DONE for r in records):
        failed = any(r.status is StepStatus.FAILED for r in records)
        return ("Nothing was done: the step failed." if failed else "Nothing was run."), "facts"
    if model is None:
        return facts, "facts"
    from langchain_core.messages import HumanMessage, SystemMessage

    reply = model.invoke(
        [
            SystemMessage(load_prompt("answer")),
            HumanMessage(load_prompt("answer_user", facts=facts, question=question)),
        ],
        max_tokens=60,
        stop=["\n"],
    )
    text = str(reply.content).strip()
    return (text, "model") if grounded(text, facts) else (facts, "facts")
