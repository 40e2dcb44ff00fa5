"""llmchain-os as a LangChain Runnable, for scripts and other chains.

from llmchain_os import Chain
result = Chain().invoke("how full is my disk")
print(result.answer, result.exit_code)
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Generator
from typing import Any

from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.runnables.config import run_in_executor

from llmchain_os.agent.events import Event
from llmchain_os.agent.plan import Step
from llmchain_os.api import Approver, ChainResult, Decision, Policy, Session, decline_all
from llmchain_os.config import Settings

ChainInput = str | dict[str, Any]
ApproveOption = bool | Callable[[Step, Decision], bool]


class Chain(Runnable[ChainInput, Any]):
    """llmchain-os as a LangChain Runnable: ``invoke`` gives a ChainResult, ``stream`` Events.

    ``ainvoke`` and ``astream`` run the same path in a worker thread, so the event loop is
    never blocked (``astream`` hands each Event over as it happens); ``abatch`` (Runnable's,
    over ``ainvoke``) runs requests concurrently, ``max_concurrency`` in the config bounds it.
    Calls share the session: its model loads once.

    ``approve``: False (default) declines every step the policy would ask about; True approves
    ``write`` and ``remote`` steps like ``--yes``; a callable is asked for each such step.
    ``dry_run``: plan and check, run nothing. ``yes_destructive``: also approve destructive.
    """

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        approve: ApproveOption = False,
        dry_run: bool = False,
        yes_destructive: bool = False,
        session: Session | None = None,
    ) -> None:
        self.session = session or Session(settings)
        self.dry_run = dry_run
        auto = approve is True
        self.policy = Policy(auto_write=auto, auto_destructive=yes_destructive)
        self.approve: Approver = approve if callable(approve) else decline_all

    @staticmethod
    def _text(value: ChainInput) -> str:
        """The request text; anything that is not text becomes "" (refused in one line)."""
        if isinstance(value, dict):
            value = value.get("request") or value.get("input") or ""
        return value if isinstance(value, str) else ""

    def stream(
        self, input: ChainInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Generator[Event, None, None]:
        yield from self.session.handle(self._text(input), self.approve, self.dry_run, self.policy)

    def invoke(
        self, input: ChainInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> ChainResult:
        events = list(self.stream(input, config))
        return ChainResult.from_events(self._text(input), events)

    async def ainvoke(
        self, input: ChainInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> ChainResult:
        return await run_in_executor(config, self.invoke, input, config)

    async def astream(
        self, input: ChainInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Event]:
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Event | _End] = asyncio.Queue()
        stop = threading.Event()  # set when the consumer leaves early: the thread stops too
        pump = run_in_executor(config, self._pump, input, config, loop, queue, stop)
        worker = asyncio.ensure_future(pump)  # the thread starts now, not when awaited
        try:
            while not isinstance(item := await queue.get(), _End):
                yield item
            if item.error is not None:
                raise item.error
            await worker
        finally:
            stop.set()

    def _pump(
        self,
        input: ChainInput,
        config: RunnableConfig | None,
        loop: asyncio.AbstractEventLoop,
        queue: asyncio.Queue[Event | _End],
        stop: threading.Event,
    ) -> None:
        """In the worker thread: each Event to the loop's queue, then the end (or the error)."""
        events = self.stream(input, config)
        end = _End()
        try:
            for ev in events:
                if stop.is_set() or not _put(loop, queue, ev):
                    break
        except Exception as exc:  # raised again in the consumer's task
            end = _End(exc)
        finally:
            events.close()  # a step still running is stopped by its own finally
        if not stop.is_set():
            _put(loop, queue, end)


class _End:
    """The end of an astream: ``error`` is what the sync stream raised, if anything."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error


def _put(loop: asyncio.AbstractEventLoop, queue: asyncio.Queue[Event | _End], item: Any) -> bool:
    """Hand ``item`` to the loop's queue; False once the loop has closed (nobody listens)."""
    try:
        loop.call_soon_threadsafe(queue.put_nowait, item)
    except RuntimeError:
        return False
    return True
