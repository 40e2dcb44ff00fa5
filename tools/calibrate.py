"""Where to draw the planner's confidence lines: from an evaluation report (``tools/eval.py
--json``), how many answers above and below each threshold were right, and how many were
confidently wrong, for composed commands (their example's score), for tools chosen by
retrieval (how near in meaning: "(meaning 0.52)" in the plan's why) and for best guesses
(hedged, so never confidently wrong: the line is where they stop being right often enough).

    python tools/calibrate.py REPORT.json --families open,open2

Calibrate on seen families only; a held-out family tells whether the lines carry over.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from evallib.report import confidently_wrong

COMPOSED = re.compile(r"composed from the example .*? \((\d\.\d+); nearest tool")
GUESS = re.compile(r"best guess from the example .*? \((\d\.\d+)\)")
MEANING = re.compile(r"\(meaning (\d\.\d+)\)")
LINES = {
    "composed": (0.62, 0.65, 0.68, 0.7, 0.72, 0.75),
    "tool": (0.3, 0.4, 0.45, 0.5, 0.55, 0.6),
    "guess": (0.5, 0.55, 0.6, 0.65),
}


def scored(record: dict[str, Any]) -> tuple[str, float] | None:
    """("composed" | "tool", score) of the record's first step, when its why carries one."""
    plan = record.get("plan") or []
    why = str(plan[0].get("why", "")) if plan else ""
    if m := GUESS.search(why):  # a best guess: "right" is what the line is chosen by
        return "guess", float(m.group(1))
    if m := COMPOSED.search(why):
        return "composed", float(m.group(1))
    if m := MEANING.search(why):
        return "tool", float(m.group(1))
    return None


def table(records: list[dict[str, Any]]) -> list[str]:
    rows = [(s, r) for r in records if (s := scored(r)) is not None]
    out = ["| kind | line | above: n | right | confidently wrong | below: right | wrong |"]
    out.append("|---|---|---|---|---|---|---|")
    for kind, lines in LINES.items():
        mine = [(score, r) for (k, score), r in rows if k == kind]
        for line in lines:
            above = [r for score, r in mine if score >= line]
            below = [r for score, r in mine if score < line]
            out.append(
                f"| {kind} | {line:.2f} | {len(above)} | {sum(r['ok'] for r in above)} | "
                f"{sum(confidently_wrong(r) for r in above)} | {sum(r['ok'] for r in below)} | "
                f"{sum(confidently_wrong(r) for r in below)} |"
            )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("--families", help="comma-separated (default: all in the report)")
    opts = parser.parse_args(argv)
    records = json.loads(opts.report.read_text())["tasks"]
    if opts.families:
        wanted = set(opts.families.split(","))
        records = [r for r in records if r["family"] in wanted]
    print("\n".join(table(records)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
