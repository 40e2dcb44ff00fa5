"""Model providers. Only this package knows vendors; the rest sees LangChain chat models.

Which provider makes a model is a profile's ``kind`` (``llm.profiles``), looked up among the
provider plugins (``llm.providers``); the code here names none of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmchain_os.llm.models import default_threads, resolve_model

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from llmchain_os.config import Settings
    from llmchain_os.llm.breaker import CircuitBreaker
    from llmchain_os.llm.local import ChatLlamaLocal
    from llmchain_os.llm.resilient import ResilientChat

__all__ = [
    "breaker_of",
    "default_threads",
    "get_local_model",
    "get_model",
    "get_resilient_model",
    "profile_problem",
    "resolve_model",
]


def get_model(settings: Settings, name: str) -> BaseChatModel:
    """The model of profile ``name`` as its provider makes it (not yet loaded or called);
    raises ModelError with the fix."""
    from llmchain_os.llm.profiles import api_key, get_profile
    from llmchain_os.llm.providers import provider_registry

    profile = get_profile(settings, name)
    provider = provider_registry().get(profile.kind)
    return provider.create(profile, settings, api_key(name, profile, settings))


def get_local_model(settings: Settings) -> ChatLlamaLocal:
    """The ``local`` profile's model (not yet loaded); raises ModelNotFound with the fix."""
    from llmchain_os.llm.profiles import LOCAL

    return get_model(settings, LOCAL)  # type: ignore[return-value]


def profile_problem(settings: Settings, name: str) -> str | None:
    """Why profile ``name`` cannot be used as configured (None: it can)."""
    from llmchain_os.llm.errors import ModelError
    from llmchain_os.llm.profiles import profiles
    from llmchain_os.llm.providers import provider_registry

    profile = profiles(settings).get(name)
    if profile is None:
        return "not configured"
    try:
        return provider_registry().get(profile.kind).problem(profile)
    except ModelError as exc:
        return str(exc)


def get_resilient_model(settings: Settings, name: str) -> ResilientChat:
    """Profile ``name``'s model behind its breaker, timeout and retries, redacted for a remote
    provider; raises ModelError (a bad key file, no such profile)."""
    from llmchain_os.llm.profiles import get_profile, known_keys
    from llmchain_os.llm.providers import provider_registry
    from llmchain_os.llm.resilient import ResilientChat

    profile = get_profile(settings, name)
    provider = provider_registry().get(profile.kind)
    inner = get_model(settings, name)
    return ResilientChat(
        inner=inner,
        provider=provider,
        profile=profile,
        profile_name=name,
        model_name=str(getattr(inner, "model_name", "") or profile.model),
        breaker=breaker_of(settings, name),
        redact=provider.remote,
        known_secrets=known_keys(settings),
    )


def breaker_of(settings: Settings, name: str) -> CircuitBreaker:
    from llmchain_os.llm.breaker import CircuitBreaker
    from llmchain_os.llm.profiles import get_profile

    profile = get_profile(settings, name)
    return CircuitBreaker(name, profile.breaker_failures, profile.breaker_cooldown_s)
