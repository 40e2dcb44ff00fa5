"""Providers as plugins: each kind of model (llama.cpp in-process, an OpenAI-compatible
endpoint, ...) is a ``Provider`` that a module registers through ``register_providers``.

The built-in ones go through the same hook as outside packages (the ``llmchain_os.providers``
entry-point group names a module or a function with that hook), as simonw/llm loads its
default plugins: the code that picks and calls a model names no vendor.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from llmchain_os.llm.errors import ModelError

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from llmchain_os.config import ProviderProfile, Settings

PLUGIN_GROUP = "llmchain_os.providers"
BUILTIN = ("llmchain_os.llm.llama_provider", "llmchain_os.llm.cloud")


class Provider:
    """One kind of model. Subclasses set ``kind`` and ``remote`` and make the model."""

    kind = ""
    remote = True  # what it is sent leaves this process: it is redacted first

    def problem(self, profile: ProviderProfile) -> str | None:
        """Why ``profile`` cannot be used as it is configured (None: it can)."""
        return None

    def create(
        self, profile: ProviderProfile, settings: Settings, key: str | None
    ) -> BaseChatModel:
        raise NotImplementedError

    def describe_error(self, exc: BaseException, profile: ProviderProfile) -> tuple[str, bool]:
        """A failed call in one line, and whether another try may go better."""
        first = str(exc).splitlines()[0] if str(exc) else ""
        return f"{type(exc).__name__}: {first}"[:200], False


Register = Callable[[Provider], None]


class ProviderRegistry:
    """The providers by kind; ``problems`` holds a line per plugin that failed to load."""

    def __init__(self) -> None:
        self._kinds: dict[str, Provider] = {}
        self.problems: list[str] = []

    def register(self, provider: Provider) -> None:
        if not provider.kind or provider.kind in self._kinds:
            raise ValueError(f"provider kind {provider.kind!r} is empty or registered twice")
        self._kinds[provider.kind] = provider

    def get(self, kind: str) -> Provider:
        try:
            return self._kinds[kind]
        except KeyError:
            raise ModelError(
                f"No provider of kind {kind!r} - the installed kinds are: {', '.join(self._kinds)}"
            ) from None

    def kinds(self) -> list[str]:
        return list(self._kinds)


def _hook(found: Any) -> Callable[[Register], None]:
    hook = getattr(found, "register_providers", found)
    if not callable(hook):
        raise TypeError("it has no register_providers(register) hook")
    return hook  # type: ignore[no-any-return]


@functools.cache
def provider_registry() -> ProviderRegistry:
    """The built-in providers and every installed plugin's, loaded once per process; a plugin
    that fails is skipped (a line in ``problems``), never a reason for the shell to stop."""
    from importlib.metadata import entry_points

    registry = ProviderRegistry()
    for name in BUILTIN:
        _hook(importlib.import_module(name))(registry.register)
    for entry in entry_points(group=PLUGIN_GROUP):
        try:
            _hook(entry.load())(registry.register)
        except Exception as exc:  # a plugin's bug must not stop the shell
            registry.problems.append(f"provider plugin {entry.name} ({entry.value}): {exc}")
    return registry
