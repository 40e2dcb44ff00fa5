"""Start, stop or restart a systemd service: privileged, so the policy asks first (and
``--yes`` alone never approves it), with the unit's state now in the question. Where there is
no systemd the step fails with one line that says why."""

from __future__ import annotations

import re
import subprocess
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from llmchain_os.errors import ToolError
from llmchain_os.safety.risk import Risk
from llmchain_os.tools.base import ToolOutput, tool
from llmchain_os.tools.card import Card, Clause, Stage
from llmchain_os.tools.services import NEEDS, NOT_A_UNIT, UNIT, Unit, no_systemd, show_unit

Action = Literal["start", "stop", "restart"]
TIMEOUT_S = 90.0  # a unit's own stop timeout is often 90 s
ORDER = re.compile(
    rf"^\s*(?:please\s+)?(?P<action>start|stop|restart)\s+(?:the\s+)?(?:service|unit)\s+"
    rf"(?P<unit>{UNIT})|"
    rf"^\s*(?:please\s+)?(?P<action2>start|stop|restart)\s+(?:the\s+)?(?P<unit2>{UNIT}?)"
    r"(?:\.service)?\s+(?:service|unit|daemon)\b|"
    rf"\bsystemctl\s+(?P<action3>start|stop|restart)\s+(?P<unit3>{UNIT})",
    re.I,
)


class ServiceChanged(ToolOutput):
    unit: str
    action: str
    before: str
    after: str

    def summary(self) -> str:
        done = {"start": "Started", "stop": "Stopped", "restart": "Restarted"}[self.action]
        return f"{done} {self.unit}: {self.before} -> {self.after}."


def _state(unit: Unit | None) -> str:
    return f"{unit.active} ({unit.sub})" if unit is not None else "unknown"


def _effect(args: BaseModel) -> str:
    raw = args.model_dump()
    why = no_systemd()
    now = why or f"now {_state(show_unit(raw['unit']))}"
    return f"{raw['action']} the service {raw['unit']} ({now})"


def _read(c: Clause) -> dict[str, Any]:
    m = ORDER.search(c.text)
    if m is None:
        return {}
    action = m.group("action") or m.group("action2") or m.group("action3")
    unit = m.group("unit") or m.group("unit2") or m.group("unit3")
    if unit.lower() in NOT_A_UNIT:  # "restart the service": which one is not said
        return {}
    return {"action": action.lower(), "unit": unit}


def _claim(c: Clause) -> str | None:
    args = _read(c)
    return f"the request asks to {args['action']} a service" if args else None


@tool(
    risk=Risk.PRIVILEGED,
    effect=_effect,
    card=Card(
        extract=_read,
        claim=_claim,
        stage=Stage.ORDER,
        rank=1,
        needs=NEEDS,
        about_files=False,
        never_invent=frozenset({"unit"}),
    ),
)
def service_action(
    unit: Annotated[str, Field(pattern=rf"^{UNIT}$", max_length=256)], action: Action
) -> ServiceChanged:
    """Start, stop or restart a systemd service (privileged: asked first)."""
    why = no_systemd()
    if why:
        raise ToolError(f"Can't {action} {unit}: {why}")
    before = show_unit(unit)
    if before is None or before.load == "not-found":
        raise ToolError(f"There is no unit named {unit!r} on this machine")
    try:
        done = subprocess.run(
            ["systemctl", action, "--no-ask-password", before.name],
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise ToolError(f"systemctl {action} {unit} did not finish in {TIMEOUT_S:.0f} s") from None
    if done.returncode != 0:
        raise ToolError(f"systemctl {action} {unit} failed: {done.stderr.strip() or done.stdout}")
    return ServiceChanged(
        unit=before.name, action=action, before=_state(before), after=_state(show_unit(unit))
    )


TOOLS = [service_action]
