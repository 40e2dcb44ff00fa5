"""`llmos completions`: scripts derived from the parser, checked by bash itself."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from llmchain_os.cli import build_parser
from llmchain_os.completions import command_tree, script_for


@pytest.fixture(scope="module")
def bash_script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    proc = subprocess.run(
        [sys.executable, "-m", "llmchain_os", "completions", "bash"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    path = tmp_path_factory.mktemp("completions") / "llmos.bash"
    path.write_text(proc.stdout)
    return path


def complete(script: Path, line: str) -> list[str]:
    """What bash offers at the end of ``line``, as <TAB> there would (COMP_WORDS as readline
    splits it: a trailing space starts a new, empty word)."""
    probe = (
        f"source {script}\n"
        'read -ra COMP_WORDS <<< "$LINE"\n'
        '[[ $LINE == *" " ]] && COMP_WORDS+=("")\n'
        "COMP_CWORD=$((${#COMP_WORDS[@]} - 1))\n"
        "_llmos\n"
        'printf "%s\\n" "${COMPREPLY[@]}"\n'
    )
    proc = subprocess.run(
        ["bash", "-c", probe], env={"LINE": line}, capture_output=True, text=True, timeout=30
    )
    assert proc.returncode == 0, proc.stderr
    return [word for word in proc.stdout.splitlines() if word]


def test_bash_accepts_the_script(bash_script: Path) -> None:
    proc = subprocess.run(["bash", "-n", str(bash_script)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize(
    ("line", "offered"),
    [
        ("llmos hos", ["hosts"]),
        ("llmos ba", ["batch"]),
        ("llmos hosts ", ["list", "add", "rm", "import", "check", "trust"]),
        ("llmos hosts import ", ["ssh", "ansible"]),
        ("llmos config ", ["show", "path"]),
        ("llmos run --y", ["--yes", "--yes-destructive"]),
        ("llmos mcp --", ["--help", "--http", "--port", "--allow-writes"]),
        ("llmos audit --risk d", ["destructive"]),
        ("llmos completions ", ["bash", "zsh", "fish"]),
        ("llmos --mo", ["--model"]),
    ],
)
def test_bash_completes_subcommands_options_and_choices(
    bash_script: Path, line: str, offered: list[str]
) -> None:
    assert complete(bash_script, line) == offered


def test_an_option_that_takes_a_path_falls_back_to_file_names(bash_script: Path) -> None:
    assert complete(bash_script, "llmos --model ") == []  # complete -o default: files


def test_every_subcommand_is_in_the_tree() -> None:
    parser = build_parser()
    tree = command_tree(parser)
    assert {"run", "batch", "mcp", "hosts", "memory", "completions"} <= set(tree.children)
    assert "--stop-on-error" in tree.children["batch"].options
    assert tree.children["audit"].values["--status"][0] == "started"


def test_zsh_reuses_the_bash_script_through_bashcompinit() -> None:
    text = script_for("zsh", build_parser())
    assert text.startswith("#compdef llmos\n") and "bashcompinit" in text
    assert "complete -o default -F _llmos llmos" in text


def test_fish_script_names_subcommands_options_and_choices() -> None:
    text = script_for("fish", build_parser())
    assert "complete -c llmos -n '__fish_use_subcommand' -a hosts" in text
    assert "-l stop-on-error" in text
    assert "-l risk" in text and "'read write remote privileged destructive'" in text
    if shutil.which("fish"):
        proc = subprocess.run(["fish", "--no-execute"], input=text, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
