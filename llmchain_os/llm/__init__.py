"""Model providers. Only this package knows vendors; the rest sees LangChain chat models."""

from __future__ import annotations

from typing import TYPE_CHECKING

from llmchain_os.llm.models import default_threads, resolve_model

if TYPE_CHECKING:
    from llmchain_os.config import Settings
    from llmchain_os.llm.local import ChatLlamaLocal


def get_local_model(settings: Settings) -> ChatLlamaLocal:
    """The configured local model (not yet loaded); raises ModelNotFound with the fix."""
    from llmchain_os.llm.local import ChatLlamaLocal

    ref = resolve_model(settings.model_path)
    return ChatLlamaLocal(
        model_path=str(ref.path),
        model_name=ref.name,
        n_ctx=settings.n_ctx,
        n_threads=settings.n_threads or default_threads(),
        n_gpu_layers=settings.n_gpu_layers,
    )
