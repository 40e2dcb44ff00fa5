"""The planner reads each tool's card and names no tool: a tool from outside (a plugin, or
one a test writes) is planned from its own examples, extractor and claim; the world the
planner checks names against is one object a test can give outright."""

from __future__ import annotations

import ast
import sys
import textwrap
from pathlib import Path

import pytest

from llmchain_os.agent.planner import RetrievalPlanner
from llmchain_os.agent.request import Request
from llmchain_os.reading.world import FixedWorld
from llmchain_os.safety.risk import Risk
from llmchain_os.tools.base import ToolOutput, tool
from llmchain_os.tools.card import Card, Clause, Stage, Unclear
from llmchain_os.tools.registry import PLUGIN_GROUP, ToolRegistry, builtin_registry

AGENT = Path(__file__).resolve().parents[2] / "llmchain_os" / "agent"


class Tickets(ToolOutput):
    project: str


def _project(c: Clause) -> dict[str, str]:
    words = c.text.rstrip("?").split()
    return {"project": words[-1].capitalize()} if words[-1].lower() != "tickets" else {}


def _jira_claim(c: Clause) -> str | None:
    if "jira" not in c.text.lower():
        return None
    if "closed" in c.text.lower():
        raise Unclear("I only see open tickets")
    return "the request names the ticket tracker"


@tool(
    risk=Risk.READ,
    card=Card(
        examples=("show the open tickets for project apollo", "which tickets are open in hermes"),
        extract=_project,
        claim=_jira_claim,
        stage=Stage.ORDER,
    ),
)
def open_tickets(project: str) -> Tickets:
    """The open tickets of a project."""
    return Tickets(project=project)


def _planner(world: FixedWorld | None = None) -> RetrievalPlanner:
    registry = builtin_registry()
    registry.register(open_tickets)
    return RetrievalPlanner(registry, world=world or FixedWorld())


def test_a_new_tool_is_planned_from_its_own_card() -> None:
    planner = _planner()

    by_examples = planner.plan(Request("list open tickets in project zephyr")).plan
    by_claim = planner.plan(Request("what does jira say about orion")).plan
    refused = planner.plan(Request("closed jira items of orion"))

    assert by_examples is not None and by_examples.steps[0].tool == "open_tickets"
    assert by_examples.steps[0].args == {"project": "Zephyr"}
    assert by_claim is not None and by_claim.steps[0].why == "the request names the ticket tracker"
    assert refused.plan is None and refused.unsure == "I only see open tickets"


def test_the_world_is_given_not_read_kill_by_name() -> None:
    one = _planner(FixedWorld({"stuckjob": [4242]})).plan(Request("kill the stuckjob process"))
    two = _planner(FixedWorld({"stuckjob": [7, 8]})).plan(Request("kill the stuckjob process"))

    assert one.plan is not None
    assert (one.plan.steps[0].tool, one.plan.steps[0].args) == ("kill_process", {"pid": 4242})
    assert two.plan is None and "pids 7, 8" in (two.unsure or "")


def test_a_running_question_about_nothing_running_is_answered_from_the_world() -> None:
    world = FixedWorld({"postgres": [31]})

    running = _planner(world).plan(Request("is postgres running")).plan
    absent = _planner(world).plan(Request("is ghostsvcd running"))

    assert running is not None and running.steps[0].args == {"name": "postgres"}
    assert absent.plan is None and "No process named 'ghostsvcd'" in (absent.unsure or "")


def test_saved_scripts_come_from_the_world() -> None:
    world = FixedWorld(scripts={"nightly-backup"})

    found = _planner(world).plan(Request("run my nightly-backup script")).plan
    missing = _planner(FixedWorld()).plan(Request("run my nightly-backup script"))

    assert found is not None and found.steps[0].tool == "run_script"
    assert missing.plan is None and "No saved script is named" in (missing.unsure or "")


def test_roles_are_found_by_the_registry_not_by_name() -> None:
    from llmchain_os.tools.card import Role

    registry = builtin_registry()
    assert {r: getattr(registry.by_role(r), "name", None) for r in Role if r is not Role.NONE} == {
        Role.COMMAND: "run_shell",
        Role.EXPLAIN: "explain_command",
        Role.SAVE_SCRIPT: "save_script",
        Role.RUN_SCRIPT: "run_script",
        Role.SCHEDULE: "schedule_script",
    }
    assert ToolRegistry([open_tickets]).by_role(Role.COMMAND) is None


def _string_constants(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


def test_the_agent_names_no_tool() -> None:
    names = set(builtin_registry().names())
    named = {
        f"{path.name}: {name}"
        for path in sorted(AGENT.glob("*.py"))
        for name in sorted(_string_constants(path) & names)
    }
    assert named == set(), "agent/ should read tools' cards and roles, not their names"


# -- plugins ------------------------------------------------------------------------------
PLUGIN = '''
from llmchain_os.safety.risk import Risk
from llmchain_os.tools.base import ToolOutput, tool
from llmchain_os.tools.card import Card


class Quote(ToolOutput):
    text: str

    def summary(self) -> str:
        return self.text


@tool(risk=Risk.READ, card=Card(examples=("give me a quote of the day", "inspire me")))
def quote_of_the_day() -> Quote:
    """A quote for today."""
    return Quote(text="Simple things should be simple.")


TOOLS = [quote_of_the_day]
BROKEN = ["not a tool"]
'''


def _install_plugin(root: Path, entries: str) -> None:
    """A real installed distribution: a module and a dist-info with entry points."""
    (root / "llmos_quotes.py").write_text(textwrap.dedent(PLUGIN), encoding="utf-8")
    info = root / "llmos_quotes-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: llmos-quotes\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[{PLUGIN_GROUP}]\n{entries}\n")


@pytest.fixture
def plugin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    sys.modules.pop("llmos_quotes", None)


def test_an_installed_plugin_joins_the_registry_and_is_planned(plugin_dir: Path) -> None:
    _install_plugin(plugin_dir, "quotes = llmos_quotes:TOOLS")

    registry = builtin_registry(plugins=True)
    outcome = RetrievalPlanner(registry, world=FixedWorld()).plan(Request("inspire me please"))

    assert "quote_of_the_day" in registry and registry.problems == []
    assert outcome.plan is not None and outcome.plan.steps[0].tool == "quote_of_the_day"
    quote = registry.get("quote_of_the_day")
    assert quote.call(quote.parse_args({})).summary().startswith("Simple")


def test_a_broken_plugin_is_skipped_and_said(plugin_dir: Path) -> None:
    _install_plugin(
        plugin_dir,
        "bad = llmos_quotes:BROKEN\nmissing = llmos_nowhere:TOOLS\ntwice = llmos_quotes:TOOLS\n"
        "again = llmos_quotes:TOOLS",
    )

    registry = builtin_registry(plugins=True)

    assert "quote_of_the_day" in registry and "run_shell" in registry
    problems = "\n".join(registry.problems)
    assert "plugin bad" in problems and "not a list of llmchain_os Tools" in problems
    assert "plugin missing" in problems and "llmos_nowhere" in problems
    assert "exist already: quote_of_the_day" in problems


# Words of a tool's examples are ordinary words for the process tools (so that a process
# named "time" is not what "what time is it" asks about): a daemon's name in another tool's
# examples would stop "is postgres running" from naming the running postgres.
DAEMONS = {"postgres", "nginx", "redis", "mysql", "docker", "firefox", "java", "worker"}
NAMES_PROCESSES = {"process_info", "kill_process"}


def test_no_other_tools_examples_name_a_daemon() -> None:
    found = {
        f"{tool}: {example}"
        for tool, examples in builtin_registry().examples().items()
        if tool not in NAMES_PROCESSES
        for example in examples
        if DAEMONS & set(example.lower().split())
    }
    assert found == set()


@pytest.mark.parametrize(
    "text",
    [
        "find the line in settings.conf that sets the timeout",  # a process named timeout runs
        "how many unique IP addresses show up in access.log",  # about a file, not the NICs
        "does config.ini say anything about port?",  # about a file, not the sockets
        "find the files in here that are owned by www-data",  # files, not processes
    ],
)
def test_a_process_or_network_tool_does_not_claim_a_question_about_files(text: str) -> None:
    from llmchain_os.api import Session

    planner = Session().planner()  # as the shell plans: with meaning (embeddings) too
    planner.world = FixedWorld({"timeout": [77], "bash": [1]})
    outcome = planner.plan(Request(text))
    tools = {s.tool for s in outcome.plan.steps} if outcome.plan else set()
    assert not tools & {
        "process_info",
        "network_interfaces",
        "network_connections",
        "find_processes",
    }, outcome.plan
