"""llmchain-os as a LangChain Runnable, for scripts and other chains.

from llmchain_os import Chain
result = Chain().invoke("how full is my disk")
print(result.answer, result.exit_code)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from langchain_core.runnables import Runnable, RunnableConfig

from llmchain_os.agent.events import Event
from llmchain_os.agent.plan import Step
from llmchain_os.api import Approver, ChainResult, Decision, Policy, Session, decline_all
from llmchain_os.config import Settings

ChainInput = str | dict[str, Any]
ApproveOption = bool | Callable[[Step, Decision], bool]


class Chain(Runnable[ChainInput, Any]):
    """llmchain-os as a LangChain Runnable: ``invoke`` gives a ChainResult, ``stream`` Events.

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
    ) -> Iterator[Event]:
        yield from self.session.handle(self._text(input), self.approve, self.dry_run, self.policy)

    def invoke(
        self, input: ChainInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> ChainResult:
        events = list(self.stream(input, config))
        return ChainResult.from_events(self._text(input), events)
