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

from llmchain_os.agent.retrieval import WORD, ToolIndex, stem
from llmchain_os.agent.script_slots import (
    find_count,
    find_days,
    find_fact,
    find_glob,
    find_message,
    find_pair,
    find_percent,
    find_service,
)
from llmchain_os.prompts import load_prompt, prompts_dir
from llmchain_os.reading.paths import PATH, find_paths

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

Language = Literal["bash", "python"]
MIN_SCORE = 0.3
MAX_TOKENS = 384  # a 135M model runs on; a script past this is not one it can get right
MODEL_NOTE = "drafted by the model: read it before running"
SLOT = re.compile(r"\{\{(\w+)\}\}")
FENCE = re.compile(r"```[\w+-]*\n(.*?)(?:```|$)", re.S)


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
    requires: tuple[frozenset[str], ...] = ()  # per group, a word the request must use


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
        requires=tuple(_terms(line) for line in header.get("requires", [])),
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


def fits_purpose(template: Template, request: str) -> bool:
    """Whether the request uses one of the words that say what the template does.

    Retrieval alone is lexical: "renames app.log" scored 0.49 on compress-logs through
    "log", and the template then gzipped /var/log. The ``requires`` header (compress, gzip,
    zip ...) is the template's purpose; a request that never says it gets no template."""
    said = _terms(request)
    return all(group & said for group in template.requires)


def _terms(text: str) -> frozenset[str]:
    """Words and their stems: the stemmer is crude ("compress" -> "compres")."""
    raw = WORD.findall(text.lower())
    return frozenset(raw) | frozenset(stem(w) for w in raw)


def applies(template: Template, request: str) -> bool:
    """Fits its purpose, and what it prints is named (else another template, or the model)."""
    found = {"text": find_message, "fact": find_fact}
    named = all(found[s.kind](request) is not None for s in template.slots if s.kind in found)
    return fits_purpose(template, request) and named


def choose_template(request: str, language: str | None = None) -> Template | None:
    """The nearest template, if near enough, that does what the request asks."""
    for match in _index().rank(chore(request)):
        if match.score < MIN_SCORE:
            return None
        template = load_templates()[match.tool]
        if (language is None or template.language == language) and applies(template, request):
            return template
    return None


# -- slots, read off the request --------------------------------------------------------
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
    if len(names) == 2 and len(found) < 2 and (pair := find_pair(text)):
        return dict(zip(names, pair, strict=True))
    if len(names) == 2 and len(found) == 1:
        before = text[: text.find(found[0])] if found[0] in text else text
        if re.search(r"\b(?:to|into|onto|in)\s*$", before, re.I):
            return {names[1]: found[0]}
    return dict(zip(names, found, strict=False))


def fill_slots(template: Template, text: str) -> dict[str, str]:
    """Every slot's value from the request or its default; DraftError names what is missing.

    A path is never a default: a script that acts on /var/log or ~/backups because the
    request said nothing acts on the wrong place (it gzipped real system logs once)."""
    values = _paths(template, text)
    finders = {
        "days": find_days,
        "count": find_count,
        "percent": find_percent,
        "text": find_message,
        "glob": find_glob,
        "fact": find_fact,
    }
    for slot in template.slots:
        if slot.kind in finders:
            found = finders[slot.kind](text)
            if found is not None:
                values[slot.name] = str(found)
        elif slot.kind == "service" and (svc := find_service(text)):
            values[slot.name] = svc
        if slot.name not in values and slot.default is not None and slot.kind != "path":
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
    first = next(
        (values[s.name] for s in template.slots if s.kind in ("path", "service", "fact")), ""
    )
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
    flaw = draft_flaw(text, language)
    if flaw is not None:
        raise DraftError(
            f"The model's draft is not usable ({flaw}); write the script yourself, or use a "
            "bigger model (--model PATH, or a cloud endpoint)"
        )
    words = [w for w in re.findall(r"[a-z0-9]+", request.lower()) if w not in _FILLER][:4]
    return Draft(
        text=text,
        language=language,
        name=script_name(" ".join(words)),
        description=f"{MODEL_NOTE}: {request.strip()[:100]}",
        source="model",
    )


ECHO_ONLY = re.compile(r"^(?:echo|printf)\b[^$`]*$")


def draft_flaw(text: str, language: Language) -> str | None:
    """Why a model's draft is no script, or None: the gate before a person is asked.

    Measured with the embedded 135M model: drafts that repeat one comment until max_tokens,
    or echo the request back ("Re-name app.log to app.log.1") and do nothing. Showing those
    for approval wastes the person's time and invites a yes to a script that does nothing."""
    from llmchain_os.scripts.lint import lint

    syntax = [p for p in lint(text, language).problems if p.startswith(("bash", "python"))]
    if syntax:
        return f"it does not parse: {syntax[0]}"
    lines = [ln.strip() for ln in text.splitlines()[1:] if ln.strip()]
    if lines and max(lines.count(ln) for ln in lines) >= 4:
        return "it repeats itself, as a model does when it runs on"
    code = [ln for ln in lines if not ln.startswith("#")]
    if not code:
        return "it has no commands, only comments"
    if language == "bash" and all(ECHO_ONLY.match(ln) for ln in code):
        return "it only prints text and does nothing"
    return None


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
