"""The shell driven through prompt-toolkit's pipe input, with the real model and real tools.

Keys go in through an OS pipe from a writer thread (a pipe holds only 64 KiB, so a 1 MB
paste must be written while the shell reads). Output is rich text recorded in memory.
Every script ends with Ctrl-D, which leaves the shell.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psutil
import pytest

from llmchain_os.api import Session
from llmchain_os.config import Settings
from llmchain_os.tools.registry import builtin_registry
from llmchain_os.tools.units import human_bytes
from tests.helpers import drive

pytestmark = pytest.mark.model

CTRL_D = "\x04"
BANNER = "llmchain-os - ask about this machine in plain words."
TOOL_NAMES = builtin_registry().names()


def paste(text: str) -> str:
    """``text`` as a terminal delivers a paste (bracketed), so control keys stay text."""
    return f"\x1b[200~{text}\x1b[201~"


@pytest.fixture
def session(local_model: Any) -> Session:
    return Session(Settings(n_threads=1), model=local_model)


def lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines() if line.strip()]


def test_requests_slash_and_bang_commands_render_and_ctrl_d_exits_0(
    session: Session, tmp_path: Path
) -> None:
    code, text = drive(
        session,
        tmp_path / "h",
        "how full is my disk\n",
        "/tools\n",
        "/help\n",
        "/model\n",
        "/nonsense\n",
        "\n",
        "!echo hello-from-bang\n",
        CTRL_D,
    )
    assert code == 0
    out = lines(text)
    assert out[0].startswith(BANNER)
    # the request: its plan, the disk table with the real size, and the answer
    assert any(line.startswith("plan 1. disk_usage()") and "[read]" in line for line in out)
    assert "Disk usage" in text
    assert human_bytes(psutil.disk_usage("/").total) in text
    assert "% full" in text
    # /tools: the table with every tool
    assert "what it does" in text
    tools_rows = [line.split()[0] for line in out if line.split()[0] in TOOL_NAMES]
    assert set(tools_rows) == set(TOOL_NAMES)
    # /help and /model
    assert "/history   your last requests" in text
    assert "SmolLM2-135M-Instruct" in text and "state: loaded" in text
    # /nonsense and the empty line
    assert "Unknown command /nonsense - /help lists them" in out
    assert "(empty - type a request, or /help)" in out
    # !echo: the command's own output, on its own line
    assert "hello-from-bang" in out
    # in that order
    order = [
        text.index("Disk usage"),
        text.index("what it does"),
        text.index("your last requests"),
        text.index("state: loaded"),
        text.index("Unknown command"),
        text.index("(empty"),
        text.index("\nhello-from-bang"),
    ]
    assert order == sorted(order)


def test_exit_command_ends_the_shell_before_later_input(session: Session, tmp_path: Path) -> None:
    code, text = drive(session, tmp_path / "h", "/exit\n", "/tools\n", CTRL_D)
    assert code == 0
    assert "what it does" not in text


def test_bang_write_command_answered_n_is_not_run(session: Session, tmp_path: Path) -> None:
    marker = tmp_path / "m"
    code, text = drive(session, tmp_path / "h", f"!touch {marker}\n", "n\n", CTRL_D)
    assert code == 0
    assert not marker.exists()
    assert "run_shell not run: not approved" in text


def test_bang_write_command_answered_y_is_run(session: Session, tmp_path: Path) -> None:
    marker = tmp_path / "m"
    code, text = drive(session, tmp_path / "h", f"!touch {marker}\n", "y\n", CTRL_D)
    assert code == 0
    assert marker.exists()
    assert "not run" not in text


def test_request_needing_approval_answered_y_is_run(session: Session, tmp_path: Path) -> None:
    marker = tmp_path / "m"
    code, _ = drive(session, tmp_path / "h", f"run `touch {marker}`\n", "yes\n", CTRL_D)
    assert code == 0
    assert marker.exists()


def test_denied_bang_command_is_not_even_asked(session: Session, tmp_path: Path) -> None:
    # Were it asked, the "n" would decline it ("not approved"); denied, "n" is a request.
    code, text = drive(session, tmp_path / "h", "!rm -rf /\n", "n\n", CTRL_D)
    assert code == 0
    assert "run_shell not run: never run" in text
    assert "not approved" not in text


def test_bang_plan_line_shows_the_commands_real_risk(session: Session, tmp_path: Path) -> None:
    marker = tmp_path / "m"
    _, text = drive(session, tmp_path / "h", f"!touch {marker}\n", "n\n", CTRL_D)
    plan = next(line for line in lines(text) if line.startswith("plan 1."))
    assert "[write]" in plan, plan


BAD_LINES = {
    "empty": ("\n", "(empty - type a request, or /help)"),
    "one-megabyte": (paste("x" * 1_000_000) + "\n", "the limit is 4,000"),
    "control-chars": (paste("how full\x01\x02\x1b is my disk\x07") + "\n", "binary data"),
}


@pytest.mark.parametrize("name", list(BAD_LINES))
def test_bad_line_gives_one_line_message_and_the_shell_goes_on(
    name: str, session: Session, tmp_path: Path
) -> None:
    line, message = BAD_LINES[name]
    code, text = drive(session, tmp_path / "h", line, "how full is my disk\n", CTRL_D)
    assert code == 0
    out = lines(text)
    assert out[0].startswith(BANNER)
    plan_at = next(i for i, row in enumerate(out) if row.startswith("plan 1. disk_usage"))
    assert plan_at == 2, out[:plan_at]  # banner, exactly one message line, then the request
    assert message in out[1]
    assert "Disk usage" in text  # the later request still ran


def test_history_file_gets_the_entries_and_a_new_shell_lists_them(
    session: Session, tmp_path: Path
) -> None:
    history = tmp_path / "state" / "history"
    drive(session, history, "how full is my disk\n", "/tools\n", "!echo hi\n", CTRL_D)
    saved = [line[1:] for line in history.read_text().splitlines() if line.startswith("+")]
    assert saved == ["how full is my disk", "/tools", "!echo hi"]
    _, text = drive(session, history, "/history\n", CTRL_D)
    listed = [line.strip() for line in lines(text)[1:]]
    assert listed == ["how full is my disk", "/tools", "!echo hi", "/history"]


def test_approval_answers_are_not_saved_as_history(session: Session, tmp_path: Path) -> None:
    history = tmp_path / "h"
    drive(session, history, f"!touch {tmp_path / 'm'}\n", "y\n", CTRL_D)
    saved = [line[1:] for line in history.read_text().splitlines() if line.startswith("+")]
    assert saved == [f"!touch {tmp_path / 'm'}"]


def test_history_listing_shortens_very_long_entries(session: Session, tmp_path: Path) -> None:
    history = tmp_path / "h"
    drive(session, history, paste("x" * 10_000) + "\n", CTRL_D)
    _, text = drive(session, history, "/history\n", CTRL_D)
    assert "x" * 1_000 not in "".join(text.split())
