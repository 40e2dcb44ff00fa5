"""The local provider: a LangChain chat model over llama_cpp.Llama, with grammar-bound tool calls.

langchain-community's ChatLlamaCpp ignores tools unless one is forced by name, so an agent
never gets a tool call from it. Here ``bind_tools`` turns the tool schemas into a bounded GBNF
grammar (one alternative per tool plus a final answer) and the reply is parsed into proper
``tool_calls``. Any call may also pass ``grammar=`` (a GBNF string) to constrain the output.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.messages import AIMessage, BaseMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.tools import BaseTool
from langchain_core.utils.function_calling import convert_to_openai_tool
from pydantic import ConfigDict, PrivateAttr

from llmchain_os.llm.errors import ModelLoadError, ProviderError
from llmchain_os.llm.grammar import tool_call_grammar
from llmchain_os.llm.models import check_gguf
from llmchain_os.prompts import load_prompt

ROLE = {"human": "user", "ai": "assistant", "system": "system"}


def to_chat_messages(messages: Sequence[BaseMessage]) -> list[dict[str, str]]:
    """LangChain messages as llama.cpp chat dicts; tool results become user turns as data."""
    out: list[dict[str, str]] = []
    for msg in messages:
        if isinstance(msg, ToolMessage):
            out.append({"role": "user", "content": f"<tool_result>\n{msg.content}\n</tool_result>"})
        elif isinstance(msg, AIMessage) and msg.tool_calls:
            call = msg.tool_calls[0]
            out.append(
                {
                    "role": "assistant",
                    "content": json.dumps({"tool": call["name"], "args": call["args"]}),
                }
            )
        else:
            out.append({"role": ROLE.get(msg.type, "user"), "content": str(msg.content)})
    return out


def parse_reply(text: str, tool_names: set[str]) -> AIMessage:
    """A grammar-shaped reply as an AIMessage: a tool call, or the answer as content."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return AIMessage(content=text, response_metadata={"invalid": True})
    if isinstance(data, dict) and data.get("tool") in tool_names:
        call_id = f"call_{uuid.uuid4().hex[:12]}"
        return AIMessage(
            content="",
            tool_calls=[
                {
                    "name": data["tool"],
                    "args": data.get("args") or {},
                    "id": call_id,
                    "type": "tool_call",
                }
            ],
        )
    if isinstance(data, dict) and "answer" in data:
        return AIMessage(content=str(data["answer"]))
    return AIMessage(content=text, response_metadata={"invalid": True})


class ChatLlamaLocal(BaseChatModel):
    """A GGUF model in this process, loaded on first use (thread-safe, one call at a time)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_path: str
    model_name: str = "local"
    n_ctx: int = 2048
    n_threads: int = 1
    n_gpu_layers: int = -1
    max_tokens: int = 256
    temperature: float = 0.0
    seed: int = 7

    _llm: Any = PrivateAttr(default=None)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _load_s: float = PrivateAttr(default=0.0)

    @property
    def _llm_type(self) -> str:
        return "llmchain-os-llama-cpp"

    @property
    def load_seconds(self) -> float:
        return self._load_s

    @property
    def loaded(self) -> bool:
        return self._llm is not None

    def load(self) -> Any:
        """Load the GGUF once; a missing or corrupt file raises ModelLoadError in one line."""
        with self._lock:
            if self._llm is None:
                self._llm = self._open()
            return self._llm

    def _open(self) -> Any:
        from pathlib import Path

        problem = check_gguf(Path(self.model_path))
        if problem:
            raise ModelLoadError(
                f"Cannot load {self.model_path}: {problem} - point LLMOS_MODEL at a GGUF model file"
            )
        import llama_cpp

        start = time.perf_counter()
        try:
            llm = llama_cpp.Llama(
                model_path=self.model_path,
                n_ctx=self.n_ctx,
                n_threads=self.n_threads,
                n_threads_batch=self.n_threads,
                n_gpu_layers=self.n_gpu_layers,
                seed=self.seed,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelLoadError(
                f"llama.cpp cannot load {self.model_path} ({exc}) - "
                "the file may be corrupt; re-download or reinstall it"
            ) from exc
        self._load_s = time.perf_counter() - start
        return llm

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        tools: list[dict[str, Any]] = kwargs.pop("tools", None) or []
        grammar_text: str | None = kwargs.pop("grammar", None)
        chat = to_chat_messages(messages)
        if tools:
            grammar_text = tool_call_grammar(tools)
            chat = [{"role": "system", "content": self._tool_prompt(tools)}, *chat]
        text, meta = self._complete(chat, grammar_text, stop, kwargs.get("max_tokens"))
        message = (
            parse_reply(text, {t["function"]["name"] for t in tools})
            if tools
            else (AIMessage(content=text))
        )
        message.response_metadata.update(meta)
        message.usage_metadata = {
            "input_tokens": meta["prompt_tokens"],
            "output_tokens": meta["completion_tokens"],
            "total_tokens": meta["prompt_tokens"] + meta["completion_tokens"],
        }
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _tool_prompt(self, tools: list[dict[str, Any]]) -> str:
        lines = [
            f"- {t['function']['name']}: {t['function'].get('description', '')} "
            f"args: {json.dumps(t['function'].get('parameters', {}).get('properties', {}))}"
            for t in tools
        ]
        return load_prompt("tool_calling", tools="\n".join(lines))

    def _complete(
        self,
        chat: list[dict[str, str]],
        grammar_text: str | None,
        stop: list[str] | None,
        max_tokens: int | None,
    ) -> tuple[str, dict[str, Any]]:
        from llama_cpp.llama_grammar import LlamaGrammar

        llm = self.load()
        grammar = LlamaGrammar.from_string(grammar_text, verbose=False) if grammar_text else None
        start = time.perf_counter()
        with self._lock:
            try:
                out = llm.create_chat_completion(
                    messages=chat,
                    grammar=grammar,
                    stop=stop,
                    temperature=self.temperature,
                    max_tokens=max_tokens or self.max_tokens,
                    seed=self.seed,
                )
            except (ValueError, RuntimeError) as exc:  # e.g. the prompt overflows the context
                raise ProviderError(f"The local model refused the request: {exc}") from exc
        usage = out.get("usage", {})
        meta = {
            "model_name": self.model_name,
            "provider": "local",
            "finish_reason": out["choices"][0].get("finish_reason"),
            "prompt_tokens": int(usage.get("prompt_tokens", 0)),
            "completion_tokens": int(usage.get("completion_tokens", 0)),
            "seconds": time.perf_counter() - start,
        }
        return str(out["choices"][0]["message"].get("content") or ""), meta

    def bind_tools(
        self,
        tools: Sequence[dict[str, Any] | type | Callable[..., Any] | BaseTool],
        *,
        tool_choice: str | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, AIMessage]:
        """Bind tools: every reply is then a valid call of one of them, or a final answer."""
        formatted = [convert_to_openai_tool(t) for t in tools]
        return self.bind(tools=formatted, **kwargs)
