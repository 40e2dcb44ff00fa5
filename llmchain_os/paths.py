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


def config_file() -> Path:
    return Path(os.environ.get("LLMOS_CONFIG") or config_dir() / "config.toml")
