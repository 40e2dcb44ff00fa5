"""The environment tool: a variable's value or all of them, secrets masked, and the
requests that reach it through the planner."""

from __future__ import annotations

import pytest

from llmchain_os.agent.planner import RetrievalPlanner
from llmchain_os.agent.request import Request
from llmchain_os.tools.registry import builtin_registry


def run(**args: object) -> object:
    env = builtin_registry().get("environment")
    return env.call(env.parse_args(args))


def test_a_variable_is_shown_and_an_unset_one_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROJECT_ROOT", "/srv/apps/orion-7")
    monkeypatch.delenv("JAVA_HOME", raising=False)

    assert run(name="PROJECT_ROOT").summary() == "PROJECT_ROOT is set to '/srv/apps/orion-7'."  # type: ignore[attr-defined]
    assert run(name="JAVA_HOME").summary() == "JAVA_HOME is not set in this shell's environment."  # type: ignore[attr-defined]


def test_path_is_listed_folder_by_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/opt/x/bin:/usr/bin:/bin")
    table = run(name="PATH").table()  # type: ignore[attr-defined]

    assert [row[1] for row in table.rows] == ["/opt/x/bin", "/usr/bin", "/bin"]


def test_secrets_are_masked_by_name_and_by_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_PASSWORD", "hunter2-xyz")
    monkeypatch.setenv("DEPLOY_URL", "postgres://bob:s3cretpw@db.internal/app")
    everything = run()
    shown = everything.summary() + str(everything.table().rows)  # type: ignore[attr-defined]

    assert "hunter2-xyz" not in shown and "s3cretpw" not in shown
    assert "[REDACTED]" in run(name="DB_PASSWORD").summary()  # type: ignore[attr-defined]


def test_a_lower_case_or_odd_name_is_refused() -> None:
    from llmchain_os.errors import ToolError

    with pytest.raises(ToolError):
        run(name="path; rm -rf /")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("what is PROJECT_ROOT set to", "PROJECT_ROOT"),
        ("what's the value of JAVA_HOME?", "JAVA_HOME"),
        ("print my PATH", "PATH"),
        ("whats my default editor set to", "VISUAL"),
    ],
)
def test_the_planner_sends_variable_questions_here(
    text: str, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROJECT_ROOT", "/srv/x")
    monkeypatch.setenv("VISUAL", "micro")
    outcome = RetrievalPlanner(builtin_registry(), names=lambda: set()).plan(Request(text))

    assert outcome.plan is not None, outcome.unsure
    assert [(s.tool, s.args) for s in outcome.plan.steps] == [("environment", {"name": name})]


@pytest.mark.parametrize(
    "text",
    ["how many ERROR lines are in app.log", "print the README", "open notes.txt in my editor"],
)
def test_words_in_capitals_elsewhere_are_not_variables(text: str) -> None:
    outcome = RetrievalPlanner(builtin_registry(), names=lambda: set()).plan(Request(text))

    assert outcome.plan is None or outcome.plan.steps[0].tool != "environment"
