"""The OpenAI-compatible provider: OpenAI, vLLM, Ollama, a llama.cpp server, any base_url.

A plugin like any other (``register_providers``); imports langchain-openai only when a model
is made, as it is slow to import.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmchain_os.llm.providers import Provider, Register

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from llmchain_os.config import ProviderProfile, Settings

RETRY_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})


class OpenAICompatible(Provider):
    kind = "openai"
    remote = True

    def problem(self, profile: ProviderProfile) -> str | None:
        if not profile.base_url:
            return "no base_url"
        return None if profile.model else "no model"

    def create(
        self, profile: ProviderProfile, settings: Settings, key: str | None
    ) -> BaseChatModel:
        from langchain_openai import ChatOpenAI
        from pydantic import SecretStr

        return ChatOpenAI(
            model=profile.model,
            base_url=profile.base_url,
            api_key=SecretStr(key or "not-needed"),
            timeout=profile.timeout_s,
            max_retries=0,  # the resilient wrapper retries, with backoff and a breaker
            temperature=0,
        )

    def describe_error(self, exc: BaseException, profile: ProviderProfile) -> tuple[str, bool]:
        import openai

        if isinstance(exc, openai.APITimeoutError):
            return f"no answer within {profile.timeout_s:g} s", False
        if isinstance(exc, openai.APIConnectionError):
            return f"cannot connect to {profile.base_url}", True
        if isinstance(exc, openai.APIStatusError):
            return f"HTTP {exc.status_code} from {profile.base_url}", (
                exc.status_code in RETRY_STATUS
            )
        if isinstance(exc, ValueError | TypeError | KeyError):  # JSON that is not a completion
            return f"a malformed answer from {profile.base_url}", True
        return super().describe_error(exc, profile)


def register_providers(register: Register) -> None:
    register(OpenAICompatible())
