"""One action on many hosts at once: bounded concurrency, a timeout per host, output
streamed as it arrives, one result per host, and identical outcomes grouped so that the
hosts that differ stand out ("18 hosts: active; web-03: inactive").

A host that is down, refuses us, times out or fails auth is one failed result: it never
stops or hides the others. Hosts' output is data to show, never instructions.
"""

from __future__ import annotations

import queue
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from pydantic import BaseModel, ConfigDict

from llmchain_os.remote.errors import RemoteError
from llmchain_os.remote.inventory import Host
from llmchain_os.remote.ssh import COMMAND_TIMEOUT_S, OnChunk, SSHPool
from llmchain_os.tools.base import Table, ToolOutput

CONCURRENCY = 32
SHOWN_NAMES = 4  # a group of more hosts is shown as a count
SHOWN_CHARS = 80
# Terminal control characters from a host are shown as U+FFFD: its output cannot move the
# cursor, retitle the window or hide lines on the person's terminal.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
HostChunk = tuple[str, str, str]  # (host name, "stdout" | "stderr", text)
Work = Callable[[Host, OnChunk], "HostResult"]


def printable(text: str) -> str:
    return CONTROL.sub("\ufffd", text)


class HostResult(BaseModel):
    """What one host did: exit status, time taken, output tails, or why it could not."""

    model_config = ConfigDict(frozen=True)

    host: str
    target: str
    exit_status: int | None = None
    duration_s: float = 0.0
    stdout: str = ""
    stderr: str = ""
    error: str = ""
    timed_out: bool = False

    @property
    def failed(self) -> bool:
        return bool(self.error) or self.exit_status != 0

    def outcome(self) -> str:
        """The text hosts are grouped by: their output, or their exit status, or the error."""
        if self.error:
            return f"failed: {printable(self.error)}"
        text = printable(self.stdout.strip() or self.stderr.strip()) or "(no output)"
        return text if self.exit_status == 0 else f"exit {self.exit_status}: {text}"

    def brief(self) -> str:
        """The outcome on one line: an error whole (it says what to do), output cut short."""
        return self.outcome() if self.error else _short(self.outcome())


def _short(text: str) -> str:
    lines = text.splitlines() or [""]
    first = lines[0] if len(lines[0]) <= SHOWN_CHARS else lines[0][: SHOWN_CHARS - 3] + "..."
    return first + (f" (+{len(lines) - 1} lines)" if len(lines) > 1 else "")


def _who(names: list[str], total: int) -> str:
    if len(names) == 1:
        return names[0]
    if len(names) <= SHOWN_NAMES and len(names) < total:
        return ", ".join(names)
    return f"{len(names)} hosts"


class FanoutResult(ToolOutput):
    """Every selected host's result, in selection order."""

    action: str  # "`systemctl is-active nginx`", "copy backup.sh to /tmp/"
    results: list[HostResult]

    def groups(self) -> list[tuple[list[str], str]]:
        """(host names, outcome in brief) for each distinct outcome, the commonest first."""
        found: dict[str, tuple[list[str], str]] = {}
        for result in self.results:
            found.setdefault(result.outcome(), ([], result.brief()))[0].append(result.host)
        return sorted(found.values(), key=lambda group: -len(group[0]))

    def summary(self) -> str:
        total = len(self.results)
        failed = sum(r.failed for r in self.results)
        head = f"{self.action} on {total} host{'s' if total != 1 else ''}"
        head += f": {failed} failed" if failed else ": all succeeded"
        parts = [f"{_who(names, total)}: {text}" for names, text in self.groups()]
        return f"{head}. " + "; ".join(parts)

    def table(self) -> Table:
        rows = [
            [
                r.host,
                "-" if r.exit_status is None else str(r.exit_status),
                f"{r.duration_s:.2f} s",
                r.brief(),
            ]
            for r in self.results
        ]
        return Table(self.action, ["host", "exit", "time", "output"], rows)

    def failure(self) -> str | None:
        bad = [r for r in self.results if r.failed]
        if not bad:
            return None
        named = ", ".join(r.host for r in bad[:SHOWN_NAMES]) + (", ..." if len(bad) > 4 else "")
        return f"{len(bad)} of {len(self.results)} hosts failed ({named})"

    def subject(self) -> dict[str, Any]:
        """A follow-up may act on the hosts where this step succeeded ("and run it")."""
        ok = [r.host for r in self.results if not r.failed]
        return {"hosts": ",".join(ok)} if ok else {}


def _guarded(work: Work, host: Host, on_chunk: Callable[[HostChunk], None] | None) -> HostResult:
    start = time.monotonic()

    def chunk(stream: str, text: str) -> None:
        if on_chunk is not None:
            on_chunk((host.name, stream, text))

    try:
        return work(host, chunk)
    except RemoteError as exc:
        error = str(exc)
    except Exception as exc:  # a fault on one host is that host's result, not the run's
        error = f"{type(exc).__name__}: {exc}"
    return HostResult(
        host=host.name, target=host.target, error=error, duration_s=time.monotonic() - start
    )


def fan_out(
    hosts: Sequence[Host],
    work: Work,
    concurrency: int = CONCURRENCY,
    on_chunk: Callable[[HostChunk], None] | None = None,
) -> list[HostResult]:
    """``work`` on every host, at most ``concurrency`` at a time; results in host order."""
    workers = max(1, min(concurrency, len(hosts)))
    with ThreadPoolExecutor(workers, thread_name_prefix="llmos-ssh") as pool:
        futures = [pool.submit(_guarded, work, host, on_chunk) for host in hosts]
        return [future.result() for future in futures]


def stream_fan_out(
    hosts: Sequence[Host], work: Work, concurrency: int = CONCURRENCY
) -> Iterator[HostChunk | list[HostResult]]:
    """As fan_out, yielding each (host, stream, text) chunk as it arrives, then the results."""
    chunks: queue.Queue[HostChunk | list[HostResult] | BaseException] = queue.Queue()

    def run() -> None:
        try:
            chunks.put(fan_out(hosts, work, concurrency, chunks.put))
        except BaseException as exc:  # handed to the reader, never lost in the thread
            chunks.put(exc)

    threading.Thread(target=run, name="llmos-fanout", daemon=True).start()
    while True:
        item = chunks.get()
        if isinstance(item, BaseException):
            raise item
        yield item
        if isinstance(item, list):
            return


def command_work(pool: SSHPool, command: str, timeout_s: float = COMMAND_TIMEOUT_S) -> Work:
    """Run ``command`` on a host through ``pool``, as fan-out work."""

    def work(host: Host, on_chunk: OnChunk) -> HostResult:
        done = pool.run(host, command, timeout_s, on_chunk)
        return HostResult(
            host=host.name,
            target=host.target,
            exit_status=done.exit_status,
            duration_s=done.duration_s,
            stdout=done.stdout,
            stderr=done.stderr,
            error=done.error,
            timed_out=done.timed_out,
        )

    return work


def run_on(
    pool: SSHPool,
    hosts: Sequence[Host],
    command: str,
    timeout_s: float = COMMAND_TIMEOUT_S,
    concurrency: int = CONCURRENCY,
    on_chunk: Callable[[HostChunk], None] | None = None,
) -> FanoutResult:
    """Run one command on every host; each host's result, grouped by outcome."""
    results = fan_out(hosts, command_work(pool, command, timeout_s), concurrency, on_chunk)
    return FanoutResult(action=f"`{command}`", results=results)


class LineJoiner:
    """Chunks to whole lines prefixed with their host ("web-01: active"), so that lines of
    hosts that answer at once do not mix; ``flush`` gives what is left without a newline."""

    def __init__(self) -> None:
        self._partial: dict[tuple[str, str], str] = {}

    def feed(self, chunk: HostChunk) -> str:
        host, stream, text = chunk
        key = (host, stream)
        lines = (self._partial.pop(key, "") + printable(text)).split("\n")
        if lines[-1]:
            self._partial[key] = lines[-1]
        return "".join(f"{host}: {line}\n" for line in lines[:-1])

    def flush(self) -> str:
        rest = "".join(f"{host}: {text}\n" for (host, _), text in self._partial.items())
        self._partial.clear()
        return rest
