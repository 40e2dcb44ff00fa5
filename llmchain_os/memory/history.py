"""History: every finished request, redacted, with its plan, outcome and the user's feedback.

A request is written to the journal when it finishes (``record_request``: no chromadb, so
``llmos run`` stays fast); the store takes it in on its next opening (``apply_ops``). What a
history entry keeps of each step is what the audit log keeps of it (tool, arguments, risk,
approval, status, error), passed through the same ``redact_data``, plus the step's one-line
summary, redacted and cut to ``SUMMARY_CHARS``; never a step's full output.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from llmchain_os.memory import journal
from llmchain_os.memory.records import Entry, Kind, Meta

if TYPE_CHECKING:
    from llmchain_os.memory.store import MemoryStore

SUMMARY_CHARS = 300
REQUEST_CHARS = 2000


def new_id(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def history_record(result: Mapping[str, Any], dry_run: bool = False) -> dict[str, Any]:
    """The redacted record of one finished request (``result`` is a ChainResult's JSON)."""
    from llmchain_os.safety.redact import redact, redact_data

    steps = [_step(s) for s in result.get("steps", [])]
    plan = [{"tool": s.get("tool", ""), "args": s.get("args", {})} for s in result.get("plan", [])]
    return {
        "request": redact(str(result.get("request", ""))[:REQUEST_CHARS]),
        "plan": redact_data(plan),
        "steps": steps,
        "provider": result.get("provider", ""),
        "model": result.get("model", ""),
        "answer": redact(str(result.get("answer", ""))[:SUMMARY_CHARS]),
        "unsure": result.get("unsure"),
        "guess": redact(str(result.get("guess", "")))[:SUMMARY_CHARS],
        "error": redact(str(result["error"])) if result.get("error") else None,
        "exit_code": int(result.get("exit_code", 0)),
        "dry_run": dry_run,
    }


def _step(step: Mapping[str, Any]) -> dict[str, Any]:
    """A step as the audit log keeps it (approval worked out from the outcome) + its summary."""
    from llmchain_os.safety.redact import redact, redact_data

    status, risk = str(step.get("status", "")), str(step.get("risk", "read"))
    if status == "declined":
        approval = "declined"
    elif status == "skipped":
        approval = None
    else:
        approval = "policy (read)" if risk == "read" else "approved"
    return {
        "tool": step.get("tool", ""),
        "args": redact_data(step.get("args", {})),
        "risk": risk,
        "status": status,
        "approval": approval,
        "summary": redact(str(step.get("summary", ""))[:SUMMARY_CHARS]),
        "error": redact(str(step["error"]))[:SUMMARY_CHARS] if step.get("error") else None,
    }


def succeeded(record: Mapping[str, Any], good: bool = False) -> bool:
    """Ran for real, every step done, exit 0, and not a best guess (unless the user said
    ``/good`` of it: ``good``): a request the planner may learn from."""
    steps = record.get("steps", [])
    return (
        not record.get("dry_run")
        and (good or not record.get("guess"))
        and record.get("exit_code") == 0
        and bool(steps)
        and all(s.get("status") == "done" for s in steps)
    )


def record_request(folder: Path, result: Mapping[str, Any], dry_run: bool = False) -> str:
    """Journal one finished request (redacted first); its history id. Raises OSError."""
    entry_id = new_id("h-")
    op = {
        "op": "history",
        "id": entry_id,
        "ts": time.time(),
        "record": history_record(result, dry_run),
    }
    journal.append(folder, op)
    return entry_id


def record_feedback(folder: Path, entry_id: str, value: int) -> None:
    """Journal /good (+1) or /bad (-1) for a history entry. Raises OSError."""
    journal.append(folder, {"op": "feedback", "id": entry_id, "value": value, "ts": time.time()})


def history_entry(entry_id: str, ts: float, record: Mapping[str, Any]) -> Entry:
    """The stored form: the request is the embedded text; the record rides in the metadata."""
    tools = ",".join(dict.fromkeys(str(s.get("tool", "")) for s in record.get("plan", [])))
    meta: Meta = {
        "ts": ts,
        "status": "ok" if succeeded(record, good=True) else "not ok",  # ran fine, guess or not
        "exit_code": int(record.get("exit_code", 0)),
        "success": succeeded(record),
        "feedback": 0,
        "tools": tools,
        "provider": str(record.get("provider", "")),
        "record": json.dumps(record, ensure_ascii=False),
    }
    return Entry(entry_id, Kind.HISTORY, str(record.get("request", "")) or "(empty)", meta)


def apply_ops(store: MemoryStore, ops: list[dict[str, Any]]) -> None:
    """Journal operations into the store, in order (requests first, then their feedback)."""
    entries = [
        history_entry(str(op["id"]), float(op.get("ts", 0.0)), op.get("record") or {})
        for op in ops
        if op["op"] == "history" and isinstance(op.get("id"), str)
    ]
    store.upsert(entries)
    feedback = {str(op["id"]): int(op.get("value", 0)) for op in ops if op["op"] == "feedback"}
    if feedback:
        found = store.get(Kind.HISTORY, ids=list(feedback))
        metas: list[Meta] = [
            {
                **e.meta,
                "feedback": feedback[e.id],
                # a best guess the user called good is a success to learn from after all
                "success": bool(e.meta.get("success"))
                or (feedback[e.id] > 0 and succeeded(e.record(), good=True)),
            }
            for e in found
        ]
        if found:
            store.update_meta(Kind.HISTORY, [e.id for e in found], metas)
