"""Planning "write a script that ...": draft it, then save it; "and run it" and "every night"
add steps that refer to the saved script.

The plan carries the whole script and its review (lint, the risk of each line), so what a
person approves is exactly what is saved. A script the model wrote is marked
``needs_consent``: it is asked about whatever the flags say. A script step the person edited
becomes steps again (``edited_steps``): the editor is the surface's, the saving a step's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from llmchain_os.agent.plan import Step
from llmchain_os.agent.scripting import Draft, Language, draft_script
from llmchain_os.safety.risk import Risk
from llmchain_os.scripts.cron import find_schedule
from llmchain_os.tools.card import Role
from llmchain_os.tools.scripts import run_script, save_script

# The library's own tools, whose steps a person may edit before they run.
SAVE, RUN = save_script.name, run_script.name

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

    save_tool = registry.by_role(Role.SAVE_SCRIPT)
    run_tool = registry.by_role(Role.RUN_SCRIPT) if RUN_IT.search(text) else None
    schedule = registry.by_role(Role.SCHEDULE)
    assert save_tool is not None, "the planner asks for script steps only with a save tool"
    when = find_schedule(text) if schedule is not None else None
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
            tool=save_tool.name,
            args=args,
            risk=Risk.WRITE,
            why=review_note(draft),
            needs_consent=by_model,
        )
    ]
    if run_tool is not None:
        risk = assess_script(draft.text, draft.language).risk
        from llmchain_os.tools.scripts import run_plan

        why = f"the request says to run it; {run_plan(draft.writes)}"
        steps.append(
            Step(
                tool=run_tool.name,
                risk=risk,
                why=why,
                refs={"name": "script"},
                needs_consent=by_model,
            )
        )
    if when and schedule is not None:
        steps.append(
            Step(
                tool=schedule.name,
                args={"when": when},
                risk=registry.risk_of(schedule.name, {"script": args["name"], "when": when}),
                why=f"the request says {when!r}",
                refs={"script": "script"},
            )
        )
    return steps


@dataclass(frozen=True)
class ScriptText:
    """A script as an editor gets it; ``suffix`` names the temporary copy (.sh, .py)."""

    name: str
    language: Language
    text: str

    @property
    def suffix(self) -> str:
        from llmchain_os.scripts.library import SUFFIX

        return SUFFIX[self.language]


def saved_script_text(name: str) -> ScriptText:
    """The saved script ``name`` as it is now; raises ScriptNotFound (a ToolError)."""
    from llmchain_os.scripts.library import ScriptLibrary

    record, text = ScriptLibrary().read(name)
    return ScriptText(record.name, record.language, text)


def script_text(step: Step) -> ScriptText:
    """The script a save_script step would save (its own text) or a run_script step would run
    (the saved file)."""
    if step.tool == SAVE:
        language: Language = "python" if step.args["language"] == "python" else "bash"
        return ScriptText(str(step.args["name"]), language, str(step.args["text"]))
    return saved_script_text(str(step.args["name"]))


def save_args(name: str, text: str) -> dict[str, Any]:
    """save_script's arguments that replace the text of the saved script ``name`` and keep
    the rest of its record (language, description, the paths it writes)."""
    from llmchain_os.scripts.library import ScriptLibrary

    record = ScriptLibrary().get(name)
    return {
        "name": record.name,
        "language": record.language,
        "text": text,
        "description": record.description,
        "writes": record.writes,
    }


def edited_steps(step: Step, text: str) -> list[Step]:
    """What runs instead of a script step the person edited (the shell's "e"), each step
    judged and asked about again by the executor.

    save_script: the same step with the edited text. run_script: a save_script step that
    puts the edited text in the library (a change like any other: asked and audited), then
    the same run, which is judged on the new text.
    """
    if step.tool == SAVE:
        args = {**step.args, "text": text}
        return [step.model_copy(update={"args": args, "needs_consent": True})]
    name = str(step.args["name"])
    save = Step(
        tool=SAVE,
        args=save_args(name, text),
        risk=Risk.WRITE,
        why=f"you edited {name} before running it",
    )
    return [save, step]


EDITABLE = frozenset({SAVE, RUN})


def script_question(step: Step, decision: Decision) -> str:
    """The approval question for a script step, short (the plan showed the text), with "e"."""
    name = step.args.get("name", "the script")
    verb = "Save" if step.tool == SAVE else "Run"
    warn = " This cannot be undone." if decision.risk is Risk.DESTRUCTIVE else ""
    return (
        f"{verb} script {name}? It is {decision.risk.value}: {decision.reason}.{warn} "
        "[y/N, e to edit] "
    )
