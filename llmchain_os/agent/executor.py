"""The executor: every step through the policy, then the tool, streaming Events as it goes.

Risk is assessed again here from the validated arguments, whatever the planner said: the
planner proposes, the policy decides. A step that is declined, denied or fails stops the
plan; the steps after it are reported as skipped. Ctrl-C cancels the running step and sets
``cancelled``, so the rest of the request is skipped and callers can stop too.
With an ``audit`` log, every step that is not a dry run is logged, and a step that changes
things is refused if its ``started`` entry cannot be written (see safety/audit.py).
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict, replace
from typing import TYPE_CHECKING, Any

from llmchain_os.agent.events import Event, EventKind
from llmchain_os.agent.plan import Plan, Step, StepRecord, StepStatus
from llmchain_os.agent.policy import Decision, Policy, Verdict, explain
from llmchain_os.errors import ToolError
from llmchain_os.safety.audit import AuditError, AuditLog, new_entry, output_sha256
from llmchain_os.safety.risk import Risk
from llmchain_os.tools.base import Tool, ToolOutput
from llmchain_os.tools.registry import ToolRegistry

if TYPE_CHECKING:
    from pydantic import BaseModel

    from llmchain_os.safety.confine import Grant

# True/False, or what the person edited the step into (the shell's "e" on a script step):
# a step, or steps (an edited saved script is saved, then run), each judged and asked again.
Approver = Callable[[Step, Decision], bool | Step | list[Step]]


def decline_all(step: Step, decision: Decision) -> bool:
    """The approver when nobody can be asked: nothing beyond the policy's own allow runs."""
    return False


class Executor:
    """Runs plans; ``records`` holds what happened to each step, in order."""

    def __init__(
        self,
        registry: ToolRegistry,
        policy: Policy,
        approve: Approver = decline_all,
        dry_run: bool = False,
        audit: AuditLog | None = None,
        request: str = "",
        confine_user_commands: bool = False,
    ) -> None:
        self.registry = registry
        self.policy = policy
        self.approve = approve
        self.dry_run = dry_run
        self.audit = audit  # every step that is not a dry run goes here; see safety/audit.py
        self.request = request  # the user's words, for the audit log
        # `!cmd` is the user's own command: unconfined unless sandbox_user_commands is set
        self.confine_user_commands = confine_user_commands
        self._source = ""  # the plan's source: "user" for `!cmd`
        self._approved_by: str | None = None  # who let the current step run
        self._step_id = ""  # set by a ``started`` audit entry, so the finished one pairs up
        self.records: list[StepRecord] = []
        self.subjects: list[dict[str, Any]] = []
        self.cancelled = False

    def execute(self, plan: Plan) -> Iterator[Event]:
        self._source = plan.source
        plan = plan.model_copy(update={"steps": [self._with_undo(s) for s in plan.steps]})
        yield Event(
            kind=EventKind.PLAN,
            data={
                "plan": [s.public() for s in plan.steps],
                "source": plan.source,
                "score": plan.score,
            },
        )
        yield from self._run_steps(plan.steps)

    def _with_undo(self, step: Step) -> Step:
        """Whether /undo can take the step back is the tool's to say, whoever built the step."""
        if step.tool not in self.registry:
            return step
        return step.model_copy(update={"undo": self.registry.get(step.tool).undo})

    def _blocked(self) -> bool:
        """A step that did not run stops the plan; a dry run checks every step regardless."""
        if self.cancelled:
            return True
        if not self.records or self.dry_run:
            return False
        return self.records[-1].status is not StepStatus.DONE

    def run_step(self, step: Step) -> Iterator[Event]:
        """One step: resolve references, validate, ask the policy, run, report."""
        if self.dry_run and step.refs:
            keys = ", ".join(sorted(set(step.refs.values())))
            yield self._finish(
                step,
                step.risk,
                StepStatus.SKIPPED,
                f"dry run: would use the {keys} from the step before",
            )
            return
        try:
            step = self._resolve(step)
            tool = self.registry.get(step.tool)
            args = tool.parse_args(step.args)
        except ToolError as exc:
            yield self._finish(step, step.risk, StepStatus.FAILED, str(exc))
            return
        assessment = tool.assess(args)
        decision = explain(self.policy.check(step, assessment), tool, args)
        grant = self._grant(tool, args, decision)
        decision = _confinement_question(decision, grant)
        self._approved_by = approved_by(self.policy, decision, self.approve)
        if decision.verdict is Verdict.DENY:
            yield self._finish(step, decision.risk, StepStatus.DECLINED, decision.reason)
            return
        if self.dry_run:
            yield self._finish(
                step,
                decision.risk,
                StepStatus.SKIPPED,
                f"dry run: would {decision.verdict.value} ({decision.reason})"
                + (f": {decision.effect}" if decision.effect else ""),
            )
            return
        answer = self.approve(step, decision) if decision.verdict is Verdict.ASK else True
        if isinstance(answer, Step | list):  # the person edited it (a script)
            edited = [answer] if isinstance(answer, Step) else answer
            yield from self._run_steps([self._with_undo(s) for s in edited])
            return
        if not answer:
            self._approved_by = "declined"
            yield self._finish(
                step, decision.risk, StepStatus.DECLINED, f"not approved: {decision.reason}"
            )
            return
        refusal = self._audit_started(step, decision.risk)
        if refusal is not None:
            yield self._finish(step, decision.risk, StepStatus.FAILED, refusal)
            return
        if (changed := self._changed(tool, args, decision, grant)) is not None:
            yield self._finish(step, decision.risk, StepStatus.FAILED, changed)
            return
        yield Event(
            kind=EventKind.STEP_STARTED, step=len(self.records), text=step.tool, data=step.public()
        )
        yield from self._call(step, decision.risk, lambda: tool.stream(args, grant))

    def _run_steps(self, steps: list[Step]) -> Iterator[Event]:
        """Each step in turn; once one does not run, the rest are reported as skipped."""
        for step in steps:
            if self._blocked():
                reason = (
                    "the request was cancelled" if self.cancelled else "an earlier step did not run"
                )
                yield self._finish(step, step.risk, StepStatus.SKIPPED, reason)
                continue
            yield from self.run_step(step)

    # -- confinement (safety/confine.py says why it works this way) -------------------------
    def _grant(self, tool: Tool, args: BaseModel, decision: Decision) -> Grant | None:
        """What the step may touch if it runs; None for a tool that is not confined."""
        from llmchain_os.safety.confine import UNCONFINED, Grant, grant_for

        if tool.scope is None or decision.verdict is Verdict.DENY:
            return None
        if self._source == "user" and not self.confine_user_commands:
            return Grant(mode=UNCONFINED, why="your own command; sandbox_user_commands is off")
        return grant_for(tool.scope(args), decision.risk)

    def _changed(
        self, tool: Tool, args: BaseModel, decision: Decision, grant: Grant | None
    ) -> str | None:
        """Why the step must not run: its targets resolve elsewhere than when it was asked."""
        from llmchain_os.safety.confine import UNCONFINED, ConfinementError, check_unchanged

        if grant is None or tool.scope is None or grant.mode == UNCONFINED:
            return None
        try:
            check_unchanged(grant, tool.scope(args), decision.risk)
        except ConfinementError as exc:
            return str(exc)
        return None

    def _call(
        self, step: Step, risk: Risk, call: Callable[[], Iterator[str | ToolOutput]]
    ) -> Iterator[Event]:
        """Run the tool in this thread (so Ctrl-C lands in it); its chunks are shown live."""
        start = time.perf_counter()
        stream = call()
        output: ToolOutput | None = None
        try:
            for item in stream:
                if isinstance(item, ToolOutput):
                    output = item
                else:
                    yield self._chunk_event(item)
            if output is None:
                raise ToolError(f"{step.tool} ended without a result")
        except GeneratorExit:  # the caller stopped reading (a Ctrl-C while it drew a chunk)
            close = getattr(stream, "close", None)
            if close is not None:
                close()  # the tool's own finally stops what it started
            self.cancelled = True
            self._finish(step, risk, StepStatus.FAILED, "cancelled", start=start)  # recorded only
            raise
        except KeyboardInterrupt:
            self.cancelled = True
            yield self._finish(step, risk, StepStatus.FAILED, "cancelled (Ctrl-C)", start=start)
            return
        except ToolError as exc:
            yield self._finish(step, risk, StepStatus.FAILED, str(exc), start=start)
            return
        except Exception as exc:  # a tool bug must not take the shell down; say what it was
            yield self._finish(
                step, risk, StepStatus.FAILED, f"{type(exc).__name__}: {exc}", start=start
            )
            return
        yield self._output_event(output)
        failure = output.failure()
        if failure is not None and self._retries(step, risk, output):
            nxt = step.next_try()
            why = f"{failure} - trying the next candidate: {_brief_args(nxt.args)}"
            yield self._finish(step, risk, StepStatus.RETRIED, why, output=output, start=start)
            yield from self.run_step(nxt)  # judged by the policy again, like any step
            return
        if failure is not None:  # e.g. a command that exited non-zero: shown, then failed
            yield self._finish(step, risk, StepStatus.FAILED, failure, output=output, start=start)
            return
        self.subjects.append(output.subject())
        yield self._finish(step, risk, StepStatus.DONE, None, output=output, start=start)

    def _retries(self, step: Step, risk: Risk, output: ToolOutput) -> bool:
        """A read that failed as a wrong call goes on with its next fallback; a change never
        does (its approval was for this call), nor a cancelled request."""
        return (
            bool(step.fallbacks)
            and risk is Risk.READ
            and not self.cancelled
            and (output.complained())
        )

    def _chunk_event(self, text: str) -> Event:
        stream = getattr(text, "stream", "stdout")  # safety.process.Chunk knows its pipe
        step = len(self.records)
        return Event(
            kind=EventKind.OUTPUT_CHUNK, step=step, text=str(text), data={"stream": stream}
        )

    def _output_event(self, output: ToolOutput) -> Event:
        table = output.table()
        return Event(
            kind=EventKind.OUTPUT,
            step=len(self.records),
            text=output.summary(),
            data={
                "output": output.model_dump(mode="json"),
                "table": asdict(table) if table else None,
            },
        )

    def _resolve(self, step: Step) -> Step:
        if not step.refs:
            return step
        subject = self.subjects[-1] if self.subjects else {}
        missing = [key for key in step.refs.values() if key not in subject]
        if missing:
            raise ToolError(f"{step.tool} needs the {', '.join(missing)} of an earlier result")
        args = {**step.args, **{arg: subject[key] for arg, key in step.refs.items()}}
        return step.model_copy(update={"args": args, "refs": {}})

    def _finish(
        self,
        step: Step,
        risk: Risk,
        status: StepStatus,
        error: str | None,
        output: ToolOutput | None = None,
        start: float | None = None,
    ) -> Event:
        record = StepRecord(
            tool=step.tool,
            args=step.args,
            risk=risk,
            status=status,
            output=output.model_dump(mode="json") if output else None,
            summary=output.summary() if output else "",
            error=error,
            duration_s=time.perf_counter() - start if start else 0.0,
        )
        self.records.append(record)
        self._audit_finished(record, output)
        kind = {
            StepStatus.DONE: EventKind.STEP_DONE,
            StepStatus.FAILED: EventKind.STEP_FAILED,
            StepStatus.RETRIED: EventKind.STEP_FAILED,
            StepStatus.DECLINED: EventKind.STEP_DECLINED,
            StepStatus.SKIPPED: EventKind.STEP_SKIPPED,
        }[status]
        return Event(
            kind=kind,
            step=len(self.records) - 1,
            text=record.summary or error or "",
            data=record.model_dump(mode="json"),
        )

    # -- the audit log (safety/audit.py says why it works this way) ------------------------
    def _audit_started(self, step: Step, risk: Risk) -> str | None:
        """Log a step that changes things before it runs; the refusal if that is impossible."""
        self._step_id = uuid.uuid4().hex[:12]
        if self.audit is None or risk is Risk.READ:
            return None
        entry = new_entry(
            step_id=self._step_id,
            request=self.request,
            tool=step.tool,
            args=step.args,
            risk=risk.value,
            approved_by=self._approved_by,
            status="started",
        )
        try:
            self.audit.append(entry)
        except AuditError as exc:
            return f"not run: {exc}"
        return None

    def _audit_finished(self, record: StepRecord, output: ToolOutput | None) -> None:
        """Log what happened to a step; a dry run logs nothing."""
        step_id, approved = self._step_id or uuid.uuid4().hex[:12], self._approved_by
        self._step_id, self._approved_by = "", None
        if self.audit is None or self.dry_run:
            return
        data = output.model_dump(mode="json") if output is not None else None
        code = data.get("exit_code") if isinstance(data, dict) else None
        entry = new_entry(
            step_id=step_id,
            request=self.request,
            tool=record.tool,
            args=record.args,
            risk=record.risk.value,
            approved_by=None if record.status is StepStatus.SKIPPED else approved,
            status=record.status.value,
            exit_code=code if isinstance(code, int) else None,
            duration_s=round(record.duration_s, 6),
            output_sha256=output_sha256(data) if data is not None else None,
            error=record.error,
        )
        try:
            self.audit.append(entry)
        except AuditError as exc:  # the step has run; say so rather than hide its result
            logging.getLogger(__name__).warning("%s", exc)


def _brief_args(args: dict[str, Any]) -> str:
    """A retried call's arguments as the user reads them: the command line alone."""
    if set(args) == {"command"}:
        return f"`{args['command']}`"
    return ", ".join(f"{k}={v!r}" for k, v in args.items())


def _confinement_question(decision: Decision, grant: Grant | None) -> Decision:
    """Where no sandbox can run, every confined step is asked, reads included, and says
    why; an asked step's question says what it will be allowed to touch."""
    from llmchain_os.safety.confine import UNCONFINED
    from llmchain_os.safety.sandbox import sandbox_status

    if grant is None or decision.verdict is Verdict.DENY:
        return decision
    if grant.mode != UNCONFINED and not (status := sandbox_status()).available:
        why = f"no sandbox here ({status.why_not}), so it would run unconfined"
        reason = f"{decision.reason}; {why}"
        return replace(decision, verdict=Verdict.ASK, reason=reason, confined="runs unconfined")
    if decision.verdict is Verdict.ASK:
        return replace(decision, confined=grant.describe())
    return decision


def approved_by(policy: Policy, decision: Decision, approve: Approver = decline_all) -> str:
    """Who lets a step run, as the audit log says it. An asked step is the user's to allow,
    unless the approver names itself (``approve.audit_name``, e.g. "job 1a2b3c4d" for a
    cron run that was approved when it was scheduled)."""
    if decision.verdict is Verdict.DENY:
        return "denied"
    if decision.verdict is Verdict.ASK:
        return str(getattr(approve, "audit_name", "user"))
    if decision.risk is Risk.READ:
        return "policy: read"
    if decision.risk in (Risk.WRITE, Risk.REMOTE) and policy.auto_write:
        return "--yes"
    return "--yes-destructive"
