"""Notes and documents: text the user gave, redacted, cut into passages that keep their place.

Markdown is cut at its headings, then at blank lines, and paragraphs are packed up to
``CHUNK_CHARS`` (about 200 of MiniLM's 256 tokens); a fenced code block is never split; each
passage keeps its source path, its first and last line, and the headings above it (which are
embedded with it, so "backups" finds a paragraph under "## Backups").
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from llmchain_os.memory.records import Entry, Kind

CHUNK_CHARS = 800
NOTE_CHARS = 16_000
FILE_BYTES = 2_000_000
MAX_FILES = 2_000
TEXT_SUFFIXES = frozenset(
    ".md .markdown .mdown .txt .text .rst .org .adoc .asciidoc .conf .cfg .ini .toml .yaml "
    ".yml".split()
)


class InputRejected(ValueError):
    """The text or file cannot be stored as given; the message says why and what to do."""


@dataclass(frozen=True)
class Passage:
    text: str
    heading: str
    line_start: int
    line_end: int


@dataclass(frozen=True)
class Skipped:
    path: Path
    why: str


def note_entry(text: str) -> Entry:
    """A /remember note, redacted; raises InputRejected for empty or huge text."""
    from llmchain_os.safety.redact import redact

    text = text.strip()
    if not text:
        raise InputRejected("nothing to remember: the note is empty")
    if len(text) > NOTE_CHARS:
        raise InputRejected(
            f"a note is at most {NOTE_CHARS:,} characters (this one has {len(text):,}) - "
            "save it in a file and run 'llmos memory add FILE'"
        )
    if "\x00" in text:
        raise InputRejected("a note must be text: this one holds NUL bytes")
    clean = redact(text)
    digest = hashlib.sha256(clean.encode()).hexdigest()[:10]
    return Entry(f"n-{digest}", Kind.NOTE, clean, {"ts": time.time(), "source": "note"})


def passages(text: str) -> list[Passage]:
    """The text cut at headings and paragraphs, packed up to CHUNK_CHARS each."""
    out: list[Passage] = []
    for heading, block in _blocks(text.splitlines()):
        pending: list[tuple[int, str]] = []
        for line_no, line in block:
            size = sum(len(t) + 1 for _, t in pending)
            if pending and size + len(line) > CHUNK_CHARS and _at_break(pending, line):
                out.append(_passage(pending, heading))
                pending = []
            pending.append((line_no, line))
        if any(t.strip() for _, t in pending):
            out.append(_passage(pending, heading))
    return out


def _at_break(pending: list[tuple[int, str]], line: str) -> bool:
    """A passage may end here: at a blank line, or anywhere once it is twice too long."""
    size = sum(len(t) + 1 for _, t in pending)
    fences = sum(t.lstrip().startswith("```") for _, t in pending)
    if fences % 2 and size < 4 * CHUNK_CHARS:
        return False  # inside a code block
    return not pending[-1][1].strip() or not line.strip() or size > 2 * CHUNK_CHARS


def _blocks(lines: list[str]) -> Iterator[tuple[str, list[tuple[int, str]]]]:
    """(heading path, numbered lines) for each section of a markdown or plain text."""
    trail: list[str] = []
    block: list[tuple[int, str]] = []
    fenced = False
    for number, line in enumerate(lines, 1):
        fenced ^= line.lstrip().startswith("```")
        level = len(line) - len(line.lstrip("#"))
        if not fenced and 0 < level <= 6 and line[level : level + 1] == " ":
            yield " > ".join(trail), block
            trail = [*trail[: level - 1], line[level:].strip()]
            block = [(number, line)]
        else:
            block.append((number, line))
    yield " > ".join(trail), block


def _passage(lines: list[tuple[int, str]], heading: str) -> Passage:
    while lines and not lines[-1][1].strip():
        lines = lines[:-1]
    while lines and not lines[0][1].strip():
        lines = lines[1:]
    text = "\n".join(t for _, t in lines)
    return Passage(text, heading, lines[0][0], lines[-1][0])


def document_entries(path: Path) -> list[Entry]:
    """The passages of one text file as entries (redacted); raises InputRejected."""
    from llmchain_os.safety.redact import redact

    text = read_text(path)
    source = str(path.resolve())
    entries = []
    for part in passages(text):
        body = redact(part.text)
        shown = f"{part.heading}\n{body}" if part.heading and not body.startswith("#") else body
        key = hashlib.sha256(f"{source}:{part.line_start}".encode()).hexdigest()[:12]
        meta = {
            "ts": time.time(),
            "source": source,
            "line_start": part.line_start,
            "line_end": part.line_end,
            "heading": part.heading,
        }
        entries.append(Entry(f"d-{key}", Kind.DOC, shown, meta))  # type: ignore[arg-type]
    return entries


def read_text(path: Path) -> str:
    """A file's text; InputRejected for what is not a readable, reasonably small text file."""
    try:
        size = path.stat().st_size
        if size > FILE_BYTES:
            raise InputRejected(f"{path}: {size:,} bytes is over the {FILE_BYTES:,} bytes kept")
        data = path.read_bytes()
    except OSError as exc:
        raise InputRejected(f"{path}: cannot read it ({exc.strerror or exc})") from exc
    if b"\x00" in data[:8192]:
        raise InputRejected(f"{path}: a binary file, not text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputRejected(f"{path}: not UTF-8 text") from exc
    if not text.strip():
        raise InputRejected(f"{path}: empty")
    return text


def text_files(root: Path) -> Iterator[Path]:
    """The text-like files under a folder (hidden folders skipped), at most MAX_FILES."""
    count = 0
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            path = Path(folder) / name
            if path.suffix.lower() in TEXT_SUFFIXES and not name.startswith("."):
                count += 1
                if count > MAX_FILES:
                    return
                yield path
