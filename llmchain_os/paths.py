"""The XDG places llmchain-os keeps its files (no heavy imports: the shell needs these first)."""

from __future__ import annotations

import os
from pathlib import Path

APP = "llmchain-os"


def _xdg(var: str, fallback: str) -> Path:
    base = os.environ.get(var) or str(Path.home() / fallback)
    return Path(base) / APP


def config_dir() -> Path:
    return _xdg("XDG_CONFIG_HOME", ".config")


def data_dir() -> Path:
    return _xdg("XDG_DATA_HOME", ".local/share")


def state_dir() -> Path:
    return _xdg("XDG_STATE_HOME", ".local/state")


def cache_dir() -> Path:
    """What can be rebuilt at any time (the index of this machine's programs)."""
    return _xdg("XDG_CACHE_HOME", ".cache")


def config_file() -> Path:
    return Path(os.environ.get("LLMOS_CONFIG") or config_dir() / "config.toml")


def atomic_write(path: Path, data: str, mode: int) -> None:
    """Write to a temp file in the same folder, fsync, then rename over ``path``: a reader
    sees the old file or the new one, never half of one."""
    import tempfile  # off the prompt's import path

    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
