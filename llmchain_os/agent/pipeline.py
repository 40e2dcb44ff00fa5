"""The path of one request, start to end: plan it (or hand it to the model's tool loop),
run the plan through the executor, fall back to another provider when the local side cannot
do it, and answer. ``api.Session`` hands in its parts; nothing here knows a surface or a vendor.

    request -> plan (retrieval and the tools' cards; the local model only for ties)
            -> executor (policy, sandbox, audit log) -> answer (the facts, or the model's
               sentence checked against them)
    unsure, or the local model failed
            -> the fallback profiles' tool loops, in order (each behind its breaker), when
               any is configured and allowed; else the honest "unsure", with what was weighed

Every answer names the provider profile and model that produced it; every fallback that
failed is named, with why, in the result.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from llmchain_os.agent.events import Event, EventKind
from llmchain_os.agent.executor import Executor
from llmchain_os.agent.request import Request
from llmchain_os.llm.errors import ModelError
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
    # the fallback profiles, in order, each with what makes its model (raises ModelError);
    # empty when none is configured or the settings forbid them
    fallbacks: Callable[[], list[tuple[str, Callable[[], BaseChatModel]]]]
    model_name: Callable[[], str]
    local_name: str = "local"  # the local profile, named in every answer it gives
    route: str = "auto"  # auto | the local profile | a profile chosen by hand (/model NAME)
    planner_mode: str = "retrieval"  # retrieval | tools (the model's own tool calls)
    answer_mode: str = "facts"  # facts | model
    max_steps: int = 6


def handle(request: Request, executor: Executor, parts: Parts) -> Iterator[Event]:
    """One request as Events; a ModelError the fallbacks cannot make up for propagates (the
    session reports it)."""
    if parts.route not in ("auto", parts.local_name):  # chosen by hand: straight there
        why = f"{parts.route} was chosen with /model"
        yield from fall_back(request, executor, parts, parts.fallbacks(), why, [])
        return
    try:
        yield from local(request, executor, parts)
    except ModelError as exc:
        choices = parts.fallbacks()
        if not choices or executor.records:  # nothing to fall back to, or steps have run
            raise
        why = f"the local model failed: {exc}"
        yield from fall_back(request, executor, parts, choices, why, [])


def local(request: Request, executor: Executor, parts: Parts) -> Iterator[Event]:
    start = time.perf_counter()
    if parts.planner_mode == "tools":
        yield Event(kind=EventKind.STATUS, text="loading model")
        yield from tool_loop(request, executor, parts, parts.model(), parts.local_name)
        return
    parts.check_model()  # a broken model is said now, though this plan may not need it
    yield Event(kind=EventKind.STATUS, text="planning")
    outcome = parts.planner().plan(request)
    guess = outcome.plan.guess if outcome.plan is not None else ""
    matches = [m.__dict__ for m in outcome.matches[:3]]
    if outcome.plan is None or guess:  # a stronger model beats a best guess
        choices = parts.fallbacks()
        if choices:
            why = outcome.unsure or guess or "unsure"
            yield from fall_back(request, executor, parts, choices, why, matches)
            return
    if outcome.plan is None:
        why = outcome.unsure or "unsure"
        yield Event(kind=EventKind.UNSURE, text=why, data={"matches": matches})
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
    return answer_event(text, by, timings, parts.local_name, parts.model_name())


def hedged(ev: Event, guess: str) -> Event:
    """The answer to a best-guess plan says so and asks back: it may answer another question."""
    text = f"{ev.text}\nThat was a best guess ({guess}). Is it what you meant?"
    return ev.model_copy(update={"text": text, "data": {**ev.data, "guess": guess}})


def tool_loop(
    request: Request,
    executor: Executor,
    parts: Parts,
    model: BaseChatModel,
    provider: str,
    fallback: dict[str, object] | None = None,
) -> Iterator[Event]:
    """The model plans by calling tools itself; each call is a step like any other. All but
    the local profile see redacted text (the resilient call redacts again on the way out)."""
    from llmchain_os.agent.loop import ToolLoop

    remote = provider != parts.local_name
    loop = ToolLoop(model, parts.registry, parts.max_steps, redact_all=remote)
    name = str(getattr(model, "model_name", "")) if remote else parts.model_name()
    for ev in loop.run(request, executor):
        if ev.kind is EventKind.ANSWER:
            by = ev.data.get("by", "model")
            yield answer_event(ev.text, by, {}, provider, name, fallback or {})
        elif ev.kind is EventKind.PLAN:
            yield ev.model_copy(update={"data": {**ev.data, "provider": provider, "model": name}})
        else:
            yield ev


def fall_back(
    request: Request,
    executor: Executor,
    parts: Parts,
    choices: list[tuple[str, Callable[[], BaseChatModel]]],
    why: str,
    matches: list[dict[str, object]],
) -> Iterator[Event]:
    """The local side cannot do it: each fallback profile in turn gets the request (redacted)
    until one answers; one that fails after steps ran ends the request there (its plan is
    not replayed elsewhere)."""
    tried: list[dict[str, str]] = []
    for name, make in choices:
        yield Event(kind=EventKind.STATUS, text=f"asking {name}", data={"provider": name})
        before = len(executor.records)
        try:
            model = make()
            fallback: dict[str, object] = {"why": why, "tried": list(tried)}
            yield from tool_loop(request, executor, parts, model, name, fallback)
            return
        except ModelError as exc:  # ProviderError too: a timeout, a 500, an open breaker
            tried.append({"provider": name, "error": one_line(str(exc))})
        if len(executor.records) > before:
            break
    names = ", ".join(t["provider"] for t in tried)
    errors = "; ".join(t["error"] for t in tried)
    yield Event(
        kind=EventKind.UNSURE,
        text=f"{why} (the {names} fallback failed: {errors})",
        data={"matches": matches, "tried": tried},
    )


def one_line(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else "failed"
    return first[:300]


def answer_event(
    text: str,
    by: str,
    timings: dict[str, float],
    provider: str,
    model: str,
    fallback: dict[str, object] | None = None,
) -> Event:
    data: dict[str, object] = {"by": by, "provider": provider, "model": model, "timings": timings}
    if fallback:
        data["fallback"] = fallback
    return Event(kind=EventKind.ANSWER, text=text, data=data)
