"""bashlex against tree-sitter-bash on the project's own command corpora.

    /tmp/tsvenv/bin/python tools/bench_parsers.py [--runs 5] [--examples 15] [--no-bash]

tree-sitter is not a project dependency: make the venv once with
``python3 -m venv /tmp/tsvenv && /tmp/tsvenv/bin/pip install tree-sitter tree-sitter-bash bashlex``.

Corpora: tests/data/command_corpus.tsv (the command column), the ``command`` of every
``[[attack]]`` in tests/data/redteam_corpus.toml (placeholders filled with dummy values, as
tests/safety/redteam.py does with str.format), and every ``command`` value in
tests/data/eval_tasks/*.toml (the run_shell arguments).

Per corpus and overall it prints: how many commands; how many each parser parses without
error (bashlex: ``bashlex.parse`` raises nothing, once on the raw text and once on the text
the classifier gives it, ``commands._prepare``; tree-sitter: a tree with no ERROR or MISSING
node); how many only one of them parses, with examples; ``bash -n``'s verdict as a reference;
and the median and p90 time per command of each parse (the best of --runs runs of each
command, in microseconds). Timings are wall-clock on a shared machine: treat them as rough.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
import tomllib
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    import bashlex
    import tree_sitter
    import tree_sitter_bash
except ImportError as missing:
    sys.exit(
        f"bench_parsers: {missing.name} is not installed; run: python3 -m venv /tmp/tsvenv && "
        "/tmp/tsvenv/bin/pip install tree-sitter tree-sitter-bash bashlex, then "
        "/tmp/tsvenv/bin/python tools/bench_parsers.py"
    )

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from llmchain_os.safety.commands import _prepare  # noqa: E402

DATA = ROOT / "tests" / "data"
HOME = "/home/user"
PLACEHOLDERS: dict[str, Any] = {  # redteam.py's values() keys, and eval_tasks' {dir} {pid[N]}
    "home": HOME,
    "work": f"{HOME}/work",
    "port": "40123",
    "victim": "4242",
    "secret": f"{HOME}/secret.txt",
    "state": f"{HOME}/.local/state/llmchain-os",
    "dir": f"{HOME}/task",
    "pid": defaultdict(lambda: "4243"),
    "name": defaultdict(lambda: "backupd"),
}
PARSERS = ("bashlex raw", "bashlex project", "tree-sitter")
Parse = Callable[[str], str | None]  # the error, or None when the text parses


@dataclass(frozen=True)
class Sample:
    corpus: str
    where: str  # line number or attack id
    text: str


@dataclass
class Result:
    sample: Sample
    errors: dict[str, str | None] = field(default_factory=dict)
    best_us: dict[str, float] = field(default_factory=dict)
    bash_error: str | None = None

    def ok(self, parser: str) -> bool:
        return self.errors[parser] is None


# -- corpora ---------------------------------------------------------------------------------


def command_corpus() -> list[Sample]:
    """``class<TAB>denied<TAB>command`` lines; ``#`` lines are comments."""
    lines = (DATA / "command_corpus.tsv").read_text().splitlines()
    return [
        Sample("command_corpus", f"line {n}", ln.split("\t", 2)[2])
        for n, ln in enumerate(lines, start=1)
        if ln.strip() and not ln.startswith("#")
    ]


def redteam_corpus() -> list[Sample]:
    attacks = tomllib.loads((DATA / "redteam_corpus.toml").read_text())["attack"]
    return [Sample("redteam", a["id"], a["command"].format_map(PLACEHOLDERS)) for a in attacks]


def _commands_in(value: Any) -> Iterator[str]:
    """Every string under a ``command`` key, however deep (args, cloud_replies, checks)."""
    if isinstance(value, dict):
        for key, inner in value.items():
            if key == "command" and isinstance(inner, str):
                yield inner
            else:
                yield from _commands_in(inner)
    elif isinstance(value, list):
        for inner in value:
            yield from _commands_in(inner)


def eval_corpus() -> list[Sample]:
    samples = []
    for path in sorted((DATA / "eval_tasks").glob("*.toml")):
        for task in tomllib.loads(path.read_text()).get("task", []):
            for command in _commands_in(task):
                where = f"{path.stem}:{task['id']}"
                samples.append(Sample("eval_tasks", where, command.format_map(PLACEHOLDERS)))
    return samples


# -- parsers ---------------------------------------------------------------------------------


def _first_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"


def bashlex_raw(text: str) -> str | None:
    try:
        bashlex.parse(text)
    except Exception as exc:  # bashlex raises several kinds on what it does not support
        return _first_line(exc)
    return None


def bashlex_project(text: str) -> str | None:
    """What the classifier does before its ``bash -n`` fallback: parse ``_prepare(text)``."""
    return bashlex_raw(_prepare(text)[0])


def _first_fault(node: tree_sitter.Node) -> tree_sitter.Node | None:
    if node.is_error or node.is_missing:
        return node
    for child in node.children:
        if child.has_error or child.is_missing:
            found = _first_fault(child)
            if found is not None:
                return found
    return None


def tree_sitter_parser() -> Parse:
    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_bash.language()))

    def parse(text: str) -> str | None:
        data = text.encode()
        root = parser.parse(data).root_node
        if not root.has_error:
            return None
        fault = _first_fault(root) or root
        kind = f"MISSING {fault.type}" if fault.is_missing else "ERROR"
        row, col = fault.start_point
        snippet = data[fault.start_byte : fault.end_byte].decode(errors="replace")[:40]
        return f"{kind} at {row + 1}:{col + 1}: {snippet!r}"

    return parse


def bash_n(text: str) -> str | None:
    """bash's own verdict (the classifier's fallback), for reference."""
    try:
        done = subprocess.run(["bash", "-n"], input=text, capture_output=True, text=True, timeout=2)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return type(exc).__name__
    lines = done.stderr.strip().splitlines()
    return None if done.returncode == 0 else (lines[0] if lines else "rejected")


# -- measuring -------------------------------------------------------------------------------


def measure(
    samples: list[Sample], parsers: dict[str, Parse], runs: int, bash: bool
) -> list[Result]:
    results = [Result(s) for s in samples]
    for name, parse in parsers.items():
        parse("ls | wc -l")  # warm up imports and tables
        for result in results:
            result.errors[name] = parse(result.sample.text)
            best = float("inf")
            for _ in range(runs):
                start = time.perf_counter_ns()
                parse(result.sample.text)
                best = min(best, (time.perf_counter_ns() - start) / 1000)
            result.best_us[name] = best
    if bash:
        for result in results:
            result.bash_error = bash_n(result.sample.text)
    return results


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile; 0 for no values."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


# -- report ----------------------------------------------------------------------------------


def coverage_row(name: str, results: list[Result], bash: bool) -> list[str]:
    row = [name, str(len(results))]
    if bash:
        row.append(str(sum(r.bash_error is None for r in results)))
    row += [str(sum(r.ok(p) for r in results)) for p in PARSERS]
    only_lex = sum(r.ok("bashlex project") and not r.ok("tree-sitter") for r in results)
    only_ts = sum(r.ok("tree-sitter") and not r.ok("bashlex project") for r in results)
    neither = sum(not r.ok("bashlex project") and not r.ok("tree-sitter") for r in results)
    return [*row, str(only_lex), str(only_ts), str(neither)]


def timing_row(name: str, results: list[Result]) -> list[str]:
    row = [name]
    for parser in PARSERS:
        times = [r.best_us[parser] for r in results]
        row.append(f"{percentile(times, 0.5):.0f} / {percentile(times, 0.9):.0f}")
    return row


def table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    lines = [header, ["-" * w for w in widths], *rows]
    return "\n".join(
        "| " + " | ".join(c.ljust(w) for c, w in zip(ln, widths, strict=True)) + " |"
        for ln in lines
    )


def examples(title: str, chosen: list[Result], limit: int, bash: bool) -> str:
    out = [f"\n{title}: {len(chosen)}" + (f" (first {limit})" if len(chosen) > limit else "")]
    for r in chosen[:limit]:
        verdict = "" if not bash else f" [bash -n: {r.bash_error or 'ok'}]"
        out.append(f"  {r.sample.corpus} {r.sample.where}{verdict}: {r.sample.text[:110]!r}")
        for parser in ("bashlex project", "tree-sitter"):
            if not r.ok(parser):
                out.append(f"      {parser}: {(r.errors[parser] or '')[:100]}")
    return "\n".join(out)


def report(results: list[Result], limit: int, bash: bool) -> str:
    groups: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        groups[r.sample.corpus].append(r)
    named = [*groups.items(), ("overall", results)]
    cov_head = ["corpus", "commands", *(["bash -n ok"] if bash else []), *PARSERS]
    cov_head += ["only bashlex", "only tree-sitter", "neither"]
    lex_ok = [r for r in results if r.ok("bashlex project") and not r.ok("tree-sitter")]
    ts_ok = [r for r in results if r.ok("tree-sitter") and not r.ok("bashlex project")]
    neither = [r for r in results if not r.ok("bashlex project") and not r.ok("tree-sitter")]
    parts = [
        "Parsed without error (bashlex project = bashlex.parse(_prepare(text)); "
        "only/neither compare it with tree-sitter):",
        table(cov_head, [coverage_row(n, rs, bash) for n, rs in named]),
        "\nParse time per command, median / p90 in µs (best of runs; a busy shared machine):",
        table(["corpus", *PARSERS], [timing_row(n, rs) for n, rs in named]),
        examples("Only bashlex (project) parses", lex_ok, limit, bash),
        examples("Only tree-sitter parses", ts_ok, limit, bash),
        examples("Neither parses", neither, limit, bash),
    ]
    if bash:
        lax = {p: sum(r.ok(p) and r.bash_error is not None for r in results) for p in PARSERS}
        parts.append(f"\nParsed although bash -n rejects the text: {lax}")
    return "\n".join(parts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="timed parses of each command")
    ap.add_argument("--examples", type=int, default=15, help="examples listed per kind")
    ap.add_argument("--no-bash", action="store_true", help="skip the bash -n reference")
    args = ap.parse_args()
    samples = command_corpus() + redteam_corpus() + eval_corpus()
    parsers: dict[str, Parse] = {
        "bashlex raw": bashlex_raw,
        "bashlex project": bashlex_project,
        "tree-sitter": tree_sitter_parser(),
    }
    bash = not args.no_bash
    versions = f"tree-sitter {_version('tree-sitter')}, tree-sitter-bash "
    versions += f"{_version('tree-sitter-bash')}, bashlex {_version('bashlex')}"
    print(f"{versions}; {args.runs} timed runs per command\n")
    print(report(measure(samples, parsers, args.runs, bash), args.examples, bash))


def _version(dist: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(dist)
    except PackageNotFoundError:
        return "?"


if __name__ == "__main__":
    main()
