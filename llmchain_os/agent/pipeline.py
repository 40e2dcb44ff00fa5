"""The path of one request, start to end: plan it (or hand it to the model's tool loop),
run the plan through the executor, fall back to the cloud when the local side is unsure,
and answer. ``api.Session`` hands in its parts; nothing here knows a surface.

    request -> plan (retrieval and the tools' cards; the local model only for ties)
            -> executor (policy, sandbox, audit log) -> answer (the facts, or the model's
               sentence checked against them)
    unsure  -> the cloud model's tool loop, when one is configured and allowed; else the
               honest "unsure", with what was weighed
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from llmchain_os.agent.events import Event, EventKind
from llmchain_os.agent.executor import Executor
from llmchain_os.agent.request import Request
from llmchain_os.llm.errors import ProviderError
from llmchain_os.tools.registry import ToolRegistry

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from llmchain_os.agent.planner import RetrievalPlanner


@dataclass(frozen=True)
class Parts:
    """What a request needs from its session, each made or loaded only when needed."""

    registry: ToolRegistry
    planner: Callable[[], RetrievalPlanner]
    model: Callable[[], BaseChatModel]  # loaded; raises ModelError
    check_model: Callable[[], None]  # raises ModelError for a model that cannot load
    cloud: Callable[[], BaseChatModel | None]  # None: no cloud configured, or forbidden
    model_name: Callable[[], str]
    planner_mode: str = "retrieval"  # retrieval | tools (the model's own tool calls)
    answer_mode: str = "facts"  # facts | model
    max_steps: int = 6


def handle(request: Request, executor: Executor, parts: Parts) -> Iterator[Event]:
    """One request as Events; ModelError propagates (the session reports it)."""
    start = time.perf_counter()
    if parts.planner_mode == "tools":
        yield Event(kind=EventKind.STATUS, text="loading model")
        yield from tool_loop(request, executor, parts, parts.model())
        return
    parts.check_model()  # a broken model is said now, though this plan may not need it
    yield Event(kind=EventKind.STATUS, text="planning")
    outcome = parts.planner().plan(request)
    guess = outcome.plan.guess if outcome.plan is not None else ""
    if outcome.plan is None or guess:  # a stronger model beats a best guess
        cloud = parts.cloud()
        if cloud is not None:
            why = outcome.unsure or guess or "unsure"
            yield from cloud_fallback(request, executor, parts, cloud, why)
            return
    if outcome.plan is None:
        matches = [m.__dict__ for m in outcome.matches[:3]]
        yield Event(
            kind=EventKind.UNSURE, text=outcome.unsure or "unsure", data={"matches": matches}
        )
        return
    yield from executor.execute(outcome.plan)
    yield Event(kind=EventKind.STATUS, text="answering")
    timings = {**outcome.timings, "tools": sum(r.duration_s for r in executor.records)}
    ev = answer(request, executor, parts, timings, start)
    yield hedged(ev, guess) if guess else ev


def answer(
    request: Request, executor: Executor, parts: Parts, timings: dict[str, float], start: float
) -> Event:
    """The short answer: the tools' own facts, or the model's sentence when it keeps to
    them (``answer_mode`` model; never for a dry run, which has no facts to keep to)."""
    from llmchain_os.agent.answer import compose_answer

    began = time.perf_counter()
    phrase = parts.answer_mode == "model" and not executor.dry_run
    text, by = compose_answer(request.text, executor.records, parts.model() if phrase else None)
    timings = {**timings, "answer": time.perf_counter() - began}
    timings["total"] = time.perf_counter() - start
    return answer_event(text, by, timings, "local", parts.model_name())


def hedged(ev: Event, guess: str) -> Event:
    """The answer to a best-guess plan says so and asks back: it may answer another question."""
    text = f"{ev.text}\nThat was a best guess ({guess}). Is it what you meant?"
    return ev.model_copy(update={"text": text, "data": {**ev.data, "guess": guess}})


def tool_loop(
    request: Request,
    executor: Executor,
    parts: Parts,
    model: BaseChatModel,
    provider: str = "local",
) -> Iterator[Event]:
    """The model plans by calling tools itself; each call is a step like any other."""
    from llmchain_os.agent.loop import ToolLoop

    loop = ToolLoop(model, parts.registry, parts.max_steps, redact_all=provider == "cloud")
    name = str(getattr(model, "model_name", "")) if provider == "cloud" else parts.model_name()
    for ev in loop.run(request, executor):
        if ev.kind is EventKind.ANSWER:
            yield answer_event(ev.text, ev.data.get("by", "model"), {}, provider, name)
        else:
            yield ev


def cloud_fallback(
    request: Request, executor: Executor, parts: Parts, cloud: BaseChatModel, why: str
) -> Iterator[Event]:
    """The local planner is unsure: the request (redacted) goes to the cloud model."""
    yield Event(kind=EventKind.STATUS, text="asking the cloud model")
    try:
        yield from tool_loop(request, executor, parts, cloud, provider="cloud")
    except ProviderError as exc:
        yield Event(kind=EventKind.UNSURE, text=f"{why} (the cloud fallback failed: {exc})")


def answer_event(text: str, by: str, timings: dict[str, float], provider: str, model: str) -> Event:
    return Event(
        kind=EventKind.ANSWER,
        text=text,
        data={"by": by, "provider": provider, "model": model, "timings": timings},
    )
