"""Named provider profiles, and where their keys come from.

Every session has a ``local`` profile (``model_path``, the llama.cpp provider) and, when
``cloud_base_url`` or ``OPENAI_BASE_URL`` is set, a ``cloud`` one (the old ``cloud_*``
settings); ``[providers.NAME]`` tables add more or replace these two.

A key comes from the variable ``api_key_env`` names, or from ``api_key_file``, which must be
readable by its owner only (mode 0600); the old ``cloud_api_key`` / ``OPENAI_API_KEY`` still
work for the ``cloud`` profile. Keys are read when a model is made, never kept in settings.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from pathlib import Path

from llmchain_os.config import ProviderProfile, Settings
from llmchain_os.llm.errors import ModelError

LOCAL = "local"
CLOUD = "cloud"


def profiles(settings: Settings) -> dict[str, ProviderProfile]:
    """Every profile by name: ``local``, ``cloud`` when configured, then ``[providers.*]``."""
    found = {LOCAL: ProviderProfile(kind="llama-cpp", model=settings.model_path or "")}
    if settings.cloud_base_url:
        found[CLOUD] = ProviderProfile(
            kind="openai",
            base_url=settings.cloud_base_url,
            model=settings.cloud_model,
            timeout_s=settings.cloud_timeout_s,
        )
    found.update(settings.providers)
    return found


def get_profile(settings: Settings, name: str) -> ProviderProfile:
    """The profile called ``name``; raises ModelError naming the ones there are."""
    found = profiles(settings)
    if name not in found:
        raise ModelError(
            f"No provider profile {name!r} - add [providers.{name}] to config.toml "
            f"(there are: {', '.join(found)})"
        )
    return found[name]


def api_key(
    name: str,
    profile: ProviderProfile,
    settings: Settings,
    environ: Mapping[str, str] | None = None,
) -> str | None:
    """The key for profile ``name``, or None when it needs none; raises ModelError when the
    configured source is missing or unsafe."""
    environ = os.environ if environ is None else environ
    if profile.api_key_env:
        value = environ.get(profile.api_key_env, "")
        if not value:
            raise ModelError(
                f"Profile {name!r} takes its key from ${profile.api_key_env}, which is not "
                "set - export it, or set api_key_file"
            )
        return value
    if profile.api_key_file:
        return read_key_file(name, Path(os.path.expanduser(profile.api_key_file)))
    if name == CLOUD and CLOUD not in settings.providers:
        return settings.cloud_api_key  # the old settings; OPENAI_API_KEY is copied there
    return None


def read_key_file(name: str, path: Path) -> str:
    """The first line of ``path``; refused (ModelError) unless only its owner can read it."""
    try:
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ModelError(
                f"Profile {name!r}: {path} can be read by others (mode {stat.S_IMODE(mode):o})"
                f" - run 'chmod 600 {path}'"
            )
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ModelError(
            f"Profile {name!r}: cannot read its key file {path} ({exc.strerror})"
        ) from exc
    key = lines[0].strip() if lines else ""
    if not key:
        raise ModelError(f"Profile {name!r}: its key file {path} is empty")
    return key


def known_keys(settings: Settings) -> tuple[str, ...]:
    """Every key the settings lead to that can be read now: masked wherever it shows up
    in what is sent to an endpoint (a user's own secrets are secrets too)."""
    keys: set[str] = set()
    for name, profile in profiles(settings).items():
        try:
            key = api_key(name, profile, settings)
        except ModelError:
            continue
        if key and len(key) >= 6:
            keys.add(key)
    return tuple(sorted(keys))
