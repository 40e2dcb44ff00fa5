"""The cards of the script and job tools: "run my backup script", "schedule backup-srv
nightly", "remove job 1a2b3c4d". Names are checked against the saved scripts the world
holds; a name the library lacks is an honest "no such script", never a shell command."""

from __future__ import annotations

import re
import shutil
from typing import Any

from llmchain_os.reading.words import STOP, refers_back
from llmchain_os.tools.card import Card, Clause, Role, Stage, Unclear

RUN_SAVED = re.compile(
    r"^(?:please\s+)?(?:run|execute|start)\s+(?:the\s+|my\s+)?(?:saved\s+)?"
    r"(?:script\s+([a-z0-9][a-z0-9-]{0,39})|([a-z0-9][a-z0-9-]{0,39})\s+script)\W*$",
    re.I,
)
RUN_BARE = re.compile(r"^(?:please\s+)?(?:run|execute|start)\s+([a-z0-9][a-z0-9-]{0,39})\W*$", re.I)
SCHEDULE_VERB = re.compile(r"\b(?:schedule|cron|run|execute|start)\b", re.I)
SCHEDULE_WORD = re.compile(r"\b(?:schedule|cron)\b", re.I)
NAME_AFTER = re.compile(
    r"\b(?:schedule|unschedule|job\s+for)\s+(?:the\s+|my\s+)?(?:script\s+)?"
    r"([a-z0-9][a-z0-9-]{0,39})\b",
    re.I,
)
JOB_ID = re.compile(r"\b([0-9a-f]{8})\b")
# An order to remove a scheduled job; before the delete claim, which would take "remove job".
REMOVE_JOB = re.compile(
    r"^\s*(?:please\s+)?(?:delete|remove|cancel|drop|rm|stop)\s+(?:the\s+|my\s+|a\s+)?"
    r"(?:scheduled\s+|cron\s+)?job\b|^\s*(?:please\s+)?unschedule\b",
    re.I,
)
NOT_NAMES = frozenset("it that this them every each daily nightly hourly weekly monthly".split())


def saved_script_named(text: str, names: set[str]) -> str | None:
    """A saved script's name in "run the script NAME" / "run my NAME script" / "run NAME".

    A bare "run NAME" counts only when no program of that name is on PATH (then the request
    may mean the program, and the shell's rules apply)."""
    m = RUN_SAVED.match(text.strip())
    name = (m.group(1) or m.group(2)).lower() if m else None
    if name is None and (bare := RUN_BARE.match(text.strip())):
        name = bare.group(1).lower() if shutil.which(bare.group(1)) is None else None
    return name if name in names else None


def missing_script(text: str, names: set[str]) -> str | None:
    """Why "run my saved script X" cannot be done when no saved script is called X.

    Only the explicit forms ("the script X", "my X script", "saved script X") count: the
    request is about the library, so running it as a shell command line would be a guess."""
    m = RUN_SAVED.match(text.strip())
    if m is None:
        return None
    name = (m.group(1) or m.group(2)).lower()
    if name in names:
        return None
    saved = ", ".join(sorted(names)) if names else "none yet"
    return f"No saved script is named {name!r} (saved scripts: {saved}); see 'llmos scripts list'"


def saved_named(c: Clause) -> str | None:
    """The longest saved script name among the clause's words."""
    saved = c.world.saved_scripts()
    hits = [t for t in re.findall(r"[a-z0-9][a-z0-9-]*", c.text.lower()) if t in saved]
    return max(hits, key=len) if hits else None


def named_script(c: Clause) -> str | None:
    """A saved script the clause names, else the word after "schedule" ("schedule foo ...")."""
    if name := saved_named(c):
        return name
    m = NAME_AFTER.search(c.text)
    word = m.group(1).lower() if m else None
    return word if word and word not in NOT_NAMES and word not in STOP else None


def _run_claim(c: Clause) -> str | None:
    saved = c.world.saved_scripts()
    if saved_script_named(c.text, saved):
        return "the request names a saved script"
    if missing := missing_script(c.text, saved):
        raise Unclear(missing)
    return None


SHOW_SAVED = re.compile(
    r"^(?:please\s+)?(?:show|display|print|cat|view|open|read)\s+(?:me\s+)?(?:the\s+|my\s+)?"
    r"(?:saved\s+)?(?:script\s+([a-z0-9][a-z0-9-]{0,39})|([a-z0-9][a-z0-9-]{0,39})\s+script)\W*$",
    re.I,
)


def _show_claim(c: Clause) -> str | None:
    """ "show me the greet script": a saved script by its name, never a file or a listing."""
    m = SHOW_SAVED.match(c.text.strip())
    name = (m.group(1) or m.group(2)).lower() if m else None
    return "the request names a saved script to show" if name in c.world.saved_scripts() else None


def _by_name(c: Clause) -> dict[str, Any]:
    name = saved_named(c)
    return {"name": name} if name else {}


def wants_schedule(c: Clause) -> bool:
    """ "schedule backup-srv nightly" and "run it every night": a schedule, and a saved
    script (or "it") to run on it, not a command to run now."""
    from llmchain_os.scripts.cron import find_schedule

    if not SCHEDULE_VERB.search(c.text) or find_schedule(c.text) is None:
        return False
    if SCHEDULE_WORD.search(c.text):
        return True
    saved = c.world.saved_scripts()
    return refers_back(c.text) or any(t in saved for t in re.findall(r"[\w-]+", c.text))


def _schedule(c: Clause) -> dict[str, Any]:
    from llmchain_os.scripts.cron import find_schedule

    args: dict[str, Any] = {}
    if (script := named_script(c)) is not None:
        args["script"] = script
    if (when := find_schedule(c.text)) is not None:
        args["when"] = when
    return args


def _remove_job(c: Clause) -> dict[str, Any]:
    m = JOB_ID.search(c.text)
    job = m.group(1) if m else named_script(c)
    return {"job": job} if job else {}


RUN = Card(extract=_by_name, claim=_run_claim, stage=Stage.FIRST, rank=2, role=Role.RUN_SCRIPT)
SHOW = Card(extract=_by_name, claim=_show_claim, stage=Stage.FIRST, rank=3)
SAVE = Card(role=Role.SAVE_SCRIPT, never_invent=frozenset({"name", "text"}))
SCHEDULE = Card(
    extract=_schedule,
    claim=lambda c: "the request says when to run a script" if wants_schedule(c) else None,
    stage=Stage.FIRST,
    never_invent=frozenset({"script", "when"}),
    role=Role.SCHEDULE,
)
REMOVE_JOB_CARD = Card(
    extract=_remove_job,
    claim=lambda c: (
        "the request asks to remove a scheduled job" if REMOVE_JOB.search(c.text) else None
    ),
    stage=Stage.FIRST,
    rank=1,
    never_invent=frozenset({"job"}),
)
