"""Layers point one way: no import cycle in llmchain_os, and the surfaces enter through api.

Every import counts, at module level, inside a function or under ``TYPE_CHECKING``: a lazy
import still ties the two modules together, it only hides the tie until run time.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "llmchain_os"


# The surfaces: they parse, ask and render, and reach the layers below only through api.
SURFACE_MODULES = frozenset(
    {
        "llmchain_os.__main__",
        "llmchain_os.cli",
        "llmchain_os.scripts_cli",
        "llmchain_os.hosts_cli",
        "llmchain_os.memory_cli",
        "llmchain_os.terminal",
        "llmchain_os.chain",
        "llmchain_os.run_cli",
        "llmchain_os.batch_cli",
        "llmchain_os.listen_cli",
        "llmchain_os.mcp_cli",
        "llmchain_os.completions",
    }
)
SURFACE_PACKAGES = ("llmchain_os.repl", "llmchain_os.mcp")
# What a surface may import besides the other surfaces (the package root is for __version__).
BELOW_THE_SURFACE = frozenset(
    {
        "llmchain_os",
        "llmchain_os.api",
        "llmchain_os.chain",
        "llmchain_os.config",
        "llmchain_os.exitcodes",
        "llmchain_os.paths",
        "llmchain_os.agent.events",
        "llmchain_os.agent.plan",
    }
)


@dataclass(frozen=True)
class Import:
    """One import of a project module: who imports what, where, and the name it takes."""

    importer: str
    target: str
    line: int
    name: str

    def __str__(self) -> str:
        return f"{self.importer} line {self.line}: {self.name} (from {self.target})"


def module_files() -> dict[str, Path]:
    files = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        files[name] = path
    return files


def imports_of(module: str, path: Path, known: set[str]) -> Iterator[Import]:
    """The project modules ``module`` imports, wherever in the file the import is."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name in known:
                    yield Import(module, alias.name, node.lineno, alias.name)
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, package)
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                target = sub if sub in known else base
                if target in known:
                    yield Import(module, target, node.lineno, alias.name)


def _absolute(node: ast.ImportFrom, package: str) -> str:
    if not node.level:
        return node.module or ""
    parts = package.split(".")
    parts = parts[: len(parts) - node.level + 1]
    return ".".join([*parts, *([node.module] if node.module else [])])


def import_graph() -> list[Import]:
    files = module_files()
    known = set(files)
    return [
        found
        for module, path in files.items()
        for found in imports_of(module, path, known)
        if found.target != module
    ]


def cycles(edges: list[Import]) -> list[frozenset[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    graph: dict[str, set[str]] = {}
    for edge in edges:
        graph.setdefault(edge.importer, set()).add(edge.target)
        graph.setdefault(edge.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[frozenset[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is None:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        found.append(frozenset(component))
            elif child not in index:
                index[child] = low[child] = len(index)
                stack.append(child)
                on_stack.add(child)
                work.append((child, iter(sorted(graph[child]))))
            elif child in on_stack:
                low[node] = min(low[node], index[child])
    return found


def is_surface(module: str) -> bool:
    return module in SURFACE_MODULES or module.startswith(tuple(f"{p}." for p in SURFACE_PACKAGES))


def test_the_cycle_finder_finds_a_cycle() -> None:
    edges = [Import("a", "b", 1, "b"), Import("b", "c", 1, "c"), Import("c", "a", 1, "a")]
    assert cycles([*edges, Import("c", "d", 2, "d")]) == [frozenset({"a", "b", "c"})]


def test_no_import_cycles() -> None:
    edges = import_graph()
    new = cycles(edges)
    report = [
        "cycle: "
        + ", ".join(sorted(c))
        + "".join(f"\n  {e}" for e in edges if e.importer in c and e.target in c)
        for c in new
    ]
    assert not report, "\n".join(report)


def test_surfaces_enter_only_through_api() -> None:
    edges = import_graph()
    assert {e.importer for e in edges if is_surface(e.importer)} >= {"llmchain_os.cli"}
    wrong = [
        str(e)
        for e in edges
        if is_surface(e.importer) and not is_surface(e.target) and e.target not in BELOW_THE_SURFACE
    ]
    assert not wrong, "surfaces reach past api:\n" + "\n".join(wrong)


def test_errors_imports_nothing_of_the_project() -> None:
    """Every layer raises ToolError; its module must sit below all of them."""
    assert [str(e) for e in import_graph() if e.importer == "llmchain_os.errors"] == []
