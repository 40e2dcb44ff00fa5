"""Who is logged in: the login sessions this machine records (utmp)."""

from __future__ import annotations

import re
import time

import psutil

from llmchain_os.safety.risk import Risk
from llmchain_os.tools.base import Table, ToolOutput, tool
from llmchain_os.tools.card import Card, Clause, Stage

LOGINS_ASKED = re.compile(
    r"\b(?:who(?:'s|\s+is|\s+else\s+is)?|anyone|anybody|someone|somebody|users?)\s+"
    r"(?:else\s+)?(?:is\s+|are\s+)?(?:currently\s+)?(?:logged|signed)\s+(?:in|on)\b|"
    r"\blogged[\s-]in\s+users?\b|\blogin\s+sessions?\b|\bwho\s+is\s+on\s+(?:this|the)\s+"
    r"(?:machine|box|server|computer|host)\b",
    re.I,
)


class Login(ToolOutput):
    user: str
    terminal: str
    host: str
    started: float
    pid: int | None


class Logins(ToolOutput):
    logins: list[Login]

    def summary(self) -> str:
        if not self.logins:
            return "Nobody is logged in (no login sessions are recorded here)."
        users = sorted({s.user for s in self.logins})
        n = len(self.logins)
        return (
            f"{len(users)} user{'s' if len(users) != 1 else ''} logged in ({', '.join(users)}) "
            f"in {n} session{'s' if n != 1 else ''}."
        )

    def table(self) -> Table:
        rows = [
            [
                s.user,
                s.terminal or "-",
                s.host or "local",
                time.strftime("%Y-%m-%d %H:%M", time.localtime(s.started)),
                str(s.pid or "-"),
            ]
            for s in self.logins
        ]
        return Table("Logged-in users", ["user", "terminal", "from", "since", "pid"], rows)


def _claim(c: Clause) -> str | None:
    return "the request asks who is logged in" if LOGINS_ASKED.search(c.text) else None


@tool(risk=Risk.READ, card=Card(claim=_claim, stage=Stage.ORDER, rank=6, about_files=False))
def logged_in_users() -> Logins:
    """The users logged in now: terminal, where from, since when."""
    return Logins(
        logins=[
            Login(
                user=u.name,
                terminal=u.terminal or "",
                host=u.host or "",
                started=u.started,
                pid=getattr(u, "pid", None),
            )
            for u in psutil.users()
        ]
    )


TOOLS = [logged_in_users]
