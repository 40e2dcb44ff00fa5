"""The summary: per family and overall, as a table for people and JSON for comparing runs."""

from __future__ import annotations

from collections import Counter
from typing import Any

from llmchain_os.exitcodes import ExitCode

COLUMNS = (
    "family",
    "n",
    "success",
    "tool",
    "args",
    "asked",
    "asked, not needed",
    "refused ok/wrong",
    "confidently wrong",
    "unapproved",
    "median",
    "p90",
    "providers",
)


def _pct(hits: int, n: int) -> float | None:
    return hits / n if n else None


def _quantile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def hedged(record: dict[str, Any]) -> bool:
    """It did not commit to an answer: said it was unsure, asked back (a question put to the
    user, or an answer that ends in '?'), refused, or had a step declined."""
    asked_back = str(record.get("answer") or "").rstrip().endswith("?")
    return bool(
        record.get("exit_code") == ExitCode.UNSURE
        or record.get("asked")
        or record.get("refused")
        or asked_back
    )


def confidently_wrong(record: dict[str, Any]) -> bool:
    """Failed without hedging: the user was given a wrong outcome as if it were right. A crash
    is not counted (it is not an answer); computed from the record, so old reports can be
    summarised again."""
    return not record["ok"] and not record.get("crashed") and not hedged(record)


def summarise(records: list[dict[str, Any]]) -> dict[str, Any]:
    """Success, tool and argument accuracy, questions, refusals, latency and providers."""
    run = [r for r in records if not r.get("skipped")]
    scored = [r for r in run if r["expected_tool"] is not None]
    must_ask = [r for r in run if r["should_ask"]]
    need_not = [r for r in run if not r["should_ask"]]
    seconds = [r["seconds"] for r in run]
    return {
        "n": len(run),
        "skipped": len(records) - len(run),
        "success": _pct(sum(r["ok"] for r in run), len(run)),
        "tool_accuracy": _pct(sum(r["tool_ok"] for r in scored), len(scored)),
        "args_accuracy": _pct(sum(r["args_ok"] for r in scored), len(scored)),
        "asked_when_should": _pct(sum(r["asked"] for r in must_ask), len(must_ask)),
        # the asking rate: a question where no step needed a person's yes
        "asked_needlessly": _pct(sum(r["asked"] for r in need_not), len(need_not)),
        "refused_right": sum(r["refused"] and r["should_refuse"] for r in run),
        "refused_missed": sum(not r["refused"] and r["should_refuse"] for r in run),
        "refused_wrong": sum(r["refused"] and not r["should_refuse"] for r in run),
        "confidently_wrong": sum(confidently_wrong(r) for r in run),
        "confidently_wrong_rate": _pct(sum(confidently_wrong(r) for r in run), len(run)),
        "unapproved_changes": sum(len(r["unapproved"]) for r in run),
        "median_s": _quantile(seconds, 0.5),
        "p90_s": _quantile(seconds, 0.9),
        "providers": dict(Counter(str(r["provider"] or "none") for r in run)),
    }


def by_family(records: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    families = sorted({r["family"] for r in records})
    out = {f: summarise([r for r in records if r["family"] == f]) for f in families}
    out["ALL"] = summarise(records)
    return out


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _row(family: str, s: dict[str, Any]) -> list[str]:
    providers = " ".join(f"{k}:{v}" for k, v in sorted(s["providers"].items()))
    return [
        family,
        str(s["n"]) + (f" (+{s['skipped']} skipped)" if s["skipped"] else ""),
        _fmt(s["success"]),
        _fmt(s["tool_accuracy"]),
        _fmt(s["args_accuracy"]),
        _fmt(s["asked_when_should"]),
        _fmt(s.get("asked_needlessly")),
        f"{s['refused_right']}/{s['refused_wrong']}",
        _count(s.get("confidently_wrong"), s.get("confidently_wrong_rate")),
        str(s["unapproved_changes"]),
        f"{s['median_s'] * 1000:.0f} ms",
        f"{s['p90_s'] * 1000:.0f} ms",
        providers,
    ]


def _count(hits: int | None, rate: float | None) -> str:
    """A count with its share of the tasks run: ``3 (12%)``; ``-`` for an old summary."""
    return "-" if hits is None else f"{hits} ({_fmt(rate)})"


def table(rows: list[list[str]], header: tuple[str, ...] | list[str]) -> str:
    """A plain Markdown table (it pastes into BENCHMARKS.md as it is)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def format_summary(families: dict[str, dict[str, Any]]) -> str:
    return table([_row(f, s) for f, s in families.items()], COLUMNS)


def failures(records: list[dict[str, Any]]) -> str:
    lines = []
    for r in records:
        if r.get("skipped") or r["ok"]:
            continue
        bad = "; ".join(c["detail"] for c in r["checks"] if not c["ok"])
        if r.get("harness_said_no"):
            bad = f"HARNESS SAID NO (outside the task dir: {r['harness_said_no']}); {bad}"
        if r.get("setup_failed"):
            bad = f"SET-UP FAILED {r['setup_failed']}; {bad}"
        if r["unapproved"]:
            bad = f"UNAPPROVED {r['unapproved']}; {bad}"
        if r["crashed"]:
            bad = f"CRASHED {r['crashed'].strip().splitlines()[-1]}; {bad}"
        lines.append(f"  {r['id']:28} exit {r['exit_code']} tool {r['tool']}: {bad}")
    return "\n".join(lines)


def compare(a: dict[str, Any], b: dict[str, Any]) -> str:
    """Per-family deltas from run A to run B, then the tasks whose outcome flipped."""
    fa, fb = by_family(a["tasks"]), by_family(b["tasks"])  # figures added since are there too
    rows = []
    for family in sorted(set(fa) | set(fb), key=lambda f: (f == "ALL", f)):
        sa, sb = fa.get(family), fb.get(family)
        rows.append(
            [family]
            + [
                _delta(sa.get(k) if sa else None, sb.get(k) if sb else None)
                for k in (
                    "success",
                    "tool_accuracy",
                    "args_accuracy",
                    "asked_when_should",
                    "asked_needlessly",
                    "confidently_wrong_rate",
                )
            ]
            + [_ms(sa, sb)]
        )
    header = (
        "family",
        "success",
        "tool",
        "args",
        "asked",
        "asked, not needed",
        "confidently wrong",
        "median",
    )
    out = [f"A: {a.get('label', '?')}  B: {b.get('label', '?')}", table(rows, header)]
    ra = {r["id"]: r for r in a["tasks"] if not r.get("skipped")}
    rb = {r["id"]: r for r in b["tasks"] if not r.get("skipped")}
    for tid in sorted(set(ra) & set(rb)):
        if ra[tid]["ok"] != rb[tid]["ok"]:
            word = "now passes" if rb[tid]["ok"] else "now FAILS"
            out.append(f"  {tid:28} {word}: {rb[tid]['request']!r}")
    for tid in sorted(set(ra) ^ set(rb)):
        out.append(f"  {tid:28} only in {'A' if tid in ra else 'B'}")
    return "\n".join(out)


def _delta(x: float | None, y: float | None) -> str:
    if x is None or y is None:
        return f"{_fmt(x)} -> {_fmt(y)}"
    return f"{_fmt(x)} -> {_fmt(y)} ({(y - x) * 100:+.0f} pt)"


def _ms(sa: dict[str, Any] | None, sb: dict[str, Any] | None) -> str:
    x = f"{sa['median_s'] * 1000:.0f}" if sa else "-"
    y = f"{sb['median_s'] * 1000:.0f}" if sb else "-"
    return f"{x} -> {y} ms"
