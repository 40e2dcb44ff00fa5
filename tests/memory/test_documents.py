"""Notes and documents in: passages with their lines, odd input refused in one line, secrets
masked before anything is stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmchain_os.memory import manage
from llmchain_os.memory.documents import CHUNK_CHARS, NOTE_CHARS, InputRejected, passages
from llmchain_os.memory.history import record_request
from llmchain_os.memory.intake import take_in
from llmchain_os.memory.recall import recall
from llmchain_os.memory.records import Kind
from llmchain_os.memory.store import MemoryStore
from tests.memory.conftest import finished

RUNBOOK = """\
# Runbook

Intro paragraph.

## Backups

The backup host is 10.0.0.5 and runs at 2am.
Restore with `restic restore latest`.

## Postgres

Restart it with:

```
sudo systemctl restart postgresql

sudo journalctl -u postgresql
```

### Replication

The replica is db-2.
"""
AWS_KEY = "AKIAIOSFODNN7EXAMPLE"
PASSWORD = "hunter2-Sup3rSecret!"


def test_markdown_is_cut_at_headings_with_lines_and_heading_path() -> None:
    found = passages(RUNBOOK)
    by_heading = {p.heading: p for p in found}
    assert by_heading["Runbook > Backups"].line_start == 5
    assert by_heading["Runbook > Backups"].line_end == 8
    code = by_heading["Runbook > Postgres"]
    assert "restart postgresql" in code.text and "journalctl" in code.text  # one passage
    assert by_heading["Runbook > Postgres > Replication"].text.endswith("The replica is db-2.")


def test_long_text_is_packed_into_passages_at_paragraphs() -> None:
    text = "\n\n".join(f"paragraph {i} " + "word " * 40 for i in range(40))
    found = passages(text)
    assert len(found) > 5
    assert all(len(p.text) <= 2 * CHUNK_CHARS for p in found)
    assert all(not p.text.startswith("\n") for p in found)
    assert found[1].line_start > found[0].line_end


def test_a_document_is_recalled_with_source_and_line(store: MemoryStore, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "runbook.md").write_text(RUNBOOK)
    (docs / "image.png").write_bytes(b"\x89PNG\x00\x00")
    added = manage.add_path(store, docs)
    assert added.files == [docs / "runbook.md"] and added.passages == 4
    hit = recall(store, "how do I restart postgres")[0]
    assert hit.entry.citation() == f"{docs / 'runbook.md'}:10-18"
    top = recall(store, "where do backups go")[0]
    assert top.entry.citation().endswith("runbook.md:5-8")


def test_adding_a_file_again_replaces_its_passages(store: MemoryStore, tmp_path: Path) -> None:
    path = tmp_path / "notes.md"
    path.write_text(RUNBOOK)
    manage.add_path(store, path)
    path.write_text("# Short\n\nNow only this.\n")
    manage.add_path(store, path)
    assert [e.text for e in store.get(Kind.DOC)] == ["# Short\n\nNow only this."]


def test_empty_huge_and_binary_input_is_refused_in_one_line(
    store: MemoryStore, tmp_path: Path
) -> None:
    for text in ("", "   \n", "x" * (NOTE_CHARS + 1), "bin\x00ary"):
        with pytest.raises(InputRejected) as exc:
            manage.remember(store, text)
        assert "\n" not in str(exc.value)
    (tmp_path / "empty.md").write_text("")
    (tmp_path / "blob.txt").write_bytes(bytes(range(256)) * 10)
    (tmp_path / "latin1.txt").write_bytes("caf\xe9".encode("latin-1"))
    (tmp_path / "huge.md").write_text("big line\n" * 300_000)
    for name in ("empty.md", "blob.txt", "latin1.txt", "huge.md"):
        added = manage.add_path(store, tmp_path / name)
        assert not added.files and len(added.skipped) == 1
        assert "\n" not in added.skipped[0].why
    with pytest.raises(InputRejected):
        manage.add_path(store, tmp_path / "missing.md")
    assert store.count(Kind.NOTE) == store.count(Kind.DOC) == 0


def test_a_large_note_and_a_non_ascii_one_are_kept(store: MemoryStore) -> None:
    manage.remember(store, "word " * 3000)
    manage.remember(store, "le serveur de sauvegarde est 10.0.0.5 — ünïcødé ✓")
    assert store.count(Kind.NOTE) == 2


def test_secrets_are_masked_before_anything_is_stored(store: MemoryStore, tmp_path: Path) -> None:
    note = manage.remember(store, f"aws key {AWS_KEY}, and my password is {PASSWORD}")
    doc = tmp_path / "creds.md"
    doc.write_text(f"# Creds\n\nAWS_ACCESS_KEY_ID={AWS_KEY}\nDB_PASSWORD={PASSWORD}\n")
    manage.add_path(store, doc)
    record_request(
        store.folder,
        finished(
            f"connect with password={PASSWORD}",
            tool="run_shell",
            command=f"aws configure set key {AWS_KEY}",
        ),
    )
    journal = (store.folder / "journal.jsonl").read_text()
    assert AWS_KEY not in journal and PASSWORD not in journal
    take_in(store)
    assert AWS_KEY not in note.text and "[REDACTED]" in note.text
    stored = "\n".join(manage.export_lines(store))
    assert stored.count("[REDACTED]") >= 4
    assert AWS_KEY not in stored and PASSWORD not in stored
    raw = b"".join(p.read_bytes() for p in store.folder.rglob("*") if p.is_file())
    assert AWS_KEY.encode() not in raw and PASSWORD.encode() not in raw
