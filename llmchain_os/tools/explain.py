"""explain_command: what a command line would do, part by part, as the safety checker judges
it. A read tool: it parses the text and never runs it."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from llmchain_os.safety.commands import classify_command, explain_script
from llmchain_os.safety.risk import Risk
from llmchain_os.tools.base import Table, ToolOutput, tool
from llmchain_os.tools.card import Card, Role


class CommandPart(BaseModel):
    """One simple command or pipeline of the line, with its risk and the reason."""

    text: str
    risk: Risk
    reason: str
    denied: bool = False


class Explanation(ToolOutput):
    command: str
    risk: Risk
    reason: str
    denied: bool
    parts: list[CommandPart]

    def summary(self) -> str:
        verdict = (
            "would never be run (the deny list refuses it)"
            if self.denied
            else f"would be a {self.risk.value} step"
        )
        return f"`{self.command}` was not run. It {verdict}: {self.reason}."

    def table(self) -> Table:
        rows = [
            [p.text, p.risk.value + (" (denied)" if p.denied else ""), p.reason] for p in self.parts
        ]
        return Table("What the command would do (not run)", ["part", "risk", "why"], rows)


@tool(risk=Risk.READ, card=Card(role=Role.EXPLAIN, never_invent=frozenset({"command"})))
def explain_command(
    command: Annotated[str, Field(min_length=1, max_length=4000)],
) -> Explanation:
    """Explain what a shell command line would do and how risky it is, without running it."""
    whole = classify_command(command)
    parts = [
        CommandPart(
            text=p.text,
            risk=p.assessment.risk,
            reason=p.assessment.reason,
            denied=p.assessment.denied,
        )
        for p in explain_script(command)
    ]
    return Explanation(
        command=command,
        risk=whole.risk,
        reason=whole.reason,
        denied=whole.denied,
        parts=parts,
    )


TOOLS = [explain_command]
