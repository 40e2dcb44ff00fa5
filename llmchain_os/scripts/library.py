"""The script library: saved scripts under the XDG data dir, with a JSON index of records.

Each script is one file (``NAME.sh`` or ``NAME.py``, mode 0o700) beside ``index.json``. The
index is written whole to a temporary file and moved into place, so a crash or a second
writer never leaves half an index. The sha256 of each file is kept: a job scheduled against
a script is refused once the file no longer matches what was approved.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from llmchain_os.errors import ToolError
from llmchain_os.paths import atomic_write

Language = Literal["bash", "python"]
NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
SUFFIX: dict[str, str] = {"bash": ".sh", "python": ".py"}
INDEX = "index.json"


class ScriptRecord(BaseModel):
    """One saved script, as the index keeps it."""

    name: str
    description: str
    language: Literal["bash", "python"]
    created: str  # ISO 8601, UTC
    last_run: str | None = None
    last_result: str | None = None
    sha256: str
    path: str
    # Paths the script writes (a template knows them): made writable in its sandbox.
    writes: list[str] = Field(default_factory=list)


class ScriptNotFound(ToolError):
    """No saved script has that name."""


def _not_found(name: str) -> ScriptNotFound:
    return ScriptNotFound(f"No saved script named {name!r} - 'llmos scripts list' shows them")


class ScriptNameError(ToolError):
    """A script name that cannot be a file name here."""


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_name(name: str) -> str:
    """The name if it is valid; raises ScriptNameError saying what names may be."""
    if not NAME.match(name):
        raise ScriptNameError(
            f"Bad script name {name!r}: use 1-40 lowercase letters, digits and '-', "
            "starting with a letter or digit (e.g. backup-srv)"
        )
    return name


class ScriptLibrary:
    """Saved scripts by name; ``root`` defaults to paths.data_dir()/"scripts"."""

    def __init__(self, root: Path | None = None) -> None:
        if root is None:
            from llmchain_os.paths import data_dir

            root = data_dir() / "scripts"
        self.root = root

    # -- the index ----------------------------------------------------------------------
    def _load(self) -> dict[str, ScriptRecord]:
        path = self.root / INDEX
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise ToolError(
                f"Cannot read the script index {path}: {exc} - fix or remove it"
            ) from None
        try:
            return {name: ScriptRecord.model_validate(rec) for name, rec in raw.items()}
        except (ValidationError, AttributeError) as exc:
            raise ToolError(f"The script index {path} is damaged: {exc}") from None

    def _store(self, records: dict[str, ScriptRecord]) -> None:
        self._ensure_root()
        data = {name: rec.model_dump() for name, rec in sorted(records.items())}
        atomic_write(self.root / INDEX, json.dumps(data, indent=2) + "\n", 0o600)

    def _ensure_root(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """One writer at a time (the shell and a cron run may both record a run)."""
        self._ensure_root()
        with open(self.root / ".lock", "a") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            yield

    # -- the public API -----------------------------------------------------------------
    def save(
        self,
        name: str,
        text: str,
        language: Language,
        description: str,
        writes: list[str] | None = None,
    ) -> ScriptRecord:
        """Save (or replace) a script; a replaced script keeps its created time and history."""
        check_name(name)
        if language not in SUFFIX:
            raise ToolError(f"Unknown script language {language!r}: use bash or python")
        if not text.endswith("\n"):
            text += "\n"
        with self._locked():
            return self._save(name, text, language, description, writes or [])

    def _save(
        self, name: str, text: str, language: Language, description: str, writes: list[str]
    ) -> ScriptRecord:
        records = self._load()
        path = self.root / f"{name}{SUFFIX[language]}"
        old = records.get(name)
        if old is not None and old.path != str(path):
            Path(old.path).unlink(missing_ok=True)  # the language changed: drop the old file
        atomic_write(path, text, 0o700)
        record = ScriptRecord(
            name=name,
            description=description,
            language=language,
            created=old.created if old else now_iso(),
            last_run=old.last_run if old else None,
            last_result=old.last_result if old else None,
            sha256=sha256_text(text),
            path=str(path),
            writes=writes,
        )
        records[name] = record
        self._store(records)
        return record

    def get(self, name: str) -> ScriptRecord:
        """The record of ``name``; raises ScriptNotFound saying how to list the others."""
        record = self._load().get(name)
        if record is None:
            raise _not_found(name)
        return record

    def text(self, name: str) -> str:
        return self.read(name)[1]

    def read(self, name: str) -> tuple[ScriptRecord, str]:
        """The record of ``name`` and its text, from one read of the index."""
        record = self.get(name)
        try:
            return record, Path(record.path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ToolError(f"Cannot read script {name!r} at {record.path}: {exc}") from None

    def current_sha256(self, name: str) -> str:
        """The hash of the file as it is now (it may have been edited outside llmos)."""
        return sha256_text(self.text(name))

    def list(self) -> list[ScriptRecord]:
        return sorted(self._load().values(), key=lambda r: r.name)

    def remove(self, name: str) -> None:
        with self._locked():
            self._remove(name)

    def _remove(self, name: str) -> None:
        records = self._load()
        record = records.pop(name, None)
        if record is None:
            raise _not_found(name)
        Path(record.path).unlink(missing_ok=True)
        self._store(records)

    def record_run(self, name: str, result: str) -> None:
        """Note when ``name`` last ran and how it went (e.g. "exit 0")."""
        with self._locked():
            self._record_run(name, result)

    def _record_run(self, name: str, result: str) -> None:
        records = self._load()
        if name not in records:
            raise _not_found(name)
        records[name] = records[name].model_copy(
            update={"last_run": now_iso(), "last_result": result}
        )
        self._store(records)
