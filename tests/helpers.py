"""Helpers several test modules share: the shell driven over a pipe, and a scheduled job."""

from __future__ import annotations

import threading
from pathlib import Path

from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput

from llmchain_os.api import Session
from llmchain_os.repl.app import Environment, Shell, string_console
from llmchain_os.scripts.schedule import Job


def drive(session: Session, history: Path, *keys: str, width: int = 120) -> tuple[int, str]:
    """Run a Shell on ``keys``; returns its exit status and everything it printed."""
    console = string_console(width)
    with create_pipe_input() as pipe:
        env = Environment(input=pipe, output=DummyOutput(), console=console, history_path=history)
        shell = Shell(session, env)
        writer = threading.Thread(target=lambda: [pipe.send_text(k) for k in keys], daemon=True)
        writer.start()
        code = shell.run()
        writer.join()
    text = console.file.getvalue()
    assert "Traceback" not in text
    return code, text


def approved_job(job_id: str, script: str, sha: str) -> Job:
    """A job as the scheduler stores it, approved for the script text with hash ``sha``."""
    return Job(
        id=job_id,
        script=script,
        sha256=sha,
        cron="0 2 * * *",
        words="every day at 02:00",
        created="2026-01-01T00:00:00+00:00",
        command="true",
    )
