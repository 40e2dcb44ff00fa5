"""A circuit breaker per provider profile, kept in the state dir so that every ``llmos``
process (and ``llmos doctor``) sees it: a dead endpoint costs a timeout a few times, not on
every request.

closed     calls go through; ``failures`` failed calls in a row open it
open       calls are refused at once, for ``cooldown_s``
half-open  the cool-down is over: the next call is a trial; success closes the breaker,
           failure opens it for another cool-down
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

BREAKERS_FILE = "breakers.json"


@dataclass
class BreakerState:
    failures: int = 0
    opened_at: float | None = None
    last_error: str = ""


def breakers_path() -> Path:
    from llmchain_os.paths import state_dir

    return state_dir() / BREAKERS_FILE


def _load_all(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


class CircuitBreaker:
    """The breaker of one profile; each read and change goes through the file."""

    def __init__(
        self,
        name: str,
        failures: int = 3,
        cooldown_s: float = 60.0,
        path: Path | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.name = name
        self.failures = failures
        self.cooldown_s = cooldown_s
        self.path = path or breakers_path()
        self.clock = clock

    def read(self) -> BreakerState:
        raw = _load_all(self.path).get(self.name)
        try:
            return BreakerState(**raw) if isinstance(raw, dict) else BreakerState()
        except TypeError:  # a file from another version: start closed
            return BreakerState()

    def _write(self, state: BreakerState) -> None:
        from llmchain_os.paths import atomic_write

        data = _load_all(self.path)
        data[self.name] = asdict(state)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(self.path, json.dumps(data, indent=1), 0o600)
        except OSError:  # a read-only home: the breaker still works in this process
            pass

    def state(self) -> str:
        """closed, open or half-open."""
        opened = self.read().opened_at
        if opened is None:
            return "closed"
        return "open" if self.clock() - opened < self.cooldown_s else "half-open"

    def allow(self) -> bool:
        return self.state() != "open"

    def record_success(self) -> None:
        if self.read() != BreakerState():
            self._write(BreakerState())

    def record_failure(self, why: str) -> None:
        state = self.read()
        state.failures += 1
        state.last_error = why
        if state.opened_at is not None or state.failures >= self.failures:
            state.opened_at = self.clock()  # opens, or a failed trial opens it again
        self._write(state)

    def describe(self) -> str:
        """One line for doctor and /model."""
        state, now = self.read(), self.state()
        if now == "closed":
            failed = f" ({state.failures} failed call(s) in a row)" if state.failures else ""
            return f"breaker closed{failed}"
        left = self.cooldown_s - (self.clock() - (state.opened_at or 0.0))
        when = f"for {left:.0f} s more" if now == "open" else "the next call is a trial"
        return (
            f"breaker {now} ({when}) after {state.failures} failed call(s); "
            f"last: {state.last_error}"
        )
