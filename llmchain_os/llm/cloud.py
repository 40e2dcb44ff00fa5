"""The cloud provider: any OpenAI-compatible endpoint (OpenAI, vLLM, Ollama, llama.cpp server)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from llmchain_os.config import Settings


def cloud_configured(settings: Settings) -> bool:
    return bool(settings.allow_cloud and settings.cloud_base_url)


def get_cloud_model(settings: Settings) -> BaseChatModel:
    """A ChatOpenAI for the configured endpoint; imported here only, it is slow to import."""
    from langchain_openai import ChatOpenAI
    from pydantic import SecretStr

    return ChatOpenAI(
        model=settings.cloud_model,
        base_url=settings.cloud_base_url,
        api_key=SecretStr(settings.cloud_api_key or "not-needed"),
        timeout=settings.cloud_timeout_s,
        max_retries=1,
        temperature=0,
    )
