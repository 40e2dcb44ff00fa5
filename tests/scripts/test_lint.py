"""Linting and reviewing scripts with the real linters (skipped, with the reason, if absent)."""

from __future__ import annotations

import shutil

import pytest

from llmchain_os.safety.risk import Risk
from llmchain_os.scripts.lint import _which, assess_script, lint, review

needs_shellcheck = pytest.mark.skipif(
    shutil.which("shellcheck") is None, reason="shellcheck is not installed"
)
needs_ruff = pytest.mark.skipif(_which("ruff") is None, reason="ruff is not installed")


def test_clean_bash_script_passes_and_says_which_linters_ran() -> None:
    report = lint('#!/bin/bash\nset -eu\ndir=/tmp\nls -- "$dir"\n', "bash")
    assert report.ok, report.problems
    assert "bash -n" in report.tools
    assert report.summary().startswith("lint clean")


def test_bash_syntax_error_is_found_by_bash_n() -> None:
    report = lint("#!/bin/bash\nif true; then\necho x\n", "bash")
    assert not report.ok
    assert any(p.startswith("bash:") for p in report.problems)


@needs_shellcheck
def test_shellcheck_warnings_are_reported_with_their_line() -> None:
    report = lint("#!/bin/bash\nfor f in $(ls /tmp); do echo $f; done\n", "bash")
    assert "shellcheck" in report.tools
    assert not report.ok
    assert any(p.startswith("shellcheck: line 2:") for p in report.problems)


def test_python_compile_error() -> None:
    report = lint("def f(:\n    pass\n", "python")
    assert not report.ok
    assert report.problems[0].startswith("python: line 1")


@needs_ruff
def test_ruff_finds_an_undefined_name_but_not_style() -> None:
    report = lint("import os\nprint(undefined_thing)\n", "python")
    assert "ruff" in report.tools
    assert [p for p in report.problems if "F821" in p]
    assert not [p for p in report.problems if "F401" in p]  # unused import is style here


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError, match="bash or python"):
        lint("x", "perl")


def test_a_deleting_script_is_destructive_and_a_reading_one_is_read() -> None:
    deleting = "#!/bin/bash\n# tidy\nls /tmp\nrm -f /tmp/llmos-test-file\n"
    assert assess_script(deleting, "bash").risk is Risk.DESTRUCTIVE
    reading = "#!/bin/bash\n# just looks\ndf -h\nuptime\n"
    assert assess_script(reading, "bash").risk is Risk.READ


def test_one_writing_line_makes_the_script_not_read() -> None:
    assert assess_script("df -h\ntouch /tmp/llmos-x\n", "bash").risk is not Risk.READ


def test_review_explains_each_line_and_marks_the_worst() -> None:
    text = "#!/bin/bash\ndf -h\nrm -rf /\n"
    rv = review(text, "bash")
    assert rv.worst.denied
    assert any(item.denied for item in rv.lines)
    shown = rv.text()
    assert "lint" in shown and "DENIED" in shown and "risk:" in shown


def test_python_scripts_are_never_read_without_analysis() -> None:
    risk = assess_script("print('hi')\n", "python").risk
    assert risk is not Risk.READ or _python_risk_available()


def _python_risk_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("llmchain_os.safety.python_risk") is not None
