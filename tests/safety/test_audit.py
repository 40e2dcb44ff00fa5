"""The audit log: append-only JSONL, fsync'd per entry, readable after a SIGKILL.

What a step did is read off the disk (files the tools write, the log file itself), never off
the executor's own report.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from llmchain_os.agent.executor import Executor
from llmchain_os.agent.plan import Plan, Step, StepStatus
from llmchain_os.agent.policy import Decision, Policy
from llmchain_os.cli import main
from llmchain_os.exitcodes import ExitCode
from llmchain_os.safety.audit import (
    BLOCK,
    GENESIS,
    AuditEntry,
    AuditError,
    AuditFilter,
    AuditLog,
    audit_report,
    line_hash,
    new_entry,
    output_sha256,
    parse_since,
)
from llmchain_os.safety.risk import Risk
from llmchain_os.tools import shell
from llmchain_os.tools.base import ToolOutput, tool
from llmchain_os.tools.registry import ToolRegistry

ROOT = Path(__file__).resolve().parents[2]


class Note(ToolOutput):
    text: str

    def summary(self) -> str:
        return f"noted {self.text}"


def registry(notes: Path) -> ToolRegistry:
    """run_shell as it ships, plus a write tool that appends to ``notes``."""

    @tool(risk=Risk.WRITE)
    def append_note(text: str) -> Note:
        """Append a line to the notes file."""
        with notes.open("a") as fh:
            fh.write(text + "\n")
        return Note(text=text)

    @tool(risk=Risk.READ)
    def read_notes() -> Note:
        """Read the notes file."""
        return Note(text=notes.read_text() if notes.exists() else "")

    return ToolRegistry([*shell.TOOLS, append_note, read_notes])


def yes(step: Step, decision: Decision) -> bool:
    return True


def no(step: Step, decision: Decision) -> bool:
    return False


def entry(**fields: object) -> AuditEntry:
    base: dict[str, object] = {"tool": "read_notes", "args": {}, "risk": "read", "status": "done"}
    return new_entry(step_id="s1", **{**base, **fields})


def run(executor: Executor, *steps: Step) -> None:
    for _ in executor.execute(Plan(steps=list(steps))):
        pass


# -- the file ------------------------------------------------------------------------------
def test_entries_are_appended_as_json_lines_in_a_private_file(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "state" / "audit.jsonl")

    log.append(entry(request="first"))
    log.append(entry(request="second"))

    lines = log.path.read_text().splitlines()
    assert [json.loads(line)["request"] for line in lines] == ["first", "second"]
    assert stat.S_IMODE(log.path.stat().st_mode) == 0o600
    first = json.loads(lines[0])
    assert first["user"] and first["host"] and first["pid"] == os.getpid()
    assert datetime.fromisoformat(first["ts"]).tzinfo is not None


def test_secrets_are_redacted_before_they_reach_the_file(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    command = "curl -H 'Authorization: Bearer abcdefghijklmnop1234' https://x"

    log.append(
        entry(
            request="my password is hunter2",
            tool="run_shell",
            args={"command": command, "api_key": "plain"},
        )
    )

    text = log.path.read_text()
    for secret in ("hunter2", "abcdefghijklmnop1234", "plain"):
        assert secret not in text
    assert "[REDACTED]" in text


def test_a_torn_last_line_is_skipped_counted_and_does_not_spoil_the_next_entry(
    tmp_path: Path,
) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    log.append(entry(request="whole"))
    with log.path.open("ab") as fh:  # what a SIGKILL in the middle of a write leaves
        fh.write(b'{"ts":"2026-01-01T00:00:00+00:00","user":"x","req')

    assert [e.request for e in log.read().entries] == ["whole"]
    assert log.read().unreadable == 1

    log.append(entry(request="after"))

    found = log.read()
    assert [e.request for e in found.entries] == ["whole", "after"]
    assert found.unreadable == 1


def test_a_missing_log_reads_as_empty(tmp_path: Path) -> None:
    found = AuditLog(tmp_path / "nope.jsonl").read()
    assert found.entries == [] and found.unreadable == 0


def test_an_unwritable_log_raises_audit_error_saying_where(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the log's folder should be")
    log = AuditLog(blocker / "audit.jsonl")

    with pytest.raises(AuditError, match=r"cannot write the audit log at .*not-a-dir"):
        log.append(entry())


# -- the executor writes it ----------------------------------------------------------------
def test_a_write_step_logs_started_then_done_with_who_approved(tmp_path: Path) -> None:
    notes, log = tmp_path / "notes.txt", AuditLog(tmp_path / "audit.jsonl")
    executor = Executor(registry(notes), Policy(), yes, audit=log, request="note hello")

    run(executor, Step(tool="append_note", args={"text": "hello"}))

    assert notes.read_text() == "hello\n"
    started, done = log.read().entries
    assert (started.status, done.status) == ("started", "done")
    assert started.step_id == done.step_id
    assert started.approved_by == done.approved_by == "user"
    assert done.request == "note hello"
    assert done.args == {"text": "hello"} and done.risk == "write"
    assert done.output_sha256 == output_sha256({"text": "hello"})
    assert done.duration_s > 0


def test_an_approver_that_names_itself_is_logged_by_that_name(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")

    def cron_job(step: Step, decision: Decision) -> bool:
        return True

    cron_job.audit_name = "job 1a2b3c4d"  # type: ignore[attr-defined]
    executor = Executor(registry(tmp_path / "n"), Policy(), cron_job, audit=log)

    run(executor, Step(tool="append_note", args={"text": "x"}))

    assert {e.approved_by for e in log.read().entries} == {"job 1a2b3c4d"}


def test_a_read_step_logs_one_entry_after_it_ran(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    executor = Executor(registry(tmp_path / "n"), Policy(), no, audit=log)

    run(executor, Step(tool="read_notes"))

    (only,) = log.read().entries
    assert (only.status, only.approved_by, only.risk) == ("done", "policy: read", "read")


def test_run_shell_logs_the_exact_command_and_its_exit_code(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    executor = Executor(registry(tmp_path / "n"), Policy(auto_write=True), no, audit=log)
    command = f"touch {tmp_path}/made && exit 3"

    run(executor, Step(tool="run_shell", args={"command": command}))

    assert (tmp_path / "made").exists()
    started, finished = log.read().entries
    assert started.command() == finished.command() == command
    assert (finished.status, finished.exit_code, finished.approved_by) == ("failed", 3, "--yes")
    assert "exited with 3" in (finished.error or "")


def test_declined_denied_and_skipped_steps_are_logged_and_nothing_ran(tmp_path: Path) -> None:
    notes, log = tmp_path / "notes.txt", AuditLog(tmp_path / "audit.jsonl")
    executor = Executor(registry(notes), Policy(), no, audit=log)

    run(executor, Step(tool="append_note", args={"text": "x"}), Step(tool="read_notes"))
    again = Executor(registry(notes), Policy(auto_destructive=True), yes, audit=log)
    run(again, Step(tool="run_shell", args={"command": "rm -rf /"}))

    assert not notes.exists()
    got = [(e.tool, e.status, e.approved_by) for e in log.read().entries]
    assert got == [
        ("append_note", "declined", "declined"),
        ("read_notes", "skipped", None),
        ("run_shell", "declined", "denied"),
    ]


def test_yes_destructive_is_named_as_the_approver(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    # A folder of its own: tmp_path holds the XDG folders, so it is confined like a home,
    # where only a named file itself is writable and a delete of it fails.
    (tmp_path / "work").mkdir()
    victim = tmp_path / "work" / "victim"
    victim.write_text("x")
    policy = Policy(auto_write=True, auto_destructive=True)
    executor = Executor(registry(tmp_path / "n"), policy, no, audit=log)

    run(executor, Step(tool="run_shell", args={"command": f"rm {victim}"}))

    assert not victim.exists()
    assert {e.approved_by for e in log.read().entries} == {"--yes-destructive"}


def test_a_dry_run_logs_nothing(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    executor = Executor(registry(tmp_path / "n"), Policy(), yes, dry_run=True, audit=log)

    run(executor, Step(tool="append_note", args={"text": "x"}), Step(tool="read_notes"))

    assert not log.path.exists()


def test_a_write_step_is_refused_when_the_log_cannot_be_written(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    executor = Executor(registry(notes), Policy(), yes, audit=AuditLog(blocker / "audit.jsonl"))

    run(executor, Step(tool="append_note", args={"text": "x"}))

    assert not notes.exists()
    record = executor.records[0]
    assert record.status is StepStatus.FAILED
    assert record.error is not None and "cannot write the audit log" in record.error


def test_a_read_step_still_runs_when_the_log_cannot_be_written(tmp_path: Path) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    executor = Executor(registry(tmp_path / "n"), Policy(), no, audit=AuditLog(blocker / "a"))

    run(executor, Step(tool="read_notes"))

    assert executor.records[0].status is StepStatus.DONE


# -- SIGKILL in the middle of a run --------------------------------------------------------
CHILD = """
import sys
from pathlib import Path
from llmchain_os.agent.executor import Executor
from llmchain_os.agent.plan import Step
from llmchain_os.agent.policy import Policy
from llmchain_os.safety.audit import AuditLog
from llmchain_os.tools import shell
from llmchain_os.tools.registry import ToolRegistry

log, work = AuditLog(Path(sys.argv[1])), Path(sys.argv[2])
executor = Executor(ToolRegistry(shell.TOOLS), Policy(auto_write=True), audit=log, request="loop")
for i in range(100000):
    for _ in executor.run_step(Step(tool="run_shell", args={"command": f"touch {work}/f{i}"})):
        pass
    print(f"finished {i} {executor.records[-1].status.value}", flush=True)
"""


def test_sigkill_mid_run_leaves_every_completed_step_logged_in_order(tmp_path: Path) -> None:
    path, work = tmp_path / "audit.jsonl", tmp_path / "work"
    work.mkdir()
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), str(work)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    try:
        finished = [child.stdout.readline() for _ in range(8)]
    finally:
        child.send_signal(signal.SIGKILL)
        finished += child.stdout.readlines()  # what it printed before it died
        child.wait(timeout=10)
    assert child.returncode == -signal.SIGKILL

    completed = [int(line.split()[1]) for line in finished if line.endswith(" done\n")]
    assert len(completed) >= 8
    found = AuditLog(path).read()
    assert found.unreadable <= 1
    keys = [(e.step_id, e.status) for e in found.entries]
    assert len(keys) == len(set(keys)), "an entry was written twice"
    steps = [int(e.args["command"].rsplit("/f", 1)[1]) for e in found.entries]
    assert steps == sorted(steps), "entries are out of order"
    done = {int(e.args["command"].rsplit("/f", 1)[1]) for e in found.entries if e.status == "done"}
    assert set(completed) <= done
    for i in completed:
        assert (work / f"f{i}").exists()
    for e in found.entries:  # each finished entry follows its own started entry
        if e.status == "done":
            assert (e.step_id, "started") in keys[: keys.index((e.step_id, "done"))]


# -- reading it back: filters and `llmos audit` --------------------------------------------
def test_since_reads_durations_and_iso_times() -> None:
    now = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)
    assert parse_since("1h", now) == now - timedelta(hours=1)
    assert parse_since("2d", now) == now - timedelta(days=2)
    assert parse_since("30m", now) == now - timedelta(minutes=30)
    assert parse_since("2026-01-30T08:00") == datetime(2026, 1, 30, 8, 0, tzinfo=UTC)
    with pytest.raises(AuditError, match="30m, 1h, 2d"):
        parse_since("yesterday-ish")


def test_filters_narrow_by_risk_status_text_time_and_count() -> None:
    old = entry(ts="2020-01-01T00:00:00+00:00", request="old one")
    read = entry(request="how full is the disk")
    failed = entry(tool="run_shell", args={"command": "false"}, risk="write", status="failed")
    entries = [old, read, failed]

    assert AuditFilter(risk="write").apply(entries) == [failed]
    assert AuditFilter(status="done").apply(entries) == [old, read]
    assert AuditFilter(grep="DISK").apply(entries) == [read]
    assert AuditFilter(since=parse_since("1d")).apply(entries) == [read, failed]
    assert AuditFilter(last=1).apply(entries) == [failed]


def test_llmos_audit_without_a_log_says_so_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit"]) == 0
    assert capsys.readouterr().out == "no audit entries yet\n"


def test_llmos_audit_shows_a_table_and_json_lines_from_the_default_log(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    notes = tmp_path / "notes.txt"
    executor = Executor(registry(notes), Policy(), yes, audit=AuditLog(), request="note it")
    run(executor, Step(tool="append_note", args={"text": "hi"}))
    run(executor, Step(tool="run_shell", args={"command": "echo visible"}))

    assert main(["audit", "--status", "done"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["time", "risk", "status", "approved_by", "command", "request"]
    assert "append_note(text='hi')" in out[1] and "user" in out[1] and "note it" in out[1]
    assert "echo visible" in out[2] and "done (0)" in out[2]
    assert len(out) == 3

    assert main(["audit", "--json", "--grep", "visible"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["args"]["command"] for r in rows] == ["echo visible"]


def test_llmos_audit_reports_a_torn_line_and_still_lists_the_rest(tmp_path: Path) -> None:
    log = AuditLog()
    log.append(entry(request="kept"))
    with log.path.open("ab") as fh:
        fh.write(b'{"ts": "cut sh')
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    done = subprocess.run(
        [sys.executable, "-m", "llmchain_os", "audit"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert "kept" in done.stdout
    assert "1 unreadable line" in done.stderr


def test_report_with_nothing_matching_says_so(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.jsonl")
    log.append(entry())
    assert audit_report(risk="destructive", log=log) == (["no audit entries match"], None)


def test_session_requests_go_to_the_log_in_the_state_dir(private_home: Path) -> None:
    from llmchain_os.api import Session
    from llmchain_os.config import Settings

    session = Session(Settings())
    events = list(session.run_command("echo from-the-shell"))

    assert events[-1].data["status"] == "done"
    path = private_home / "xdg_state_home" / "llmchain-os" / "audit.jsonl"
    (only,) = AuditLog(path).read().entries
    assert only.request == "!echo from-the-shell"
    assert only.command() == "echo from-the-shell"


# -- end to end: `llmos run` with the real embedded model writes the log ------------------
def llmos(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LLMOS_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "llmchain_os", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.mark.model
def test_llmos_run_yes_logs_the_request_command_and_approver(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    request = f"run `touch {marker}`"

    dry = llmos("run", request, "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    assert not AuditLog().path.exists()  # a dry run logs nothing

    done = llmos("run", request, "--yes", "--json")
    assert done.returncode == 0, done.stderr
    assert marker.exists()

    shown = llmos("audit", "--json")
    rows = [json.loads(line) for line in shown.stdout.splitlines()]
    assert [(r["status"], r["approved_by"]) for r in rows] == [
        ("started", "--yes"),
        ("done", "--yes"),
    ]
    assert {r["request"] for r in rows} == {request}
    assert {r["args"]["command"] for r in rows} == {f"touch {marker}"}
    assert rows[1]["exit_code"] == 0 and len(rows[1]["output_sha256"]) == 64


def test_slash_audit_shows_the_last_20_entries(tmp_path: Path) -> None:
    import io

    from prompt_toolkit.history import InMemoryHistory
    from rich.console import Console

    from llmchain_os.api import Session
    from llmchain_os.config import Settings
    from llmchain_os.repl.commands import run_slash

    session = Session(Settings())
    for i in range(25):
        session.audit_log().append(entry(request=f"request number {i}"))
    screen = io.StringIO()

    run_slash("/audit", session, Console(file=screen, width=200), InMemoryHistory())

    text = screen.getvalue()
    assert "request number 24" in text and "request number 5" in text
    assert "request number 4\n" not in text and "request number 4 " not in text
    assert len(text.strip().splitlines()) == 21  # the header and 20 entries


# -- the hash chain: `llmos audit verify` ------------------------------------------------------
def chained_log(path: Path, n: int = 5) -> AuditLog:
    """A log of n real appends whose exit codes are 0, 1, 2 ..., so each line is unique."""
    log = AuditLog(path)
    for i in range(n):
        log.append(entry(tool="run_shell", args={"command": f"echo {i}"}, exit_code=i))
    return log


def lines_of(log: AuditLog) -> list[bytes]:
    return log.path.read_bytes().splitlines()


def rewrite(log: AuditLog, lines: list[bytes]) -> None:
    log.path.write_bytes(b"".join(line + b"\n" for line in lines))


def first_problem(log: AuditLog) -> tuple[int | None, str]:
    found = log.verify()
    assert not found.ok
    return found.problems[0].line, found.problems[0].why


def test_each_entry_carries_the_hash_of_the_line_before_and_the_chain_verifies(
    tmp_path: Path,
) -> None:
    log = chained_log(tmp_path / "audit.jsonl")

    raw = lines_of(log)
    rows = [json.loads(line) for line in raw]
    assert [r["seq"] for r in rows] == [1, 2, 3, 4, 5]
    assert rows[0]["prev"] == GENESIS
    for before, row in zip(raw, rows[1:], strict=False):
        assert row["prev"] == hashlib.sha256(before).hexdigest()
    head = json.loads((tmp_path / "audit.head").read_text())
    assert head == {"seq": 5, "sha256": line_hash(raw[-1])}
    assert stat.S_IMODE((tmp_path / "audit.head").stat().st_mode) == 0o600
    found = log.verify()
    assert found.ok and found.entries == 5 and found.unchained == 0
    assert found.summary().startswith(f"ok: 5 entries chained, head {line_hash(raw[-1])}")


def test_an_entry_longer_than_the_block_read_from_the_end_is_chained_whole(
    tmp_path: Path,
) -> None:
    log = AuditLog(tmp_path / "audit.jsonl")
    log.append(entry(args={"text": "x" * 3 * BLOCK}))
    log.append(entry(args={"text": "y" * 3 * BLOCK}))
    log.append(entry())

    assert log.verify().ok
    assert json.loads(lines_of(log)[2])["prev"] == line_hash(lines_of(log)[1])


@pytest.mark.parametrize(
    ("old", "new"), [(b'"exit_code":2', b'"exit_code":0'), (b'"tool":"run_shell"', b'"tool":"ls"')]
)
def test_a_changed_line_is_found_at_that_line(tmp_path: Path, old: bytes, new: bytes) -> None:
    log = chained_log(tmp_path / "audit.jsonl")
    lines = lines_of(log)
    lines[2] = lines[2].replace(old, new)
    rewrite(log, lines)

    assert first_problem(log) == (3, "line 3 was changed (line 4's prev does not match it)")


def test_a_changed_last_line_is_found_through_the_head(tmp_path: Path) -> None:
    log = chained_log(tmp_path / "audit.jsonl")
    lines = lines_of(log)
    lines[4] = lines[4].replace(b'"exit_code":4', b'"exit_code":0')
    rewrite(log, lines)

    assert first_problem(log) == (5, "line 5 was changed (it does not match audit.head)")


def test_a_deleted_middle_line_is_found_where_it_was(tmp_path: Path) -> None:
    log = chained_log(tmp_path / "audit.jsonl")
    lines = lines_of(log)
    del lines[2]
    rewrite(log, lines)

    found = log.verify()
    assert [(p.line, p.why) for p in found.problems] == [(3, "an entry is missing before line 3")]


def test_lines_cut_from_the_end_are_found_through_the_head(tmp_path: Path) -> None:
    log = chained_log(tmp_path / "audit.jsonl")
    rewrite(log, lines_of(log)[:3])

    line, why = first_problem(log)
    assert line is None
    assert why == "the file was truncated: it ends at entry 3, audit.head at 5"

    log.append(entry(request="after the cut"))  # the cut is not healed by later entries
    assert first_problem(log) == (4, "2 entries are missing before line 4")


def test_an_emptied_log_or_a_removed_head_is_found(tmp_path: Path) -> None:
    log = chained_log(tmp_path / "audit.jsonl")
    log.path.write_bytes(b"")
    assert "truncated: it ends at entry 0" in first_problem(log)[1]

    log = chained_log(tmp_path / "other.jsonl")
    rewrite(log, lines_of(log)[:3])
    log.head_path.unlink()
    assert first_problem(log) == (
        None,
        "other.head is missing: a cut end of the log would not show",
    )

    log.path.unlink()
    assert log.verify().ok  # no log and no head: nothing was ever written, as far as we can tell


def test_a_forged_line_appended_by_hand_is_found(tmp_path: Path) -> None:
    log = chained_log(tmp_path / "audit.jsonl")
    real = lines_of(log)
    forged = json.loads(real[-1])
    forged.update(seq=6, prev="f" * 64, request="nothing to see")
    with log.path.open("ab") as fh:
        fh.write(json.dumps(forged).encode() + b"\n")

    assert first_problem(log) == (6, "line 6 was added by hand (its prev does not match)")

    rewrite(log, real)  # a line without any link, as an older writer or a person would add
    unlinked = {k: v for k, v in forged.items() if k not in ("seq", "prev")}
    with log.path.open("ab") as fh:
        fh.write(json.dumps(unlinked).encode() + b"\n")
    assert first_problem(log) == (6, "line 6 has no chain link (added by hand)")


def test_a_line_with_the_right_prev_added_without_the_head_is_found(tmp_path: Path) -> None:
    log = chained_log(tmp_path / "audit.jsonl")
    last = lines_of(log)[-1]
    forged = {**json.loads(last), "seq": 6, "prev": line_hash(last), "request": "later"}
    with log.path.open("ab") as fh:
        fh.write(json.dumps(forged).encode() + b"\n")

    line, why = first_problem(log)
    assert line == 6 and why.startswith("line 6 was added after the last append's audit.head")


def test_an_old_log_without_the_chain_is_reported_unchained_and_chained_after(
    tmp_path: Path,
) -> None:
    path = tmp_path / "audit.jsonl"
    old = [entry(request=f"old {i}").model_dump_json(exclude={"seq", "prev"}) for i in range(3)]
    path.write_text("".join(line + "\n" for line in old))
    log = AuditLog(path)

    found = log.verify()
    assert found.ok and (found.entries, found.unchained) == (0, 3)
    assert found.summary().startswith("ok: 3 unchained (written before the chain)")

    log.append(entry(request="new"))
    log.append(entry(request="newer"))

    found = log.verify()
    assert found.ok and (found.entries, found.unchained) == (2, 3)
    new = json.loads(lines_of(log)[3])
    assert (new["seq"], new["prev"]) == (1, line_hash(old[2].encode()))
    assert "2 entries chained, 3 unchained (written before the chain)" in found.summary()


def test_a_torn_line_shows_as_a_break_at_its_spot_and_the_chain_runs_on_over_it(
    tmp_path: Path,
) -> None:
    log = chained_log(tmp_path / "audit.jsonl", 2)
    with log.path.open("ab") as fh:  # what a SIGKILL in the middle of a write leaves
        fh.write(b'{"ts":"2026-01-01T00:00:00+00:00","user":"x","req')

    assert first_problem(log) == (3, "the log ends in a torn line: line 3, a write cut short")

    log.append(entry(request="after"))

    found = log.verify()
    assert [(p.line, p.why) for p in found.problems] == [
        (3, "line 3 is torn or no entry (a write cut short, or edited)")
    ]
    assert found.entries == 3  # seq goes on from the last whole entry
    torn, after = lines_of(log)[2:]
    assert json.loads(after)["prev"] == line_hash(torn)

    rewrite(log, [line for line in lines_of(log) if line != torn])  # removing it shows too
    assert first_problem(log) == (2, "line 2 was changed (line 3's prev does not match it)")


APPENDER = """
import sys
from llmchain_os.safety.audit import AuditLog, new_entry
log = AuditLog(__import__("pathlib").Path(sys.argv[1]))
for i in range(int(sys.argv[2])):
    log.append(new_entry(step_id=sys.argv[3], tool="t", args={"i": i}, risk="read", status="done"))
"""


def test_two_processes_appending_at_once_leave_a_chain_that_verifies(tmp_path: Path) -> None:
    path = tmp_path / "audit.jsonl"
    writers = [
        subprocess.Popen([sys.executable, "-c", APPENDER, str(path), "60", name], cwd=ROOT)
        for name in ("a", "b")
    ]
    assert [w.wait(timeout=120) for w in writers] == [0, 0]

    found = AuditLog(path).verify()
    assert found.ok, found.summary()
    assert found.entries == 120
    rows = [json.loads(line) for line in path.read_bytes().splitlines()]
    assert [r["seq"] for r in rows] == list(range(1, 121))
    for name in ("a", "b"):
        assert [r["args"]["i"] for r in rows if r["step_id"] == name] == list(range(60))


def test_llmos_audit_verify_exits_0_when_it_holds_and_non_zero_when_not(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["audit", "verify"]) == 0
    assert capsys.readouterr().out.startswith("ok: no audit entries yet")

    log = chained_log(AuditLog().path, 3)
    assert main(["audit", "verify"]) == 0
    assert capsys.readouterr().out.startswith("ok: 3 entries chained, head ")

    lines = lines_of(log)
    del lines[1]
    rewrite(log, lines)
    assert main(["audit", "verify"]) == ExitCode.UNVERIFIED
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("audit log NOT verified: an entry is missing before line 2")
    assert len(err.splitlines()) == 1


def test_slash_audit_verify_says_whether_the_chain_holds() -> None:
    import io

    from prompt_toolkit.history import InMemoryHistory
    from rich.console import Console

    from llmchain_os.api import Session
    from llmchain_os.config import Settings
    from llmchain_os.repl.commands import run_slash

    session = Session(Settings())
    chained_log(session.audit_log().path, 2)
    screen = io.StringIO()

    run_slash("/audit verify", session, Console(file=screen, width=300), InMemoryHistory())

    assert screen.getvalue().startswith("ok: 2 entries chained")
