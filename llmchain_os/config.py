"""Settings, and where they come from.

The lookup order, highest first:
  1. flags given on the command line (passed in as ``overrides``)
  2. ``LLMOS_*`` environment variables (``LLMOS_MODEL``, ``LLMOS_THREADS`` ...)
  3. ``config.toml`` in the XDG config dir (``~/.config/llmchain-os/config.toml``)
  4. the defaults below
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from llmchain_os.paths import config_file


class ConfigError(Exception):
    """The configuration cannot be read or has a bad value."""


class ProviderProfile(BaseModel):
    """One ``[providers.NAME]`` table: a model behind a provider (a plugin, by ``kind``).

    The key itself is never a setting here: ``api_key_env`` names the variable that holds
    it, ``api_key_file`` a file only its owner can read (mode 0600)."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(default="openai", description="The provider plugin: openai, llama-cpp.")
    base_url: str | None = None
    model: str = ""
    api_key_env: str | None = None
    api_key_file: str | None = None
    timeout_s: float = Field(default=30.0, gt=0)
    retries: int = Field(default=1, ge=0, le=5, description="Retries of a failed call.")
    breaker_failures: int = Field(
        default=3, ge=1, description="Failed calls in a row that open the circuit breaker."
    )
    breaker_cooldown_s: float = Field(
        default=60.0, gt=0, description="How long an open breaker refuses calls."
    )


class Settings(BaseModel):
    """Everything a user can configure. Field names are the config.toml keys."""

    model_config = ConfigDict(extra="forbid")

    model_path: str | None = Field(
        default=None, description="A GGUF file; empty means the embedded SmolLM2-135M-Instruct."
    )
    n_threads: int | None = Field(default=None, ge=1, description="llama.cpp threads; cores-1.")
    n_ctx: int = Field(default=2048, ge=256, le=131072)
    n_gpu_layers: int = Field(default=-1, description="-1 puts every layer on the GPU if any.")
    planner: Literal["auto", "retrieval", "tools"] = Field(
        default="auto",
        description="retrieval: exemplars+extraction (small models); tools: native tool calls.",
    )
    answer: Literal["auto", "model", "facts"] = Field(
        default="auto",
        description="model: the model phrases the answer (checked against the facts); facts: "
        "the tools' own summaries; auto: facts for the embedded 135M model, else model.",
    )
    cloud_base_url: str | None = None
    cloud_model: str = "gpt-4o-mini"
    cloud_api_key: str | None = Field(default=None, repr=False)
    cloud_timeout_s: float = Field(default=30.0, gt=0)
    allow_cloud: bool = True
    cloud: Literal["auto", "never"] = Field(
        default="auto", description="never: nothing goes to any endpoint (as allow_cloud = false)."
    )
    providers: dict[str, ProviderProfile] = Field(
        default_factory=dict, description="Named profiles: [providers.NAME] base_url, model..."
    )
    fallback: list[str] = Field(
        default_factory=lambda: ["cloud"],
        description="Profiles tried in order when the local model cannot do a request.",
    )
    sandbox_user_commands: bool = Field(
        default=False,
        description="Run `!cmd` typed in the shell confined like every other step.",
    )
    index_programs: bool = Field(
        default=True,
        description="Index this machine's programs by their manuals, in the background on "
        "first need, to name the ones that may do what an unsure request asks.",
    )
    max_steps: int = Field(default=6, ge=1, le=50)
    min_score: float = Field(default=0.3, ge=0, le=1, description="Retrieval score below = unsure.")
    memory: bool = Field(default=True, description="Record requests in memory; recall them.")
    memory_history_limit: int = Field(
        default=10_000, ge=10, description="History entries kept; the oldest are thinned first."
    )

    @model_validator(mode="after")
    def _known_fallbacks(self) -> Settings:
        unknown = [n for n in self.fallback if n not in self.providers and n != "cloud"]
        if unknown:
            raise ValueError(f"fallback names {unknown[0]!r}, which no [providers.NAME] defines")
        return self

    def cloud_allowed(self) -> bool:
        return self.allow_cloud and self.cloud != "never"

    def redacted(self) -> dict[str, Any]:
        """The settings as a dict with secrets masked, for `llmos config show`."""
        data = self.model_dump()
        if data.get("cloud_api_key"):
            data["cloud_api_key"] = "***"
        return data


ENV_PREFIX = "LLMOS_"
# Env names that are not simply LLMOS_<FIELD>, kept short for the common ones.
ENV_ALIASES = {"LLMOS_MODEL": "model_path", "LLMOS_THREADS": "n_threads"}


def load_file_settings(path: Path) -> dict[str, Any]:
    """Read config.toml; a missing file is no settings, a broken one is an error."""
    if not path.exists():
        return {}
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except (tomllib.TOMLDecodeError, OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Cannot read {path}: {exc} - fix or remove the file") from exc


def env_settings(environ: Mapping[str, str]) -> dict[str, Any]:
    """The LLMOS_* variables that name a setting; empty values are ignored."""
    fields = set(Settings.model_fields)
    found: dict[str, Any] = {}
    for key, value in environ.items():
        if not key.startswith(ENV_PREFIX) or value == "":
            continue
        name = ENV_ALIASES.get(key, key[len(ENV_PREFIX) :].lower())
        if name in fields:
            found[name] = value
    return found


def load_settings(
    overrides: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> Settings:
    """Merge file, environment and flags into validated Settings."""
    environ = os.environ if environ is None else environ
    merged: dict[str, Any] = {}
    merged.update(load_file_settings(config_file()))
    merged.update(env_settings(environ))
    if not merged.get("cloud_api_key") and environ.get("OPENAI_API_KEY"):
        merged["cloud_api_key"] = environ["OPENAI_API_KEY"]
    if not merged.get("cloud_base_url") and environ.get("OPENAI_BASE_URL"):
        merged["cloud_base_url"] = environ["OPENAI_BASE_URL"]
    merged.update({k: v for k, v in (overrides or {}).items() if v is not None})
    try:
        return Settings.model_validate(merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "config"
        raise ConfigError(f"Bad setting {where}: {first['msg']} - see 'llmos config show'") from exc
