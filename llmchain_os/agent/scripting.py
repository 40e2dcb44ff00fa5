"""Drafting scripts: a parameterised template when one fits, else the model.

The embedded model (SmolLM2-135M) cannot write a correct backup script, so, as the planner
does for tools, the common chores are templates under prompts/script_templates/, chosen by
retrieval over their example requests, with their slots (paths, days, counts, percentages,
service names) read off the request by rules. Only a request no template fits goes to the
model, and its draft says so: "drafted by the model: read it before running". Any
BaseChatModel can be passed in: a bigger local model or the cloud writes better drafts.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from llmchain_os.agent.extract import NUMBER_WORDS, PATH, find_paths
from llmchain_os.agent.retrieval import ToolIndex
from llmchain_os.prompts import load_prompt, prompts_dir

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

Language = Literal["bash", "python"]
MIN_SCORE = 0.3
MAX_TOKENS = 384  # a 135M model runs on; a script past this is not one it can get right
MODEL_NOTE = "drafted by the model: read it before running"
SLOT = re.compile(r"\{\{(\w+)\}\}")
FENCE = re.compile(r"```[\w+-]*\n(.*?)(?:```|$)", re.S)
SERVICE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9@._-]{0,63}$")
NOT_SERVICES = frozenset("the a an that this my it is if when and or its service".split())
SERVICE_PATTERNS = [
    re.compile(r"\b(?:service|daemon|unit)\s+([A-Za-z0-9][\w@.-]*)", re.I),
    re.compile(r"\b([A-Za-z0-9][\w@.-]*)\s+(?:service|daemon|unit)\b", re.I),
    re.compile(r"\b(?:that|if|whether|sure)\s+([A-Za-z0-9][\w@.-]*)\s+is\s+(?:running|up)", re.I),
    re.compile(r"\bkeep\s+(?:the\s+)?([A-Za-z0-9][\w@.-]*)\s+(?:alive|running|up)", re.I),
    re.compile(r"\b(?:restart(?:s|ing)?|watch(?:es)?)\s+([A-Za-z0-9][\w@.-]*)", re.I),
]
UNITS = {"day": 1, "week": 7, "month": 30, "year": 365}


class DraftError(Exception):
    """No script could be drafted; the message says what the request should add."""


@dataclass(frozen=True)
class Slot:
    name: str
    kind: str  # path | days | count | percent | service
    default: str | None


@dataclass(frozen=True)
class Template:
    """A script with {{slots}}; its header lines (#@ key: value) are not part of it."""

    name: str
    short: str
    language: Language
    description: str
    slots: list[Slot]
    examples: list[str]
    writes: list[str]
    body: str


@dataclass(frozen=True)
class Draft:
    """A script ready to lint and save. ``writes``: the paths it writes (for the sandbox)."""

    text: str
    language: Language
    name: str
    description: str
    source: Literal["template", "model"]
    template: str | None = None
    writes: list[str] = field(default_factory=list)


# -- templates --------------------------------------------------------------------------
def _parse_template(path: Path) -> Template:
    header: dict[str, list[str]] = {}
    body: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"^#@ (\w+): (.*)$", line)
        if m and not body:
            header.setdefault(m.group(1), []).append(m.group(2).strip())
        else:
            body.append(line)
    slots = []
    for spec in " ".join(header.get("slots", [])).split():
        name, kind, *default = spec.split("=", 1)[0], *spec.split("=", 1)[1].split(":", 1)
        slots.append(Slot(name, kind, default[0] if default else None))
    return Template(
        name=path.stem,
        short=(header.get("name") or [path.stem.split("-")[0]])[0],
        language="python" if path.suffix == ".py" else "bash",
        description=header["description"][0],
        slots=slots,
        examples=header.get("example", []),
        writes=" ".join(header.get("writes", [])).split(),
        body="\n".join(body) + "\n",
    )


@cache
def load_templates() -> dict[str, Template]:
    """prompts/script_templates/*: each file one template (see the #@ header lines)."""
    folder = prompts_dir() / "script_templates"
    return {p.stem: _parse_template(p) for p in sorted(folder.iterdir()) if p.is_file()}


BOILERPLATE = re.compile(
    r"\b(?:write|make|create|generate|give|need|want|me|us|a|an|small|simple|quick|"
    r"bash|python3?|shell|sh|scripts?|that|which|to|for|program|please)\b",
    re.I,
)


def chore(text: str) -> str:
    """The request without "write me a script that" and its paths: those words would match
    templates by their example paths (/tmp) rather than by the chore."""
    return " ".join(BOILERPLATE.sub(" ", PATH.sub(" ", text)).split())


@cache
def _index() -> ToolIndex:
    return ToolIndex({t.name: [chore(e) for e in t.examples] for t in load_templates().values()})


def choose_template(request: str, language: str | None = None) -> Template | None:
    """The template whose examples are nearest the request, if near enough."""
    for match in _index().rank(chore(request)):
        if match.score < MIN_SCORE:
            return None
        template = load_templates()[match.tool]
        if language is None or template.language == language:
            return template
    return None


# -- slots, read off the request --------------------------------------------------------
def find_days(text: str) -> int | None:
    m = re.search(r"\b(\d{1,5})\s*-?\s*(day|week|month|year)s?\b", text, re.I)
    if m:
        return int(m.group(1)) * UNITS[m.group(2).lower()]
    words = "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
    m = re.search(rf"\b(a|an|one|{words})\s+(day|week|month|year)s?\b", text, re.I)
    if m:
        count = 1 if m.group(1).lower() in ("a", "an") else NUMBER_WORDS[m.group(1).lower()]
        return count * UNITS[m.group(2).lower()]
    return None


def find_count(text: str) -> int | None:
    for pattern in (
        r"\b(?:keep(?:ing)?|last|top|newest)\s+(?:the\s+)?(\d{1,4})\b",
        r"\b(\d{1,4})\s+(?:copies|backups|archives|versions|biggest|largest|files|processes)",
    ):
        m = re.search(pattern, text, re.I)
        if m and int(m.group(1)) > 0:
            return int(m.group(1))
    return None


def find_percent(text: str) -> int | None:
    m = re.search(r"\b(\d{1,3})\s*(?:%|percent\b|per cent\b)", text, re.I)
    return int(m.group(1)) if m and 1 <= int(m.group(1)) <= 100 else None


def find_service(text: str) -> str | None:
    for pattern in SERVICE_PATTERNS:
        for m in pattern.finditer(text):
            name = m.group(1)
            if name.lower() not in NOT_SERVICES and SERVICE_NAME.match(name):
                return name
    return None


def _paths(template: Template, text: str) -> dict[str, str]:
    """Paths in the order the request gives them; a lone path after "to" is the target."""
    names = [s.name for s in template.slots if s.kind == "path"]
    for m in PATH.finditer(text):
        after = text[m.end() : m.end() + 1]
        if after and not after.isspace() and after not in ".,;:!?)'\"":
            raise DraftError(
                f"The path {m.group(0) + text[m.end() :].split()[0]!r} has characters a path "
                "here may not (only letters, digits and . _ - @ % + /): rename it or "
                "write the script yourself"
            )
    found = find_paths(text)
    if len(names) == 2 and len(found) == 1:
        before = text[: text.find(found[0])] if found[0] in text else text
        if re.search(r"\b(?:to|into|onto|in)\s*$", before, re.I):
            return {names[1]: found[0]}
    return dict(zip(names, found, strict=False))


def fill_slots(template: Template, text: str) -> dict[str, str]:
    """Every slot's value from the request or its default; DraftError names what is missing."""
    values = _paths(template, text)
    finders = {"days": find_days, "count": find_count, "percent": find_percent}
    for slot in template.slots:
        if slot.kind in finders:
            found = finders[slot.kind](text)
            if found is not None:
                values[slot.name] = str(found)
        elif slot.kind == "service" and (svc := find_service(text)):
            values[slot.name] = svc
        if slot.name not in values and slot.default is not None:
            values[slot.name] = slot.default
    missing = [s for s in template.slots if s.name not in values]
    if missing:
        what = ", ".join(f"{s.name} ({s.kind})" for s in missing)
        raise DraftError(
            f"The {template.name} script needs the {what}; say it in the request "
            f"(e.g. {template.examples[0]!r})"
        )
    return values


def _code(value: str, kind: str, language: Language) -> str:
    """A slot value as source text: quoted, so a path cannot become code."""
    if kind in ("days", "count", "percent"):
        return str(int(value))
    if language == "python":
        return repr(value)
    if kind == "path" and (value == "~" or value.startswith("~/")):
        rest = value[1:]
        return '"$HOME"' + (shlex.quote(rest) if rest else "")
    return shlex.quote(value)


def render(template: Template, values: dict[str, str]) -> Draft:
    kinds = {s.name: s.kind for s in template.slots}
    text = SLOT.sub(
        lambda m: _code(values[m.group(1)], kinds[m.group(1)], template.language), template.body
    )
    description = SLOT.sub(lambda m: values[m.group(1)], template.description)
    first = next((values[s.name] for s in template.slots if s.kind in ("path", "service")), "")
    return Draft(
        text=text,
        language=template.language,
        name=script_name(f"{template.short} {_slug_source(first)}"),
        description=description,
        source="template",
        template=template.name,
        writes=[_written(w, values) for w in template.writes],
    )


def _written(spec: str, values: dict[str, str]) -> str:
    """A ``writes`` header entry as a path: "dest", or "parent:file" for a file's folder."""
    if spec.startswith("parent:"):
        return str(Path(values[spec.split(":", 1)[1]]).parent)
    return values[spec]


def _slug_source(value: str) -> str:
    if value in ("~", ""):
        return "home" if value else ""
    if value.strip("/") == "":
        return "root"
    return Path(value.rstrip("/")).name


def script_name(words: str) -> str:
    """A valid library name from some words ("backup /srv" -> "backup-srv")."""
    slug = re.sub(r"[^a-z0-9]+", "-", words.lower()).strip("-")[:40].strip("-")
    return slug or "script"


# -- the model ----------------------------------------------------------------------------
def strip_fences(reply: str) -> str:
    """The code inside a ``` fence if there is one, else the reply; small models add prose."""
    m = FENCE.search(reply)
    return (m.group(1) if m else reply).strip() + "\n"


def request_language(request: str) -> Language | None:
    if re.search(r"\bpython\d?\b", request, re.I):
        return "python"
    if re.search(r"\b(?:bash|shell|sh)\b", request, re.I):
        return "bash"
    return None


def model_draft(request: str, model: BaseChatModel, language: Language) -> Draft:
    from langchain_core.messages import HumanMessage, SystemMessage

    system = load_prompt("script_write", language=language)
    reply = model.invoke([SystemMessage(system), HumanMessage(request)], max_tokens=MAX_TOKENS)
    text = strip_fences(str(reply.content))
    if not text.strip():
        raise DraftError("The model wrote nothing; rephrase, or write the script yourself")
    if not text.startswith("#!"):
        shebang = "#!/usr/bin/env bash" if language == "bash" else "#!/usr/bin/env python3"
        text = f"{shebang}\n{text}"
    words = [w for w in re.findall(r"[a-z0-9]+", request.lower()) if w not in _FILLER][:4]
    return Draft(
        text=text,
        language=language,
        name=script_name(" ".join(words)),
        description=f"{MODEL_NOTE}: {request.strip()[:100]}",
        source="model",
    )


_FILLER = frozenset(
    "a an the that which to for me my please write make create generate give script bash "
    "python shell small simple quick new and it run".split()
)


def draft_script(
    request: str, model: BaseChatModel | None, language: Language | None = None
) -> Draft:
    """A script for ``request``: a filled template when one fits, else the model's draft.

    Raises DraftError when no template fits and there is no model, or a template fits but
    the request leaves out something it needs (the directory to back up).
    """
    language = language or request_language(request)
    template = choose_template(request, language)
    if template is not None:
        return render(template, fill_slots(template, request))
    if model is None:
        raise DraftError("No script template fits that request and no model is loaded to draft one")
    return model_draft(request, model, language or "bash")
