"""``Chain.ainvoke``, ``astream`` and ``abatch``: the same path in worker threads, the event
loop free meanwhile. A tool that naps stands in for slow work; a fake model calls it."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import pytest
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langchain_core.outputs import ChatGeneration, ChatResult

from llmchain_os import Chain, ChainResult, Event
from llmchain_os.agent.events import EventKind
from llmchain_os.api import Session
from llmchain_os.config import Settings
from llmchain_os.safety.risk import Risk
from llmchain_os.tools.base import ToolOutput, tool
from llmchain_os.tools.registry import ToolRegistry
from tests.fakes import ScriptedChatModel, tool_call

NAP_S = 0.3


class Napped(ToolOutput):
    seconds: float

    def summary(self) -> str:
        return f"napped {self.seconds} s"


class Naps:
    """How many naps run at once, at most: more than one means requests ran concurrently."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now = self.most = 0

    def nap(self, seconds: float) -> Napped:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        time.sleep(seconds)
        with self.lock:
            self.now -= 1
        return Napped(seconds=seconds)


class NapModel(ScriptedChatModel):
    """Calls ``nap`` once, then answers with the request's own words: no shared queue, so
    any number of threads may use it at once."""

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        asked = next(str(m.content) for m in messages if isinstance(m, HumanMessage))
        if any(isinstance(m, ToolMessage) for m in messages):
            reply = AIMessage(content=f"rested: {asked}")
        else:
            reply = tool_call("nap", seconds=NAP_S)
        return ChatResult(generations=[ChatGeneration(message=reply)])


def napping_chain() -> tuple[Chain, Naps]:
    naps = Naps()

    @tool(risk=Risk.READ)
    def nap(seconds: float) -> Napped:
        """Sleep for a while."""
        return naps.nap(seconds)

    settings = Settings(n_threads=1, planner="tools", memory=False)
    session = Session(settings, registry=ToolRegistry([nap]), model=NapModel())
    return Chain(session=session), naps


async def ticking(work: Any) -> tuple[Any, int]:
    """Run ``work`` while a ticker counts 10 ms ticks: a blocked loop would count none."""
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    try:
        return await work, ticks
    finally:
        ticker.cancel()


def test_ainvoke_gives_the_result_without_blocking_the_loop() -> None:
    chain, _ = napping_chain()
    result, ticks = asyncio.run(ticking(chain.ainvoke("take a nap")))
    assert isinstance(result, ChainResult)
    assert result.exit_code == 0 and result.answer == "rested: take a nap"
    assert [(s.tool, s.status.value) for s in result.steps] == [("nap", "done")]
    assert ticks >= 5  # the loop ran on while the tool slept


async def collect(chain: Chain, text: str) -> list[Event]:
    return [ev async for ev in chain.astream(text)]


def test_astream_yields_each_event_as_it_happens() -> None:
    chain, _ = napping_chain()
    events, ticks = asyncio.run(ticking(collect(chain, "take a nap")))
    assert all(isinstance(ev, Event) for ev in events)
    kinds = [ev.kind for ev in events]
    assert (
        kinds.index(EventKind.PLAN)
        < kinds.index(EventKind.STEP_DONE)
        < kinds.index(EventKind.ANSWER)
    )
    assert ticks >= 5
    started = next(ev.ts for ev in events if ev.kind is EventKind.STEP_STARTED)
    done = next(ev.ts for ev in events if ev.kind is EventKind.STEP_DONE)
    assert done - started >= NAP_S * 0.9


def test_astream_can_be_left_early() -> None:
    chain, _ = napping_chain()

    async def first() -> Event:
        async for ev in chain.astream("take a nap"):
            return ev
        raise AssertionError("no events")

    assert asyncio.run(first()).kind is EventKind.STATUS


def test_astream_raises_what_the_stream_raised() -> None:
    chain, _ = napping_chain()
    chain.session.handle = None  # type: ignore[assignment,method-assign]

    async def broken() -> None:
        async for _ in chain.astream("take a nap"):
            pass

    with pytest.raises(TypeError):
        asyncio.run(broken())


def test_abatch_runs_requests_concurrently_in_order() -> None:
    chain, naps = napping_chain()
    requests = ["nap one", "nap two", "nap three"]
    results = asyncio.run(chain.abatch(requests))
    assert [r.answer for r in results] == [f"rested: {r}" for r in requests]
    assert all(r.exit_code == 0 for r in results)
    assert naps.most >= 2  # the naps overlapped


def test_abatch_honours_max_concurrency() -> None:
    chain, naps = napping_chain()
    results = asyncio.run(chain.abatch(["a", "b", "c"], config={"max_concurrency": 1}))
    assert [r.exit_code for r in results] == [0, 0, 0]
    assert naps.most == 1
