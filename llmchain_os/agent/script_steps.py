"""Planning "write a script that ...": draft it, then save it; "and run it" and "every night"
add steps that refer to the saved script.

The plan carries the whole script and its review (lint, the risk of each line), so what a
person approves is exactly what is saved. A script the model wrote is marked
``needs_consent``: it is asked about whatever the flags say.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from llmchain_os.agent.plan import Step
from llmchain_os.agent.scripting import Draft, draft_script
from llmchain_os.safety.risk import Risk
from llmchain_os.scripts.cron import find_schedule

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from llmchain_os.agent.policy import Decision
    from llmchain_os.tools.registry import ToolRegistry

SCRIPT_REQUEST = re.compile(
    r"\b(?:write|make|create|generate|draft|give|need|want|save)\b(?:\s+\w+){0,4}?\s+"
    r"(?:bash\s+|python3?\s+|shell\s+|cron\s+|small\s+|simple\s+)?script\b"
    # "a script to ...", not "schedule the greet script to run" (a saved one, by name)
    r"|(?:^|\b(?:a|an)\s+(?:[\w-]+\s+){0,2}?)script\s+(?:that|to|which)\b",
    re.I,
)
RUN_IT = re.compile(
    r"[,;]?\s*\b(?:and|then)\s+(?:then\s+)?(?:run|execute|start)\s+it(?:\s+(?:now|once))?\b",
    re.I,
)
RUN_SAVED = re.compile(
    r"^(?:please\s+)?(?:run|execute|start)\s+(?:the\s+|my\s+)?(?:saved\s+)?"
    r"(?:script\s+([a-z0-9][a-z0-9-]{0,39})|([a-z0-9][a-z0-9-]{0,39})\s+script)\W*$",
    re.I,
)


GIVEN_NAME = re.compile(
    r"\bscript\s+(?:called|named)\s+[\"'`]?([A-Za-z0-9][\w-]{0,39}?)(?:\.(?:sh|py|bash))?"
    r"[\"'`]?(?=[\s,.;:!?]|$)",
    re.I,
)


def given_name(text: str) -> tuple[str | None, str]:
    """The name the request gives ("a script called disk-report"), and the request without
    it: the name is the user's word for the script, not part of the chore ("count-logs"
    must not pick the compress-logs template)."""
    m = GIVEN_NAME.search(text)
    if m is None:
        return None, text
    name = m.group(1).lower().replace("_", "-")
    return name, f"{text[: m.start()]}script{text[m.end() :]}"


def is_script_request(text: str) -> bool:
    """Does the request ask for a script to be written ("make me a backup script")?"""
    return SCRIPT_REQUEST.search(text) is not None


RUN_BARE = re.compile(r"^(?:please\s+)?(?:run|execute|start)\s+([a-z0-9][a-z0-9-]{0,39})\W*$", re.I)


def saved_script_named(text: str, names: set[str]) -> str | None:
    """A saved script's name in "run the script NAME" / "run my NAME script" / "run NAME".

    A bare "run NAME" counts only when no program of that name is on PATH (then the request
    may mean the program, and the shell's rules apply)."""
    import shutil

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


def _unique_name(name: str, text: str) -> str:
    """The draft's name, or NAME-2, -3 ... when a different saved script has it."""
    from llmchain_os.errors import ToolError
    from llmchain_os.scripts.library import ScriptLibrary, sha256_text

    lib = ScriptLibrary()
    try:
        taken = {r.name: r.sha256 for r in lib.list()}
    except ToolError:
        return name
    candidate, n = name, 1
    while candidate in taken and taken[candidate] != sha256_text(text):
        n += 1
        candidate = f"{name[: 40 - len(str(n)) - 1]}-{n}"
    return candidate


def review_note(draft: Draft) -> str:
    """What the plan shows under the script: where it came from, lint, each line's risk."""
    from llmchain_os.scripts.lint import review

    origin = (
        f"from the {draft.template} template"
        if draft.source == "template"
        else "drafted by the model: read it before running"
    )
    writes = f"; writes {', '.join(draft.writes)}" if draft.writes else ""
    return f"{draft.description} ({origin}{writes})\n{review(draft.text, draft.language).text()}"


def script_steps(text: str, model: BaseChatModel | None, registry: ToolRegistry) -> list[Step]:
    """The steps for a script request; raises DraftError when no script can be drafted."""
    from llmchain_os.scripts.lint import assess_script

    run = RUN_IT.search(text) is not None
    when = find_schedule(text) if "schedule_script" in registry else None
    chore = RUN_IT.sub(" ", text)
    if when:
        chore = chore.replace(when, " ")
    name, chore = given_name(chore)
    draft = draft_script(chore, model)
    args = {
        "name": _unique_name(name or draft.name, draft.text),
        "language": draft.language,
        "text": draft.text,
        "description": draft.description,
        "writes": draft.writes,
    }
    by_model = draft.source == "model"
    steps = [
        Step(
            tool="save_script",
            args=args,
            risk=Risk.WRITE,
            why=review_note(draft),
            needs_consent=by_model,
        )
    ]
    if run and "run_script" in registry:
        risk = assess_script(draft.text, draft.language).risk
        from llmchain_os.tools.scripts import run_plan

        why = f"the request says to run it; {run_plan(draft.writes)}"
        steps.append(
            Step(
                tool="run_script",
                risk=risk,
                why=why,
                refs={"name": "script"},
                needs_consent=by_model,
            )
        )
    if when:
        steps.append(
            Step(
                tool="schedule_script",
                args={"when": when},
                risk=registry.risk_of("schedule_script", {"script": args["name"], "when": when}),
                why=f"the request says {when!r}",
                refs={"script": "script"},
            )
        )
    return steps


def edit_text(text: str, suffix: str) -> str:
    """Open $VISUAL / $EDITOR (default vi) on a private temp copy of ``text``; the result.

    The editor command is split like a shell would (``code --wait``) but never run through
    one; the copy is removed afterwards.
    """
    import os
    import shlex
    import subprocess
    import tempfile

    editor = shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi")
    fd, path = tempfile.mkstemp(prefix="llmos-script-", suffix=suffix)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        done = subprocess.run([*editor, path], check=False)
        if done.returncode != 0:
            raise OSError(f"the editor {editor[0]} exited with {done.returncode}; nothing changed")
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    finally:
        os.unlink(path)


def edited_step(step: Step, show: Callable[[str], None]) -> Step | None:
    """A script step after the person edits it, re-linted and re-explained via ``show``.

    save_script: the edited text replaces the step's. run_script: the saved file is
    replaced (with its record), and the same step goes back to be assessed again. None when
    nothing changed.
    """
    from llmchain_os.scripts.library import SUFFIX, ScriptLibrary
    from llmchain_os.scripts.lint import review

    if step.tool == "save_script":
        old, language = str(step.args["text"]), str(step.args["language"])
    else:
        lib = ScriptLibrary()
        record = lib.get(str(step.args["name"]))
        old, language = lib.text(record.name), record.language
    new = edit_text(old, SUFFIX[language])
    if new == old:
        show("unchanged")
        return None
    show(review(new, language).text())
    if step.tool == "save_script":
        return step.model_copy(update={"args": {**step.args, "text": new}, "needs_consent": True})
    lib.save(record.name, new, record.language, record.description, record.writes)
    return step


EDITABLE = frozenset({"save_script", "run_script"})


def script_question(step: Step, decision: Decision) -> str:
    """The approval question for a script step, short (the plan showed the text), with "e"."""
    name = step.args.get("name", "the script")
    verb = "Save" if step.tool == "save_script" else "Run"
    warn = " This cannot be undone." if decision.risk is Risk.DESTRUCTIVE else ""
    return (
        f"{verb} script {name}? It is {decision.risk.value}: {decision.reason}.{warn} "
        "[y/N, e to edit] "
    )
