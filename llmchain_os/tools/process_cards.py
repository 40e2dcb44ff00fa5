"""The cards of the process tools: which requests they claim and how their arguments are
read ("the 3 hungriest processes", "is nginx running", "kill 4242")."""

from __future__ import annotations

import re
from difflib import get_close_matches
from typing import Any

from llmchain_os.reading.operands import PID, find_limit, find_process, names_in, similar_names
from llmchain_os.reading.words import STOP
from llmchain_os.tools.card import Card, Choices, Clause, Stage, Unclear

# Nouns that name the resource outright beat adjectives that only hint at it.
MEMORY_NOUNS = re.compile(r"\b(memory|mem|ram|rss|swap)\b", re.I)
CPU_NOUNS = re.compile(r"\b(cpu|processor|cores?)\b", re.I)
MEMORY_HINTS = re.compile(r"\b(hungr\w*|big\w*|larg\w*|fat\w*)\b", re.I)
CPU_HINTS = re.compile(r"\b(busy|busiest|load|hog\w*|slow\w*|heav\w*)\b", re.I)
KILL_PID = re.compile(r"\b(?:kill|terminate|stop|end)\s+(?:-\w+\s+)?(\d{1,7})\b", re.I)
# Asking to stop a process (never "OOM killed", "stop the service", "the end of the log").
KILL_INTENT = re.compile(
    r"\b(?:kill|terminate|sigterm|sigkill)\b|\b(?:stop|end)\s+(?:the\s+)?(?:process|pid)\b",
    re.I,
)
FORCE = re.compile(r"\b(?:force\w*|sigkill|hard)\b|-9\b", re.I)
BULK = re.compile(r"\b(?:all|every|each|any)\b", re.I)
# Words that make a running process's name in a request about that process ("how much memory
# is postgres using"), not an ordinary word ("the line that sets the timeout").
PROCESS_CONTEXT = re.compile(
    r"\b(?:process(?:es)?|pids?|running|runs|daemons?|services?|using|uses|used|memory|mem|"
    r"cpu|ram|started|alive|status|details?|info|threads?|instances?|copies|doing|hung|stuck)\b",
    re.I,
)
RUNNING_QUESTION = re.compile(
    r"^\s*(?:is|are)\s+(?:the\s+|a\s+)?(?P<name>[\w.\-:]+)\s+(?:process\s+|service\s+|"
    r"daemon\s+)?(?:still\s+)?(?:running|alive|up)\b",
    re.I,
)


def find_sort(text: str) -> str | None:
    """ "memory" or "cpu", by the first noun that names one, else the first hint."""
    words = re.findall(r"[a-z]+", text.lower())
    if any(len(w) >= 5 and get_close_matches(w, ["memory"], cutoff=0.8) for w in words):
        text += " memory"  # "memroy"
    for mem_re, cpu_re in ((MEMORY_NOUNS, CPU_NOUNS), (MEMORY_HINTS, CPU_HINTS)):
        mem, cpu = mem_re.search(text), cpu_re.search(text)
        if mem and cpu:
            return "memory" if mem.start() < cpu.start() else "cpu"
        if mem or cpu:
            return "memory" if mem else "cpu"
    return None


def _top(c: Clause) -> dict[str, Any]:
    args: dict[str, Any] = {}
    if (sort := find_sort(c.text)) is not None:
        args["sort_by"] = sort
    if (limit := find_limit(c.text)) is not None:
        args["limit"] = limit
    return args


TOP = Card(extract=_top, about_files=False)


# "is anything running": no process is named; STOP has the pronouns.
VAGUE = STOP | {"anything", "something", "everything", "nothing", "there", "stuff"}


def asked_if_running(text: str) -> str | None:
    """The name in "is NAME running" (a question about one process by name)."""
    m = RUNNING_QUESTION.match(text)
    return m.group("name") if m else None


def _similar(c: Clause) -> list[str]:
    return similar_names(c.text, c.world.running_names(), exclude=set(c.common))


def _names_process(c: Clause) -> str | None:
    """A pid, or a running process's own name; "is ghostsvcd running" with nothing of that
    name (or near it) running is answered honestly: it is not."""
    if PID.search(c.text):
        return "the request names a pid"
    names = {n for n in c.world.running_names() if len(n) >= 3 and n.lower() not in c.common}
    found = find_process(c.text, names)
    if found and PROCESS_CONTEXT.search(c.text):  # "timeout" alone is not the timeout process
        return f"the request names the running process {found['name']!r}"
    name = asked_if_running(c.text)
    if name is not None and name.lower() not in VAGUE and not _similar(c):
        raise Unclear(f"No process named {name!r} is running (checked the process list)")
    return None


def _info_choices(c: Clause, args: dict[str, Any]) -> dict[str, list[Any]] | None:
    """One of pid / name is needed; the only names worth choosing are running ones."""
    if args:
        return None
    names = _similar(c)
    if not names:
        raise Unclear(
            "I would use process_info, but the request does not say its name "
            "(no running process matches)"
        )
    return {"name": names}


INFO = Card(
    extract=lambda c: find_process(c.text, c.world.running_names()),
    claim=_names_process,
    stage=Stage.LAST,
    about_files=False,
    choices=_info_choices,
)


def _kill(c: Clause) -> dict[str, Any]:
    m = PID.search(c.text) or KILL_PID.search(c.text)
    args: dict[str, Any] = {"pid": int(m.group(1))} if m else {}
    if FORCE.search(c.text):
        args["force"] = True
    return args


def _kill_claim(c: Clause) -> str | None:
    """An order to stop a process; one at a time, by pid, never all of a kind."""
    if not KILL_INTENT.search(c.text):
        return None
    if BULK.search(c.text):
        raise Unclear(
            "I can stop one process at a time, by pid, not all of a kind; "
            "ask 'is NAME running' to see their pids, then kill one"
        )
    return "the request asks to stop a process"


def pid_by_name(missing: str) -> Choices:
    """The ``choices`` of a tool that acts on one process: the pid when exactly one running
    process has a name the request states ("kill the stuckjob process"); unsure otherwise,
    listing the pids to choose from, or saying ``missing``."""

    def choices(c: Clause, args: dict[str, Any]) -> dict[str, list[Any]] | None:
        if "pid" in args:
            return None
        for name in names_in(c.text, c.world.running_names()):
            pids = c.world.pids_named(name)
            if len(pids) == 1:
                return {"pid": pids}
            if pids:
                listed = ", ".join(map(str, pids[:10]))
                raise Unclear(
                    f"{len(pids)} processes are named {name!r} (pids {listed}); say which pid"
                )
        raise Unclear(missing)

    return choices


KILL = Card(
    extract=_kill,
    claim=_kill_claim,
    stage=Stage.ORDER,
    choices=pid_by_name(
        "I would use kill_process, but the request names no pid or running process "
        "(ask 'is NAME running' to check)"
    ),
)
