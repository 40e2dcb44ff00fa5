"""A provider's model behind a resilient call: the circuit breaker first, then the call with
its timeout, retried with backoff when another try may go better; what goes to a remote
provider is redacted here, the one way out, whatever the caller already did.

Every reply carries the profile and model that produced it (``response_metadata``); every
failure is a ``ProviderError`` of one line that names them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ConfigDict

from llmchain_os.llm.errors import ModelError, ProviderError

if TYPE_CHECKING:
    from llmchain_os.config import ProviderProfile
    from llmchain_os.llm.breaker import CircuitBreaker
    from llmchain_os.llm.providers import Provider

BACKOFF_S = 0.5  # the first retry's wait; doubled for each one after
BACKOFF_CAP_S = 4.0


class ProviderUnavailable(ProviderError):
    """The profile's breaker is open: the call was not made."""


def redact_messages(messages: Sequence[BaseMessage], known: Sequence[str]) -> list[BaseMessage]:
    """Each message's text and tool-call arguments redacted (``safety.redact``)."""
    from llmchain_os.safety.redact import redact, redact_data

    out: list[BaseMessage] = []
    for msg in messages:
        content = msg.content
        update: dict[str, Any] = {
            "content": redact(content, known)
            if isinstance(content, str)
            else redact_data(content, known)
        }
        if isinstance(msg, AIMessage) and msg.tool_calls:
            update["tool_calls"] = [
                {**call, "args": redact_data(call["args"], known)} for call in msg.tool_calls
            ]
        out.append(msg.model_copy(update=update))
    return out


class ResilientChat(BaseChatModel):
    """``inner`` (the provider's model for profile ``profile_name``) called resiliently."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    inner: BaseChatModel
    provider: Any  # Provider: its describe_error says what failed and whether to retry
    profile: Any  # ProviderProfile
    profile_name: str
    model_name: str
    breaker: Any  # CircuitBreaker
    redact: bool = True
    known_secrets: tuple[str, ...] = ()
    sleep: Callable[[float], None] = time.sleep

    @property
    def _llm_type(self) -> str:
        return f"llmchain-os-resilient-{self.profile_name}"

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Tools in OpenAI's form, handed to the inner model on each call. ``tool_choice`` is
        not passed on: llama.cpp's server answers ``required`` with HTTP 500."""
        return self.bind(tools=[convert_to_openai_tool(t) for t in tools], **kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        breaker: CircuitBreaker = self.breaker
        if not breaker.allow():
            raise ProviderUnavailable(f"{self._who()}: {breaker.describe()}")
        sent = redact_messages(messages, self.known_secrets) if self.redact else messages
        reply = self._call(sent, stop, kwargs)
        breaker.record_success()
        reply.response_metadata.update(provider=self.profile_name, model_name=self.model_name)
        return ChatResult(generations=[ChatGeneration(message=reply)])

    def _call(
        self, messages: list[BaseMessage], stop: list[str] | None, kwargs: dict[str, Any]
    ) -> AIMessage:
        provider: Provider = self.provider
        profile: ProviderProfile = self.profile
        for attempt in range(profile.retries + 1):
            try:
                reply = self.inner.invoke(messages, stop=stop, **kwargs)
            except ModelError as exc:
                self._failed(str(exc))
                raise
            except Exception as exc:  # timeouts, refused connections, HTTP errors, junk
                why, again = provider.describe_error(exc, profile)
                if again and attempt < profile.retries:
                    self.sleep(min(BACKOFF_S * 2**attempt, BACKOFF_CAP_S))
                    continue
                self._failed(why)
                raise ProviderError(f"{self._who()}: {why}") from exc
            if isinstance(reply, AIMessage):
                return reply
            return AIMessage(content=str(getattr(reply, "content", reply)))
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _failed(self, why: str) -> None:
        from llmchain_os.safety.redact import redact

        self.breaker.record_failure(redact(why, self.known_secrets))

    def _who(self) -> str:
        return f"{self.profile_name} ({self.model_name})"
