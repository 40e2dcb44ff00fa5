"""logged_in_users reads the real login records (often none in a container) and is planned
from plain requests."""

from __future__ import annotations

import psutil
import pytest

from llmchain_os.agent.planner import RetrievalPlanner
from llmchain_os.agent.request import Request
from llmchain_os.reading.world import FixedWorld
from llmchain_os.tools.logins import Login, Logins, logged_in_users
from llmchain_os.tools.registry import builtin_registry


def test_the_real_login_records_are_read() -> None:
    out = logged_in_users.call(logged_in_users.parse_args({}))
    assert isinstance(out, Logins)
    assert sorted(s.user for s in out.logins) == sorted(u.name for u in psutil.users())
    if not out.logins:
        assert out.summary() == "Nobody is logged in (no login sessions are recorded here)."


def test_sessions_are_summed_up_by_user() -> None:
    out = Logins(
        logins=[
            Login(user="ann", terminal="pts/0", host="10.0.0.2", started=0.0, pid=10),
            Login(user="ann", terminal="pts/1", host="", started=0.0, pid=11),
            Login(user="bob", terminal="tty1", host="", started=0.0, pid=None),
        ]
    )
    assert out.summary() == "2 users logged in (ann, bob) in 3 sessions."
    assert out.table().rows[1][2] == "local"


@pytest.mark.parametrize(
    "text", ["who is logged in", "is anyone else logged in?", "show logged in users"]
)
def test_plain_requests_plan_logged_in_users(text: str) -> None:
    outcome = RetrievalPlanner(builtin_registry(), world=FixedWorld()).plan(Request(text))
    assert outcome.plan is not None, outcome.unsure
    assert (outcome.plan.steps[0].tool, outcome.plan.steps[0].args) == ("logged_in_users", {})
