"""Notes, history and recall through the real store and the real embedding model."""

from __future__ import annotations

import json
import time

from llmchain_os.memory import manage
from llmchain_os.memory.history import record_feedback, record_request
from llmchain_os.memory.intake import take_in
from llmchain_os.memory.plans import similar_successes
from llmchain_os.memory.recall import recall, time_window
from llmchain_os.memory.records import Kind
from llmchain_os.memory.store import MemoryStore
from tests.memory.conftest import finished

NOTES = [
    "the backup host is 10.0.0.5",
    "I prefer vim over emacs",
    "the printer on the second floor jams on A3 paper",
    "our team lunch is on fridays",
    "the wifi password rotates every month",
]


def test_a_note_is_found_by_meaning_and_cited(store: MemoryStore) -> None:
    for note in NOTES:
        manage.remember(store, note)
    hits = recall(store, "what is the backup host")
    assert hits[0].entry.text == "the backup host is 10.0.0.5"
    assert hits[0].entry.citation().startswith("note n-")
    assert "[note n-" in hits[0].line()


def test_the_same_note_twice_is_one_note(store: MemoryStore) -> None:
    manage.remember(store, "the backup host is 10.0.0.5")
    manage.remember(store, "  the backup host is 10.0.0.5 ")
    assert store.count(Kind.NOTE) == 1


def test_a_finished_request_is_journalled_then_taken_in(store: MemoryStore) -> None:
    entry_id = record_request(store.folder, finished("how full is my disk"))
    assert take_in(store) == 1
    assert (store.folder / "journal.jsonl").exists() is False
    [entry] = store.get(Kind.HISTORY, ids=[entry_id])
    record = entry.record()
    assert record["plan"] == [{"tool": "disk_usage", "args": {"path": "/"}}]
    assert record["steps"][0]["approval"] == "policy (read)"
    assert "output" not in record["steps"][0]  # the full output is not kept, as in the audit log
    assert entry.meta["success"] is True
    hit = recall(store, "what did I do today")[0]
    assert hit.entry.id == entry_id
    assert hit.line().startswith("how full is my disk -> disk_usage said fine  [history h-")


def test_similar_successes_gives_plans_and_bad_demotes(store: MemoryStore) -> None:
    good = record_request(store.folder, finished("how full is my disk"))
    bad = record_request(store.folder, finished("how much disk space is left", path="/tmp"))
    record_request(store.folder, finished("how full is the disk", ok=False))
    take_in(store)
    found = similar_successes("how much free disk space do I have", k=5, store=store)
    assert {s.id for s in found} == {good, bad}  # the failed one is never offered
    assert all(s.plan and s.plan[0]["tool"] == "disk_usage" for s in found)
    before = {s.id: s.similarity for s in found}
    record_feedback(store.folder, bad, -1)
    after = {s.id: s for s in similar_successes("how much free disk space do I have", store=store)}
    assert after[bad].feedback == -1
    assert after[bad].similarity < before[bad] * 0.6
    assert after[good].similarity > after[bad].similarity


def test_history_beyond_the_cap_is_thinned_oldest_first(store: MemoryStore) -> None:
    store.history_limit = 10
    ids = []
    for i in range(14):
        ids.append(record_request(store.folder, finished(f"request number {i}")))
        time.sleep(0.001)
    take_in(store)
    kept = {e.id for e in store.get(Kind.HISTORY)}
    assert kept == set(ids[4:])


def test_forget_by_id_and_by_text(store: MemoryStore) -> None:
    first = manage.remember(store, "the backup host is 10.0.0.5")
    manage.remember(store, "the Backup window is 2am")
    manage.remember(store, "I prefer vim")
    assert [e.id for e in manage.matching(store, first.id)] == [first.id]
    chosen = manage.matching(store, "backup")
    assert len(chosen) == 2
    manage.forget(store, chosen)
    assert [e.text for e in manage.entries(store)] == ["I prefer vim"]


def test_clear_export_and_reset_keep_the_audit_log(store: MemoryStore) -> None:
    from llmchain_os.safety.audit import AuditLog, new_entry

    audit = AuditLog()
    entry = dict(step_id="s1", request="r", tool="disk_usage", args={}, risk="read")
    audit.append(new_entry(**entry, status="done"))
    before = audit.path.read_bytes()
    manage.remember(store, "the backup host is 10.0.0.5")
    record_request(store.folder, finished("how full is my disk"))
    take_in(store)
    lines = [json.loads(line) for line in manage.export_lines(store)]
    assert {line["kind"] for line in lines} == {"notes", "history"}
    assert manage.clear(store, Kind.NOTE) == 1
    assert manage.reset(store.folder, keep=audit.path) is True
    assert not store.folder.exists()
    assert audit.path.read_bytes() == before


def test_time_window() -> None:
    now = time.mktime((2026, 5, 9, 15, 0, 0, 0, 0, -1))
    day = 86400
    start, end = time_window("what did I do yesterday", now) or (0, 0)
    assert end - start == day and end <= now - 15 * 3600 + 1
    assert time_window("what did I run in the last 3 hours", now) == (now - 3 * 3600, now)
    assert time_window("what did I do last week", now) == (now - 7 * day, now)
    assert time_window("what is the backup host", now) is None
