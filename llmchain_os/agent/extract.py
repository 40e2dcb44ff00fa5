"""Which arguments: read them off the request where it states them.

Small models copy example arguments and invent numbers; a regex does not. Each extractor
returns only what the text says; whatever is left is for the model, under a grammar that
allows only spans of the request or known values (see ``candidates``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from difflib import get_close_matches
from typing import Any

from llmchain_os.agent.paths import PATH as PATH  # re-exported: scripting reads them here
from llmchain_os.agent.paths import find_paths as find_paths
from llmchain_os.agent.paths import is_file_word
from llmchain_os.agent.retrieval import STOP
from llmchain_os.agent.spelled import Ask, spelled_command
from llmchain_os.agent.spelled import bare_command as bare_command  # re-exported

NUMBER_WORDS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "dozen": 12,
    "a dozen": 12,
    "thirty": 30,
    "fifty": 50,
}
QUOTED = re.compile(r"`([^`]+)`|'([^']+)'|\"([^\"]+)\"")
PID = re.compile(r"\b(?:pid|proc|process(?:\s+(?:id|number))?|#)\s*#?\s*(\d{1,7})\b", re.I)
REMOTE_TARGET = re.compile(
    r"\b(?:on|at|to|from|in)\s+(?:the\s+)?(?:host|server|box|machine)?\s*"
    r"(?P<host>[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)+)\b"
    r"|\b(?:every|all|each|other|remote)\s+(?:\w+\s+){0,2}(?:hosts?|servers?|nodes?|boxes)\b"
    r"|\bthe\s+(?:\w+\s+){0,2}(?:hosts|servers|nodes)\b"
    r"|\b(?:ssh|ping)\b",
    re.I,
)
# Nouns that name the resource outright beat adjectives that only hint at it.
MEMORY_NOUNS = re.compile(r"\b(memory|mem|ram|rss|swap)\b", re.I)
CPU_NOUNS = re.compile(r"\b(cpu|processor|cores?)\b", re.I)
MEMORY_HINTS = re.compile(r"\b(hungr\w*|big\w*|larg\w*|fat\w*)\b", re.I)
CPU_HINTS = re.compile(r"\b(busy|busiest|load|hog\w*|slow\w*|heav\w*)\b", re.I)
SINGULAR_TOP = re.compile(
    r"\b(?:the|which)\s+(?:single\s+)?(?:\w+est|top|most\s+\w+)\s+(?:process|program|app)\b"
    r"(?!e?s)|\bwhich\s+(?:process|program|app)\b(?!e?s)",
    re.I,
)
PRONOUN = re.compile(r"\b(its|it|that process|this process|that one|them|their)\b", re.I)


def find_limit(text: str) -> int | None:
    without = PATH.sub(" ", PID.sub(" ", text))
    for m in re.finditer(r"\b(\d{1,3})\b", without):
        if 1 <= int(m.group(1)) <= 50:
            return int(m.group(1))
    lowered = without.lower()
    for word in sorted(NUMBER_WORDS, key=len, reverse=True):
        if re.search(rf"\b{word}\b", lowered):
            return NUMBER_WORDS[word]
    return 1 if SINGULAR_TOP.search(text) else None


def _fix_typos(text: str) -> str:
    words = re.findall(r"[a-z]+", text.lower())
    fixed = [w for w in words if len(w) >= 5 and get_close_matches(w, ["memory"], cutoff=0.8)]
    return text + " memory" if fixed else text


def find_sort(text: str) -> str | None:
    text = _fix_typos(text)
    for mem_re, cpu_re in ((MEMORY_NOUNS, CPU_NOUNS), (MEMORY_HINTS, CPU_HINTS)):
        mem, cpu = mem_re.search(text), cpu_re.search(text)
        if mem and cpu:
            return "memory" if mem.start() < cpu.start() else "cpu"
        if mem or cpu:
            return "memory" if mem else "cpu"
    return None


def find_command(text: str, names: Callable[[], set[str]] = set) -> str | None:
    """The command line the text asks to run, exactly as spelled (see ``agent.spelled``)."""
    said = spelled_command(text, lambda t: bare_command(t, set(), names))
    return said.command if said is not None and said.ask is Ask.RUN else None


def remote_target(text: str) -> str | None:
    """The other host(s) a request is about, if any ("on web-02.prod", "every web host")."""
    for m in REMOTE_TARGET.finditer(text):
        if m.group("host") is None:
            return m.group(0)
        if not is_file_word(m.group("host")):  # "lines in notes.txt" is about a file
            return m.group("host")
    return None


def find_process(text: str, names: Iterable[str]) -> dict[str, Any]:
    m = PID.search(text)
    if m:
        return {"pid": int(m.group(1))}
    known = set(names)
    tokens = re.findall(r"[\w.\-:]+", text)
    hits = [t for t in tokens if t in known and t.lower() not in STOP]
    return {"name": max(hits, key=len)} if hits else {}


def similar_names(text: str, names: Iterable[str], exclude: set[str]) -> list[str]:
    """Running process names close to a word of the request ("pyhton3" -> "python3")."""
    known = sorted(set(names))
    found: set[str] = set()
    for word in re.findall(r"[\w.\-:]+", text):
        if len(word) >= 3 and word.lower() not in STOP and word.lower() not in exclude:
            found.update(get_close_matches(word, known, n=3, cutoff=0.75))
    return sorted(found)[:16]


def running_names() -> set[str]:
    import psutil

    names: set[str] = set()
    for proc in psutil.process_iter(["name"]):
        if proc.info["name"]:
            names.add(proc.info["name"])
    return names


def _disk(text: str, _names: Callable[[], set[str]]) -> dict[str, Any]:
    paths = find_paths(text)
    return {"path": paths[0]} if paths else {}


def _top(text: str, _names: Callable[[], set[str]]) -> dict[str, Any]:
    args: dict[str, Any] = {}
    if (sort := find_sort(text)) is not None:
        args["sort_by"] = sort
    if (limit := find_limit(text)) is not None:
        args["limit"] = limit
    return args


def _proc(text: str, names: Callable[[], set[str]]) -> dict[str, Any]:
    return find_process(text, names())


def _shell(text: str, names: Callable[[], set[str]]) -> dict[str, Any]:
    command = find_command(text, names)
    return {"command": command} if command else {}


def saved_scripts() -> set[str]:
    """Names in the script library; none when it cannot be read (the planner goes on)."""
    from llmchain_os.errors import ToolError
    from llmchain_os.scripts.library import ScriptLibrary

    try:
        return {r.name for r in ScriptLibrary().list()}
    except ToolError:
        return set()


def _script(text: str, _names: Callable[[], set[str]]) -> dict[str, Any]:
    name = saved_named(text)
    return {"name": name} if name else {}


def saved_named(text: str) -> str | None:
    """The longest saved script name among the text's words."""
    saved = saved_scripts()
    hits = [t for t in re.findall(r"[a-z0-9][a-z0-9-]*", text.lower()) if t in saved]
    return max(hits, key=len) if hits else None


# -- files and kill_process ---------------------------------------------------------------
GLOB_WORD = re.compile(r"(?<![\w/~])(\*?[\w.\-]*[*?][\w.\-*?]*)")
EXTENSIONS = frozenset(
    "log tmp bak txt iso gz zip pdf jpg png mp4 core swp csv json tar deb rpm conf old".split()
)
EXT_FILES = re.compile(r"(?<![\w/])\.?([a-z0-9]{1,5})\s+(?:files?|backups?|dumps?)\b", re.I)
AGE = re.compile(
    r"\b(?:older than|more than|over|at least)\s+(\d+|an?|\w+)\s+(day|week|month|year)s?",
    re.I,
)
# "haven't been modified in 90 days": as old as "older than 90 days".
UNTOUCHED = re.compile(
    r"(?:\bnot|n't|\bnever)\s+(?:been\s+)?(?:touched|modified|changed|edited|updated|used|"
    r"accessed|opened)\s+(?:in|for|within)\s+(?:the\s+(?:last|past)\s+)?(\d+|an?|\w+)\s+"
    r"(day|week|month|year)s?",
    re.I,
)
KINDS = {"python": "py", "shell": "sh", "text": "txt", "markdown": "md", "javascript": "js"}
KIND_FILES = re.compile(rf"\b({'|'.join(KINDS)})\s+(?:source\s+)?(?:files?|scripts?)\b", re.I)
DAYS_PER = {"day": 1, "week": 7, "month": 30, "year": 365}
BYTES = re.compile(
    r"\b(?:bigger|larger|more|over|above|greater)\s+(?:than\s+)?(\d+(?:\.\d+)?\s*[kmgt]i?b)\b",
    re.I,
)
RECURSIVE = re.compile(r"\b(?:under|recursive(?:ly)?|everything|tree)\b", re.I)
WHOLE_FOLDER = re.compile(r"\b(?:folder|directory|dir)\b", re.I)
EVERYTHING = re.compile(r"\b(?:everything|all(?: the)? files)\s+(?:in|under|inside)\b", re.I)
# An order to delete, at the start of a clause ("how much would deleting X free" is not one).
DELETE_INTENT = re.compile(
    r"^\s*(?:please\s+)?(?:delete|remove|erase|trash|wipe|get rid of|clean\s*up)\b", re.I
)
KILL_PID = re.compile(r"\b(?:kill|terminate|stop|end)\s+(?:-\w+\s+)?(\d{1,7})\b", re.I)
# Asking to stop a process (never "OOM killed", "stop the service", "the end of the log").
KILL_INTENT = re.compile(
    r"\b(?:kill|terminate|sigterm|sigkill)\b|\b(?:stop|end)\s+(?:the\s+)?(?:process|pid)\b",
    re.I,
)
FORCE = re.compile(r"\b(?:force\w*|sigkill|hard)\b|-9\b", re.I)
APPEND = re.compile(r"\b(?:append|add)\b", re.I)
# Unquoted text spelled out after a marker, to the end of the request.
WORDED_CONTENT = re.compile(
    r"\b(?:with the (?:text|line|words?|contents?)|containing the (?:text|line)|that says|"
    r"saying)\s+(?P<c>\S.*?)\s*$",
    re.I,
)
ADD_LINE = re.compile(
    r"^\s*(?:please\s+)?(?:append|add)\s+(?:the\s+)?(?:line|text|words?)\s+(?P<c>\S.*?)\s+"
    r"(?:to|into|at the end of)\s+\S+\s*$",
    re.I,
)


def _path(text: str) -> str | None:
    paths = find_paths(text)
    return (paths[0].rstrip("/") or "/") if paths else None


def find_pattern(text: str) -> str | None:
    """A glob ("*.tmp") or a kind of file ("the log files" -> "*.log")."""
    for m in GLOB_WORD.finditer(PATH.sub(" ", text)):
        if "*" in m.group(1) or "?" in m.group(1).rstrip("?"):  # "folder?" ends a question
            return m.group(1)
    for m in EXT_FILES.finditer(text):
        if m.group(1).lower() in EXTENSIONS:
            return f"*.{m.group(1).lower()}"
    kind = KIND_FILES.search(text)
    return f"*.{KINDS[kind.group(1).lower()]}" if kind else None


def find_age_days(text: str) -> int | None:
    m = AGE.search(text) or UNTOUCHED.search(text)
    if m is None:
        return None
    count = m.group(1).lower()
    n = int(count) if count.isdigit() else 1 if count in ("a", "an") else NUMBER_WORDS.get(count)
    return None if n is None else n * DAYS_PER[m.group(2).lower()]


def _file_filters(text: str) -> dict[str, Any]:
    args: dict[str, Any] = {}
    if (path := _path(text)) is not None:
        args["path"] = path
    if (pattern := find_pattern(text)) is not None:
        args["pattern"] = pattern
    if (days := find_age_days(text)) is not None:
        args["older_than_days"] = days
    return args


def _find(text: str, _names: Callable[[], set[str]]) -> dict[str, Any]:
    args = _file_filters(text)
    if (size := BYTES.search(text)) is not None:
        args["larger_than"] = size.group(1).replace(" ", "")
    return args


def _delete(text: str, _names: Callable[[], set[str]]) -> dict[str, Any]:
    args = _file_filters(text)
    if "pattern" not in args and EVERYTHING.search(text):
        args["pattern"] = "*"  # what is in the folder, not the folder itself
    if RECURSIVE.search(text) or ("pattern" not in args and WHOLE_FOLDER.search(text)):
        args["recursive"] = True
    return args


def _info(text: str, _names: Callable[[], set[str]]) -> dict[str, Any]:
    path = _path(text)
    return {"path": path} if path else {}


def _write(text: str, _names: Callable[[], set[str]]) -> dict[str, Any]:
    args: dict[str, Any] = {}
    if (path := _path(text)) is not None:
        args["path"] = path
    quoted = [next(g for g in m.groups() if g) for m in QUOTED.finditer(text)]
    content = [q for q in quoted if q.rstrip("/") != args.get("path")]
    worded = WORDED_CONTENT.search(text) or ADD_LINE.search(text)
    if content:
        args["content"] = content[0]
    elif worded and worded.group("c") != args.get("path"):
        args["content"] = worded.group("c")  # "with the text buy milk": said, not made up
    if APPEND.search(text):
        args["append"] = True
    return args


def _kill(text: str, _names: Callable[[], set[str]]) -> dict[str, Any]:
    m = PID.search(text) or KILL_PID.search(text)
    args: dict[str, Any] = {"pid": int(m.group(1))} if m else {}
    if FORCE.search(text):
        args["force"] = True
    return args


# -- schedule_script, remove_job ----------------------------------------------------------
SCHEDULE_VERB = re.compile(r"\b(?:schedule|cron|run|execute|start)\b", re.I)
SCHEDULE_WORD = re.compile(r"\b(?:schedule|cron)\b", re.I)
NAME_AFTER = re.compile(
    r"\b(?:schedule|unschedule|job\s+for)\s+(?:the\s+|my\s+)?(?:script\s+)?"
    r"([a-z0-9][a-z0-9-]{0,39})\b",
    re.I,
)
JOB_ID = re.compile(r"\b([0-9a-f]{8})\b")
# An order to remove a scheduled job; before the delete rule, which would take "remove job".
REMOVE_JOB = re.compile(
    r"^\s*(?:please\s+)?(?:delete|remove|cancel|drop|rm|stop)\s+(?:the\s+|my\s+|a\s+)?"
    r"(?:scheduled\s+|cron\s+)?job\b|^\s*(?:please\s+)?unschedule\b",
    re.I,
)
NOT_NAMES = frozenset("it that this them every each daily nightly hourly weekly monthly".split())


def named_script(text: str) -> str | None:
    """A saved script the text names, else the word after "schedule" ("schedule foo ...")."""
    if name := saved_named(text):
        return name
    m = NAME_AFTER.search(text)
    word = m.group(1).lower() if m else None
    return word if word and word not in NOT_NAMES and word not in STOP else None


def wants_schedule(text: str) -> bool:
    """The intent rule for "schedule backup-srv nightly" and "run it every night": a
    schedule, and a saved script (or "it") to run on it, not a command to run now."""
    from llmchain_os.scripts.cron import find_schedule

    if not SCHEDULE_VERB.search(text) or find_schedule(text) is None:
        return False
    if SCHEDULE_WORD.search(text):
        return True
    return refers_back(text) or any(t in saved_scripts() for t in re.findall(r"[\w-]+", text))


def _schedule(text: str, _names: Callable[[], set[str]]) -> dict[str, Any]:
    from llmchain_os.scripts.cron import find_schedule

    args: dict[str, Any] = {}
    if (script := named_script(text)) is not None:
        args["script"] = script
    if (when := find_schedule(text)) is not None:
        args["when"] = when
    return args


def _remove_job(text: str, _names: Callable[[], set[str]]) -> dict[str, Any]:
    m = JOB_ID.search(text)
    job = m.group(1) if m else named_script(text)
    return {"job": job} if job else {}


EXTRACTORS: dict[str, Callable[[str, Callable[[], set[str]]], dict[str, Any]]] = {
    "schedule_script": _schedule,
    "remove_job": _remove_job,
    "find_files": _find,
    "file_info": _info,
    "delete_files": _delete,
    "write_file": _write,
    "kill_process": _kill,
    "run_script": _script,
    "show_script": _script,
    "disk_usage": _disk,
    "top_processes": _top,
    "process_info": _proc,
    "run_shell": _shell,
}


def extract_args(
    tool: str, text: str, names: Callable[[], set[str]] = running_names
) -> dict[str, Any]:
    """The arguments of ``tool`` that ``text`` states; ``names`` lists running processes."""
    extractor = EXTRACTORS.get(tool)
    return extractor(text, names) if extractor else {}


def candidates(text: str) -> list[str]:
    """Spans of the request a model may choose as a string value (words, not stopwords)."""
    seen: dict[str, None] = {}
    for tok in re.findall(r"[\w.\-/~:]+", text):
        if tok.lower() not in STOP and len(tok) <= 64:
            seen.setdefault(tok, None)
    return list(seen)[:32]


def refers_back(text: str) -> bool:
    """Does this clause point at an earlier step's result ("show its details")?"""
    return PRONOUN.search(text) is not None
