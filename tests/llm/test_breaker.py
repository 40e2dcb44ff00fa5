"""The circuit breaker on its own, with a clock the test moves; its state is a file."""

from __future__ import annotations

from pathlib import Path

from llmchain_os.llm.breaker import CircuitBreaker


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def breaker(tmp_path: Path, clock: Clock, name: str = "work") -> CircuitBreaker:
    return CircuitBreaker(name, failures=3, cooldown_s=60, path=tmp_path / "b.json", clock=clock)


def test_it_opens_after_its_failures_in_a_row_and_not_before(tmp_path: Path) -> None:
    clock = Clock()
    b = breaker(tmp_path, clock)
    for _ in range(2):
        b.record_failure("HTTP 500")
    assert b.state() == "closed" and b.allow()
    b.record_failure("HTTP 500")
    assert b.state() == "open" and not b.allow()
    assert "open (for 60 s more) after 3 failed call(s); last: HTTP 500" in b.describe()


def test_a_success_resets_the_count(tmp_path: Path) -> None:
    clock = Clock()
    b = breaker(tmp_path, clock)
    b.record_failure("x")
    b.record_failure("x")
    b.record_success()
    b.record_failure("x")
    assert b.state() == "closed"


def test_it_half_opens_after_the_cooldown_and_a_trial_decides(tmp_path: Path) -> None:
    clock = Clock()
    b = breaker(tmp_path, clock)
    for _ in range(3):
        b.record_failure("timeout")
    clock.now += 59
    assert b.state() == "open"
    clock.now += 2
    assert b.state() == "half-open" and b.allow()
    b.record_failure("timeout")  # the trial failed: open for another cool-down
    assert b.state() == "open"
    clock.now += 61
    b.record_success()
    assert b.state() == "closed" and b.describe() == "breaker closed"


def test_the_state_is_shared_through_the_file_and_kept_per_profile(tmp_path: Path) -> None:
    clock = Clock()
    first = breaker(tmp_path, clock)
    for _ in range(3):
        first.record_failure("down")
    assert breaker(tmp_path, clock).state() == "open"  # another process, the same file
    assert breaker(tmp_path, clock, "spare").state() == "closed"


def test_a_damaged_file_reads_as_closed(tmp_path: Path) -> None:
    (tmp_path / "b.json").write_text("{not json")
    b = breaker(tmp_path, Clock())
    assert b.state() == "closed"
    b.record_failure("x")
    assert b.read().failures == 1
