"""Memory through the ways in: the session hook, api, `llmos memory`, the shell's slash
commands, the planner's tools; and that nothing of it reaches the network."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from llmchain_os import api
from llmchain_os.api import Session
from llmchain_os.api.memory import similar_successes
from llmchain_os.config import Settings
from llmchain_os.memory.history import record_request
from llmchain_os.memory.store import memory_dir
from llmchain_os.tools.memory import recall, remember
from tests.conftest import ROOT
from tests.helpers import drive
from tests.memory.conftest import finished

CTRL_D = "\x04"


def llmos(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LLMOS_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "llmchain_os", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=180,
    )


@pytest.mark.model
def test_a_request_in_the_session_is_recalled_and_marked(local_model: Any) -> None:
    session = Session(Settings(n_threads=1), model=local_model)
    list(session.handle("how full is my disk"))
    assert session.last_request_id is not None
    [hit] = [h for h in api.search_memory("disk space") if h.entry.id == session.last_request_id]
    assert hit.entry.record()["plan"][0]["tool"] == "disk_usage"
    assert hit.entry.meta["success"] is True
    assert "Marked bad" in api.memory_feedback(session, good=False)
    [found] = similar_successes("how full is my disk")
    assert found.feedback == -1 and found.plan[0]["tool"] == "disk_usage"


def test_memory_off_records_nothing(private_home: Path) -> None:
    from llmchain_os.api.session import ChainResult

    session = Session(Settings(memory=False))
    session._memorise(ChainResult(request="how full is my disk"), dry_run=False)
    assert session.last_request_id is None and not memory_dir().exists()
    with pytest.raises(api.MemoryUnavailable):
        api.remember_note("x", session.settings)


def test_llmos_memory_commands(tmp_path: Path) -> None:
    notes = tmp_path / "hosts.md"
    notes.write_text("# Hosts\n\nThe backup host is 10.0.0.5.\n\n# Mail\n\nsmtp.internal:25\n")
    added = llmos("memory", "add", str(notes))
    assert added.returncode == 0 and "1 file(s), 2 passage(s)" in added.stdout
    found = llmos("memory", "search", "what", "is", "the", "backup", "host")
    assert found.stdout.splitlines()[0].endswith(f"[{notes}:1-3]"), found.stdout
    listed = llmos("memory", "list", "documents")
    assert listed.stdout.count(str(notes)) == 2
    refused = llmos("memory", "forget", "smtp")
    assert refused.returncode == 3 and "add --yes" in refused.stderr
    assert "Forgot 1 entry." in llmos("memory", "forget", "smtp", "--yes").stdout
    exported = [json.loads(line) for line in llmos("memory", "export").stdout.splitlines()]
    assert [e["kind"] for e in exported] == ["documents"]
    assert llmos("memory", "reset", "--yes").returncode == 0
    assert not memory_dir().exists()


def test_a_corrupt_store_is_one_line_from_the_cli(private_home: Path) -> None:
    memory_dir().mkdir(parents=True)
    (memory_dir() / "chroma.sqlite3").write_bytes(b"garbage " * 1000)
    proc = llmos("memory", "list")
    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1 and "llmos memory reset" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert llmos("memory", "reset", "--yes").returncode == 0
    assert llmos("memory", "list").stdout.startswith("Memory is empty")


def test_the_shell_remembers_forgets_and_takes_feedback(tmp_path: Path) -> None:
    session = Session(Settings())
    session.last_request_id = record_request(memory_dir(), finished("how full is my disk"))
    _, text = drive(
        session,
        tmp_path / "h",
        "/remember the backup host is 10.0.0.5\n",
        "/good\n",
        "/remember backups run at 2am\n",
        "/forget backup\n",
        "/forget zzz\n",
        CTRL_D,
    )
    assert "Remembered (n-" in text and "Marked good: h-" in text
    assert "Forgot n-" in text and "the backup host is 10.0.0.5" in text
    assert "Nothing forgotten." in text
    [entry] = api.list_memory("history")
    assert entry.meta["feedback"] == 1
    assert api.list_memory("notes") == []


def test_the_shell_goes_on_without_memory_when_the_store_is_corrupt(tmp_path: Path) -> None:
    memory_dir().mkdir(parents=True)
    (memory_dir() / "chroma.sqlite3").write_bytes(b"garbage " * 1000)
    _, text = drive(Session(Settings()), tmp_path / "h", "/remember x y\n", "/help\n", CTRL_D)
    assert "llmos memory reset" in text
    assert "/remember TEXT" in text  # /help still answers after the failure


def test_the_planner_tools_recall_and_remember(private_home: Path) -> None:
    remember.call(remember.parse_args({"text": "the vpn gateway is vpn.example.org"}))
    record_request(memory_dir(), finished("how full is my disk"))
    out = recall.call(recall.parse_args({"query": "what is the vpn gateway"}))
    assert out.memories[0].text == "the vpn gateway is vpn.example.org"  # type: ignore[attr-defined]
    assert "[note n-" in out.summary()
    today = recall.call(recall.parse_args({"query": "what did I do today"}))
    assert "how full is my disk -> disk_usage said fine [history h-" in today.summary()
    assert remember.risk_label == "write" and recall.risk_label == "read"


NO_NETWORK = """
import socket, sys
attempts = []
def refuse(*args, **kwargs):
    attempts.append(repr(args)[:80])
    raise OSError("network disabled by the test")
socket.socket.connect = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse
from llmchain_os.memory import manage
from llmchain_os.memory.recall import recall
from llmchain_os.memory.store import MemoryStore
store = MemoryStore()
manage.remember(store, "the backup host is 10.0.0.5")
hit = recall(store, "what is the backup host")[0]
settings = store._client.get_settings()
print(hit.entry.text, settings.anonymized_telemetry, attempts)
"""


def test_memory_reaches_no_network_and_telemetry_is_off(private_home: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", NO_NETWORK], env=env, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "the backup host is 10.0.0.5 False []"
