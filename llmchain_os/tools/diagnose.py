"""diagnose: why the machine is slow, why a disk is full, what eats the memory, why the
network is slow. It gathers the evidence in one short sample (``tools.evidence``), ranks the
likely causes with their evidence, and proposes remedies as tool calls: each is a step the
planner makes of its request ("kill 4242") and the policy asks about like any other.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import Field

from llmchain_os.safety.risk import Risk
from llmchain_os.tools.base import Table, ToolOutput, tool
from llmchain_os.tools.card import Card, Clause, Stage
from llmchain_os.tools.diagnose_rules import Cause, Consumer, facts, rank_causes, top_consumers
from llmchain_os.tools.evidence import gather

Question = Literal["slow", "memory", "disk", "network"]
SAMPLE_S = 0.5  # one window for every rate: long enough for a busy process to show
SLOW = r"(?:slow\w*|sluggish|laggy|lagg?ing|hang\w*|freez\w*|unresponsive|crawl\w*|stuck)"
DIAGNOSE_ASKED = re.compile(
    rf"\bwhy\b.{{0,40}}\b(?:{SLOW}|full|filling|out\s+of\s+(?:space|memory|disk)|"
    r"(?:so\s+)?(?:high|low|busy|hot|loud)|swapping|overloaded)\b|"
    r"\bdiagnos\w*|\btroubleshoot\w*|\bwhat(?:'s|\s+is)\s+wrong\s+with\s+(?:my|this|the)\b|"
    rf"\b(?:machine|computer|box|server|system|laptop|pc|network|internet)\s+(?:is|feels|seems|"
    rf"got|getting)\s+(?:so\s+|really\s+|very\s+)?{SLOW}|"
    r"\bwhat(?:'s|\s+is)\s+(?:filling|eating)\s+(?:up\s+)?(?:my|the|all)\s+(?:disk|space|"
    r"storage)\b|\b(?:memory|ram|disk|drive|storage)\s+is\s+(?:nearly\s+|almost\s+|getting\s+)?"
    r"full\b|\b(?:out\s+of|running\s+out\s+of|low\s+on)\s+memory,?\s+why\b",
    re.I,
)
# Retrieval offers it only to a question with one of these words ("update everything" and
# "search the .md files" are not diagnoses, however near their letters are).
NEEDS = re.compile(
    rf"\b(?:why|wrong|diagnos\w*|troubleshoot\w*|cause|problem|issue|filling|full|{SLOW})\b", re.I
)
ASKS = {
    "memory": re.compile(r"\b(?:memory|ram|mem|swap\w*|oom)\b", re.I),
    "disk": re.compile(r"\b(?:disk|space|storage|full|filling|inodes?|partition|drive)\b", re.I),
    "network": re.compile(r"\b(?:network|internet|wifi|download\w*|upload\w*|bandwidth)\b", re.I),
}


class Diagnosis(ToolOutput):
    question: Question
    sample_s: float
    facts: list[list[str]]  # [what, value] rows of the evidence, whether or not it is a cause
    causes: list[Cause]  # most likely first
    consumers: list[Consumer]  # the biggest users of the resource asked about

    def summary(self) -> str:
        if not self.causes:
            text = f"Nothing stands out over a {self.sample_s:g} s sample ({self._vitals()})."
            if self.consumers:
                c = self.consumers[0]
                text += f" The biggest {c.resource} user is {c.name} (pid {c.pid}, {c.amount})."
            return text
        first, *rest = self.causes
        text = f"Most likely: {first.headline} ({'; '.join(first.evidence[:2])})."
        if rest:
            text += " Also: " + "; ".join(c.headline for c in rest[:3]) + "."
        if first.remedies:
            r = first.remedies[0]
            text += f" To act, say {r.say!r} ({r.risk}; asked before it runs)."
        return text

    def _vitals(self) -> str:
        facts = dict((row[0], row[1]) for row in self.facts)
        keys = {
            "slow": ["load", "cpu busy", "memory used"],
            "memory": ["memory used", "swap"],
            "disk": ["fullest filesystem", "iowait"],
            "network": ["network"],
        }
        return ", ".join(f"{k} {facts[k]}" for k in keys[self.question] if k in facts)

    def table(self) -> Table:
        rows = []
        for i, c in enumerate(self.causes, 1):
            acts = "; ".join(f"{r.say!r} ({r.risk})" for r in c.remedies) or "-"
            rows.append([str(i), c.headline, "; ".join(c.evidence), acts])
        rows += [["", what, value, ""] for what, value in self.facts]
        cols = ["#", "cause or reading", "evidence", "remedy"]
        return Table(f"Diagnosis ({self.question})", cols, rows)

    def subject(self) -> dict[str, Any]:
        pid = next((c.pid for c in self.causes if c.pid is not None), None)
        if pid is None and self.consumers:
            pid = self.consumers[0].pid
        return {"pid": pid} if pid is not None else {}


def question_of(text: str) -> Question:
    """The resource a plain question is about; "slow" when it names none."""
    found = [(m.start(), q) for q, rx in ASKS.items() if (m := rx.search(text))]
    return min(found)[1] if found else "slow"  # type: ignore[return-value]


def _extract(c: Clause) -> dict[str, Any]:
    q = question_of(c.text)
    return {"question": q} if q != "slow" else {}


def _claim(c: Clause) -> str | None:
    if DIAGNOSE_ASKED.search(c.text):
        return "the request asks why the machine misbehaves"
    return None


CARD = Card(
    extract=_extract, claim=_claim, stage=Stage.ORDER, rank=2, needs=NEEDS, about_files=False
)


@tool(risk=Risk.READ, card=CARD)
def diagnose(
    question: Question = "slow",
    sample_s: Annotated[float, Field(ge=0.1, le=5)] = SAMPLE_S,
) -> Diagnosis:
    """Why the machine is slow, the disk full or the memory gone: causes, evidence, remedies."""
    ev = gather(sample_s, services=question == "slow")
    return Diagnosis(
        question=question,
        sample_s=sample_s,
        facts=facts(question, ev),
        causes=rank_causes(question, ev),
        consumers=top_consumers(question, ev),
    )


TOOLS = [diagnose]
