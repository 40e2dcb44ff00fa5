"""The process tree (of everything, of a pid, or of the processes with a name), and zombies:
processes that ended but whose parent has not collected their exit status."""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Annotated, Any

import psutil
from pydantic import Field

from llmchain_os.errors import ToolError
from llmchain_os.reading.operands import find_process
from llmchain_os.safety.risk import Risk
from llmchain_os.tools.base import Table, ToolOutput, tool
from llmchain_os.tools.card import Card, Clause, Stage

ATTRS = ["pid", "ppid", "name", "username", "cmdline", "status"]
TREE_ASKED = re.compile(
    r"\b(?:process(?:es)?|pid|proc)\s+tree\b|\bpstree\b|\btree\s+of\b|"
    r"\b(?:children|child\s+process(?:es)?|descendants|sub-?process(?:es)?)\s+of\b|"
    r"\bwhat\s+did\s+\S+\s+(?:spawn|start|fork)\b",
    re.I,
)
ZOMBIE_ASKED = re.compile(r"\bzombies?\b|\bdefunct\b|\bunreaped\b", re.I)


class Node(ToolOutput):
    pid: int
    depth: int
    name: str
    user: str
    status: str
    command: str


def _snapshot() -> dict[int, dict[str, Any]]:
    return {p.info["pid"]: p.info for p in psutil.process_iter(ATTRS)}


def _command(info: dict[str, Any]) -> str:
    return " ".join(info.get("cmdline") or []) or str(info.get("name") or "?")


class ProcessTree(ToolOutput):
    roots: list[int]
    nodes: list[Node]  # in tree order, as far as the limit allows
    total: int  # processes in the tree(s), beyond the limit too
    parents: list[str]  # what the first root runs under, nearest first
    name: str | None = None

    def summary(self) -> str:
        first = self.nodes[0] if self.nodes else None
        if first is None:
            return "No processes could be read."
        head = (
            f"{len(self.roots)} processes named {self.name!r} head trees"
            if len(self.roots) > 1
            else f"{first.name} (pid {first.pid}) heads a tree"
        )
        text = (
            f"{head} of {self.total} processes, {max(n.depth for n in self.nodes) + 1} levels deep"
        )
        if self.total > len(self.nodes):
            text += f" ({len(self.nodes)} shown)"
        text += "."
        if self.parents:
            text += f" It runs under {' < '.join(self.parents)}."
        return text

    def table(self) -> Table:
        rows = [
            [
                ("  " * n.depth + ("└─ " if n.depth else "")) + n.name,
                str(n.pid),
                n.user,
                n.status,
                n.command[:70],
            ]
            for n in self.nodes
        ]
        return Table("Process tree", ["process", "pid", "user", "status", "command"], rows)

    def subject(self) -> dict[str, Any]:
        return {"pid": self.roots[0]} if self.roots else {}


def _roots(procs: dict[int, dict[str, Any]], pid: int | None, name: str | None) -> list[int]:
    if pid is not None:
        if pid not in procs:
            raise ToolError(f"No process with pid {pid}")
        return [pid]
    if name is not None:
        named = {p for p, i in procs.items() if i["name"] == name}
        if not named:
            raise ToolError(f"No running process named {name!r}")
        return sorted(p for p in named if procs[p]["ppid"] not in named)  # the topmost ones
    tops = sorted(p for p, i in procs.items() if i["ppid"] not in procs or i["ppid"] == p)
    return tops or sorted(procs)[:1]


def _parents(procs: dict[int, dict[str, Any]], pid: int) -> list[str]:
    chain: list[str] = []
    ppid = procs[pid]["ppid"]
    while ppid in procs and ppid != pid and len(chain) < 64:
        chain.append(f"{procs[ppid]['name']} ({ppid})")
        pid, ppid = ppid, procs[ppid]["ppid"]
    return chain


def _walk(procs: dict[int, dict[str, Any]], roots: list[int], limit: int) -> tuple[list[Node], int]:
    children: dict[int, list[int]] = defaultdict(list)
    for pid, info in procs.items():
        if info["ppid"] != pid:
            children[info["ppid"]].append(pid)
    nodes: list[Node] = []
    total = 0
    stack = [(r, 0) for r in reversed(roots)]
    while stack:
        pid, depth = stack.pop()
        total += 1
        if len(nodes) < limit:
            info = procs[pid]
            nodes.append(
                Node(
                    pid=pid,
                    depth=depth,
                    name=str(info["name"] or "?"),
                    user=str(info["username"] or "?"),
                    status=str(info["status"] or "?"),
                    command=_command(info),
                )
            )
        stack.extend((c, depth + 1) for c in sorted(children[pid], reverse=True))
    return nodes, total


def _tree_args(c: Clause) -> dict[str, Any]:
    return dict(find_process(c.text, c.world.running_names()))


def _tree_claim(c: Clause) -> str | None:
    return "the request asks for a process tree" if TREE_ASKED.search(c.text) else None


TREE = Card(extract=_tree_args, claim=_tree_claim, stage=Stage.ORDER, rank=4, about_files=False)


@tool(risk=Risk.READ, card=TREE)
def process_tree(
    pid: Annotated[int | None, Field(ge=1)] = None,
    name: Annotated[str | None, Field(min_length=1, max_length=256)] = None,
    limit: Annotated[int, Field(ge=1, le=5000)] = 300,
) -> ProcessTree:
    """The tree of processes under a pid, under the processes with a name, or of everything."""
    procs = _snapshot()
    roots = _roots(procs, pid, name)
    nodes, total = _walk(procs, roots, limit)
    return ProcessTree(
        roots=roots,
        nodes=nodes,
        total=total,
        parents=_parents(procs, roots[0]) if pid is not None or name is not None else [],
        name=name,
    )


class Zombie(ToolOutput):
    pid: int
    name: str
    parent_pid: int
    parent: str


class Zombies(ToolOutput):
    zombies: list[Zombie]

    def summary(self) -> str:
        if not self.zombies:
            return "There are no zombie processes."
        parents = sorted({f"{z.parent} (pid {z.parent_pid})" for z in self.zombies})
        n = len(self.zombies)
        return (
            f"{n} zombie process{'es' if n != 1 else ''} (ended, not yet reaped by "
            f"{', '.join(parents)}); they hold no memory, only a pid - the parent reaps them, "
            "or they go when it ends."
        )

    def table(self) -> Table:
        rows = [[str(z.pid), z.name, str(z.parent_pid), z.parent] for z in self.zombies]
        return Table("Zombie processes", ["pid", "name", "parent pid", "parent"], rows)

    def subject(self) -> dict[str, Any]:
        return {"pid": self.zombies[0].parent_pid} if self.zombies else {}


def _zombie_claim(c: Clause) -> str | None:
    return "the request asks about zombie processes" if ZOMBIE_ASKED.search(c.text) else None


@tool(
    risk=Risk.READ,
    card=Card(claim=_zombie_claim, stage=Stage.ORDER, rank=4, about_files=False),
)
def zombie_processes() -> Zombies:
    """Processes that ended but were not reaped by their parent (zombies), with that parent."""
    procs = _snapshot()
    found = [
        Zombie(
            pid=pid,
            name=str(info["name"] or "?"),
            parent_pid=info["ppid"],
            parent=str(procs.get(info["ppid"], {}).get("name") or "?"),
        )
        for pid, info in sorted(procs.items())
        if info["status"] == psutil.STATUS_ZOMBIE
    ]
    return Zombies(zombies=found)


TOOLS = [process_tree, zombie_processes]
