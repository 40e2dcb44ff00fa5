"""The llama.cpp provider: a GGUF model in this process (``llm.local.ChatLlamaLocal``).

A plugin like any other (``register_providers``); ``model`` in its profile is a GGUF path,
empty for the embedded SmolLM2.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmchain_os.llm.providers import Provider, Register

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from llmchain_os.config import ProviderProfile, Settings


class LlamaCpp(Provider):
    kind = "llama-cpp"
    remote = False

    def problem(self, profile: ProviderProfile) -> str | None:
        from llmchain_os.llm.errors import ModelError
        from llmchain_os.llm.models import resolve_model

        try:
            resolve_model(profile.model or None)
        except ModelError as exc:
            return str(exc)
        return None

    def create(
        self, profile: ProviderProfile, settings: Settings, key: str | None
    ) -> BaseChatModel:
        from llmchain_os.llm.local import ChatLlamaLocal
        from llmchain_os.llm.models import default_threads, resolve_model

        ref = resolve_model(profile.model or None)
        return ChatLlamaLocal(
            model_path=str(ref.path),
            model_name=ref.name,
            n_ctx=settings.n_ctx,
            n_threads=settings.n_threads or default_threads(),
            n_gpu_layers=settings.n_gpu_layers,
        )


def register_providers(register: Register) -> None:
    register(LlamaCpp())
