"""services: on a machine without systemd (this container) the answer says so plainly; a
machine without systemctl too; systemctl's own listing is parsed; and plain requests plan it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import psutil
import pytest

from llmchain_os.agent.planner import RetrievalPlanner
from llmchain_os.agent.request import Request
from llmchain_os.errors import ToolError
from llmchain_os.reading.world import FixedWorld
from llmchain_os.tools.registry import builtin_registry
from llmchain_os.tools.services import Services, failed_units, parse_units, services

SYSTEMD = os.path.isdir("/run/systemd/system") and shutil.which("systemctl") is not None


def _services(**args: object) -> Services:
    out = services.call(services.parse_args(args))
    assert isinstance(out, Services)
    return out


@pytest.mark.skipif(SYSTEMD, reason="this machine runs systemd")
@pytest.mark.skipif(shutil.which("systemctl") is None, reason="no systemctl on PATH here")
def test_without_systemd_the_answer_says_so_and_names_pid_1() -> None:
    init = psutil.Process(1).name()
    for args in ({}, {"failed_only": True}, {"unit": "nginx"}):
        out = _services(**args)
        assert out.summary() == (
            f"I can't show services: this machine does not run systemd (its pid 1 is {init}), "
            "so there is no systemctl to ask. Processes can still be listed and found by name."
        )
        assert out.units == [] and out.table() is None
    assert failed_units() is None


def test_without_systemctl_on_path_the_answer_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    out = _services()
    assert out.why_not == "there is no systemctl on this machine's PATH"
    assert out.summary().startswith("I can't show services: there is no systemctl")


@pytest.mark.skipif(not SYSTEMD, reason="this machine does not run systemd")
def test_with_systemd_the_services_are_listed() -> None:
    out = _services()
    assert out.why_not == "" and out.units
    assert out.summary().startswith(f"{len(out.units)} services, ")


LISTING = """\
cron.service          loaded active   running Regular background program processing daemon
● nginx.service       loaded failed   failed  A high performance web server
ssh.service           loaded active   running OpenBSD Secure Shell server
"""


def test_systemctls_listing_is_parsed() -> None:
    units = parse_units(LISTING)
    assert [(u.name, u.active, u.sub) for u in units] == [
        ("cron.service", "active", "running"),
        ("nginx.service", "failed", "failed"),
        ("ssh.service", "active", "running"),
    ]
    out = Services(unit=None, failed_only=False, why_not="", units=units, journal=[])
    assert out.summary() == "3 services, 2 running, 1 failed."


def test_a_bad_unit_name_is_one_clear_line() -> None:
    with pytest.raises(ToolError, match="bad unit"):
        services.parse_args({"unit": "--now; reboot"})


@pytest.mark.parametrize(
    ("text", "args"),
    [
        ("list the failed services", {"failed_only": True}),
        ("which units have failed", {"failed_only": True}),
        ("status of the nginx service", {"unit": "nginx"}),
        ("systemctl status cron", {"unit": "cron"}),
        ("show the journal of the docker service", {"unit": "docker"}),
        ("list all services", {}),
    ],
)
def test_plain_requests_plan_services(text: str, args: dict[str, object]) -> None:
    outcome = RetrievalPlanner(builtin_registry(), world=FixedWorld()).plan(Request(text))
    assert outcome.plan is not None, outcome.unsure
    assert (outcome.plan.steps[0].tool, outcome.plan.steps[0].args) == ("services", args)


def test_a_service_action_is_privileged_and_asked_even_with_yes() -> None:
    from llmchain_os.agent.executor import Executor
    from llmchain_os.agent.plan import Plan, Step, StepStatus
    from llmchain_os.agent.policy import Policy
    from llmchain_os.safety.risk import Risk
    from llmchain_os.tools.service_control import service_action

    args = service_action.parse_args({"unit": "cron", "action": "restart"})
    assert service_action.assess(args).risk is Risk.PRIVILEGED
    asked: list[str] = []

    def decline(step: Step, decision: object) -> bool:
        asked.append(decision.prompt(step))  # type: ignore[attr-defined]
        return False

    ex = Executor(builtin_registry(), Policy(auto_write=True), approve=decline)
    step = Step(tool="service_action", args={"unit": "cron", "action": "restart"})
    list(ex.execute(Plan(steps=[step])))
    assert ex.records[0].status is StepStatus.DECLINED
    assert asked and asked[0].startswith("Restart the service cron (")


@pytest.mark.skipif(SYSTEMD, reason="this machine runs systemd")
def test_without_systemd_a_service_action_fails_with_one_line() -> None:
    from llmchain_os.tools.service_control import service_action

    init = psutil.Process(1).name()
    with pytest.raises(
        ToolError,
        match=rf"^Can't stop cron: this machine does not run systemd \(its pid 1 is {init}\)$",
    ):
        service_action.call(service_action.parse_args({"unit": "cron", "action": "stop"}))


@pytest.mark.parametrize(
    ("text", "args"),
    [
        ("restart the cron service", {"action": "restart", "unit": "cron"}),
        ("stop the nginx service", {"action": "stop", "unit": "nginx"}),
        ("please start the service chrony", {"action": "start", "unit": "chrony"}),
        ("systemctl restart cron", {"action": "restart", "unit": "cron"}),
        ("restart the sshd unit", {"action": "restart", "unit": "sshd"}),
    ],
)
def test_plain_orders_plan_a_service_action(text: str, args: dict[str, object]) -> None:
    outcome = RetrievalPlanner(builtin_registry(), world=FixedWorld()).plan(Request(text))
    assert outcome.plan is not None, outcome.unsure
    step = outcome.plan.steps[0]
    assert (step.tool, step.args, step.risk.value) == ("service_action", args, "privileged")
