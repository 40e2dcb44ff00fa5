"""The executor: every step through the policy, then the tool, streaming Events as it goes.

Risk is assessed again here from the validated arguments, whatever the planner said: the
planner proposes, the policy decides. A step that is declined, denied or fails stops the
plan; the steps after it are reported as skipped. Ctrl-C cancels the running step and sets
``cancelled``, so the rest of the request is skipped and callers can stop too.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import asdict
from typing import Any

from llmchain_os.agent.events import Event, EventKind
from llmchain_os.agent.plan import Plan, Step, StepRecord, StepStatus
from llmchain_os.agent.policy import Decision, Policy, Verdict
from llmchain_os.safety.risk import Risk
from llmchain_os.tools.base import ToolError, ToolOutput, ToolRegistry

Approver = Callable[[Step, Decision], bool]


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
    ) -> None:
        self.registry = registry
        self.policy = policy
        self.approve = approve
        self.dry_run = dry_run
        self.records: list[StepRecord] = []
        self.subjects: list[dict[str, Any]] = []
        self.cancelled = False

    def execute(self, plan: Plan) -> Iterator[Event]:
        yield Event(
            kind=EventKind.PLAN,
            data={
                "plan": [s.public() for s in plan.steps],
                "source": plan.source,
                "score": plan.score,
            },
        )
        for step in plan.steps:
            if self._blocked():
                reason = (
                    "the request was cancelled" if self.cancelled else "an earlier step did not run"
                )
                yield self._finish(step, step.risk, StepStatus.SKIPPED, reason)
                continue
            yield from self.run_step(step)

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
        decision = self.policy.check(step, assessment)
        if decision.verdict is Verdict.DENY:
            yield self._finish(step, decision.risk, StepStatus.DECLINED, decision.reason)
            return
        if self.dry_run:
            yield self._finish(
                step,
                decision.risk,
                StepStatus.SKIPPED,
                f"dry run: would {decision.verdict.value} ({decision.reason})",
            )
            return
        if decision.verdict is Verdict.ASK and not self.approve(step, decision):
            yield self._finish(
                step, decision.risk, StepStatus.DECLINED, f"not approved: {decision.reason}"
            )
            return
        yield Event(
            kind=EventKind.STEP_STARTED, step=len(self.records), text=step.tool, data=step.public()
        )
        yield from self._call(step, decision.risk, lambda: tool.call(args))

    def _call(self, step: Step, risk: Risk, call: Callable[[], ToolOutput]) -> Iterator[Event]:
        start = time.perf_counter()
        try:
            output = call()
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
        if failure is not None:  # e.g. a command that exited non-zero: shown, then failed
            yield self._finish(step, risk, StepStatus.FAILED, failure, output=output, start=start)
            return
        self.subjects.append(output.subject())
        yield self._finish(step, risk, StepStatus.DONE, None, output=output, start=start)

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
        kind = {
            StepStatus.DONE: EventKind.STEP_DONE,
            StepStatus.FAILED: EventKind.STEP_FAILED,
            StepStatus.DECLINED: EventKind.STEP_DECLINED,
            StepStatus.SKIPPED: EventKind.STEP_SKIPPED,
        }[status]
        return Event(
            kind=kind,
            step=len(self.records) - 1,
            text=record.summary or error or "",
            data=record.model_dump(mode="json"),
        )
