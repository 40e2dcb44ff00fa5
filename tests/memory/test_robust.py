"""The store under stress: two writers at once, a writer killed mid-write, a corrupt or
unreadable store (one clear line; the shell goes on without memory), a full disk."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from llmchain_os.memory import journal, manage
from llmchain_os.memory.history import record_request
from llmchain_os.memory.intake import take_in
from llmchain_os.memory.records import Kind, MemoryUnavailable
from llmchain_os.memory.store import MemoryStore, memory_dir
from tests.conftest import ROOT
from tests.memory.conftest import finished

WRITER = """
import sys
from llmchain_os.memory import manage
from llmchain_os.memory.history import record_request
from llmchain_os.memory.intake import take_in
from llmchain_os.memory.store import MemoryStore
tag, count = sys.argv[1], int(sys.argv[2])
store = MemoryStore()
print("ready", flush=True)
for i in range(count):
    manage.remember(store, f"note {i} from writer {tag} about host {tag}-{i}")
    record_request(store.folder, {"request": f"request {i} of {tag}", "exit_code": 0})
    if i % 5 == 0:
        take_in(store)
take_in(store)
"""
FLOOD = """
from llmchain_os.memory.records import Entry, Kind
from llmchain_os.memory.store import MemoryStore
store = MemoryStore()
store.open()
print("ready", flush=True)
i = 0
while True:
    batch = [Entry(f"h-{i}-{j}", Kind.HISTORY, f"request {i} {j}", {"ts": 1.0}) for j in range(64)]
    store.upsert(batch)
    i += 1
"""


def _python(code: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_processes_write_to_the_same_store_at_once(store: MemoryStore) -> None:
    manage.remember(store, "a note from the parent, before the writers start")
    writers = [_python(WRITER, tag, "25") for tag in ("A", "B")]
    for proc in writers:
        _, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
    take_in(store)
    assert store.count(Kind.NOTE) == 51  # 2 x 25 and the parent's, seen by the parent
    assert store.count(Kind.HISTORY) == 50
    assert not (store.folder / journal.TAKEN).exists()
    texts = {e.text for e in store.get(Kind.HISTORY)}
    assert {f"request {i} of {t}" for i in range(25) for t in "AB"} == texts


def test_a_store_killed_mid_write_reopens_and_works(store: MemoryStore) -> None:
    """The writer floods history with near-identical requests (as a user who asks the same
    thing every day would): the note, in its own collection, is still found after the kill."""
    from llmchain_os.memory.recall import recall

    manage.remember(store, "the backup host is 10.0.0.5")
    store.close()
    proc = _python(FLOOD)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    time.sleep(3.0)  # well into the writes: each batch is an embedding and an upsert
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    reopened = MemoryStore(store.folder)
    count = reopened.count(Kind.HISTORY)
    assert count >= 64 and count % 64 == 0  # whole batches only
    assert reopened.count(Kind.NOTE) == 1
    assert recall(reopened, "what is the backup host")[0].entry.text.startswith("the backup")
    manage.remember(reopened, "written after the crash")
    record_request(reopened.folder, finished("how full is my disk"))
    take_in(reopened)
    assert reopened.count(Kind.NOTE) == 2 and reopened.count(Kind.HISTORY) == count + 1
    reopened.close()


def test_a_torn_journal_line_is_skipped(store: MemoryStore) -> None:
    record_request(store.folder, finished("how full is my disk"))
    with (store.folder / journal.JOURNAL).open("ab") as fh:
        fh.write(b'{"op": "history", "id": "h-torn", "record": {"requ')
    record_request(store.folder, finished("show the busiest processes"))
    assert take_in(store) == 2
    assert {e.text for e in store.get(Kind.HISTORY)} == {
        "how full is my disk",
        "show the busiest processes",
    }


def test_a_corrupt_store_is_one_line_that_points_to_reset(store: MemoryStore) -> None:
    manage.remember(store, "the backup host is 10.0.0.5")
    store.close()
    (store.folder / "chroma.sqlite3").write_bytes(b"not a database at all " * 200)
    broken = MemoryStore(store.folder)
    with pytest.raises(MemoryUnavailable) as exc:
        broken.count(Kind.NOTE)
    message = str(exc.value)
    assert "\n" not in message and "llmos memory reset" in message
    assert str(store.folder) in message
    # the journal still takes requests while the store is broken
    record_request(store.folder, finished("how full is my disk"))
    assert manage.reset(store.folder, keep=Path("/nonexistent/audit.jsonl"))
    fresh = MemoryStore(store.folder)
    manage.remember(fresh, "a new start")
    assert fresh.count(Kind.NOTE) == 1
    fresh.close()


def test_an_unreadable_store_is_one_line(private_home: Path) -> None:
    folder = memory_dir()
    folder.parent.mkdir(parents=True, exist_ok=True)
    folder.write_text("a file where the store's folder should be")
    with pytest.raises(MemoryUnavailable) as exc:
        MemoryStore(folder).count(Kind.NOTE)
    assert "\n" not in str(exc.value) and "llmos memory reset" in str(exc.value)


def test_a_full_disk_loses_the_record_not_the_request(
    monkeypatch: pytest.MonkeyPatch, private_home: Path
) -> None:
    from llmchain_os.api.session import ChainResult, Session
    from llmchain_os.config import Settings

    def full(*_: object, **__: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(journal, "append", full)
    session = Session(Settings())
    session._memorise(ChainResult(request="how full is my disk"), dry_run=False)
    assert session.last_request_id is None
    with pytest.raises(OSError):
        record_request(memory_dir(), finished("x"))
