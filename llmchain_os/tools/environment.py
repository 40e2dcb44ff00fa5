"""Environment variables: what programs started from this shell see ("what's in my PATH",
"what is JAVA_HOME set to"), with the values of secrets masked."""

from __future__ import annotations

import os
import re
from typing import Annotated, Any

from pydantic import Field

from llmchain_os.safety.risk import Risk
from llmchain_os.tools.base import Table, ToolOutput, tool
from llmchain_os.tools.card import Card, Clause, Stage

NAME = r"[A-Z][A-Z0-9_]{1,63}"
VarName = Annotated[str | None, Field(pattern=rf"^{NAME}$")]
DOLLAR = re.compile(rf"\$\{{?({NAME})\b")
# A name in capitals the request asks the value of ("what is PROJECT_ROOT set to").
VALUE_OF = re.compile(rf"\bvalue\s+of\s+(?:the\s+)?\$?({NAME})\b")
NAME_THEN = re.compile(rf"\b({NAME})\s+(?:(?:is\s+)?set\b|variable|env\b|environment|defined)")
ASKED_NAME = re.compile(
    rf"\b(?:is|are|print|show|echo|what'?s(?:\s+in)?)\s+(?:my\s+|the\s+)?({NAME})\s*(?:[?.!]|$)"
)
ALL_ASKED = re.compile(r"\benv(?:ironment)?\s+var(?:iable)?s?\b|\bmy\s+environment\b", re.I)
SETTING = re.compile(r"\bset\s+to\b|\bdefault\b|\bvariable\b|\bconfigured\b", re.I)
# Plain words for the variables people ask about by what they do.
ALIASES = {
    r"\b(?:default\s+)?(?:text\s+)?editor\b": ("VISUAL", "EDITOR"),
    r"\bpager\b": ("PAGER",),
    r"\bsearch\s+path\b|\bmy\s+path\b": ("PATH",),
    r"\blocale\b|\blanguage\s+setting": ("LANG",),
}
SEPARATED = frozenset({"PATH", "LD_LIBRARY_PATH", "PYTHONPATH", "MANPATH", "XDG_DATA_DIRS"})


class Variable(ToolOutput):
    name: str
    value: str | None  # None: not set
    masked: bool = False


class Environment(ToolOutput):
    asked: str | None  # the variable asked about; None: all of them
    variables: list[Variable]

    def summary(self) -> str:
        if self.asked is None:
            return f"{len(self.variables)} environment variables are set."
        found = [v for v in self.variables if v.value is not None]
        if not found:
            return f"{self.asked} is not set in this shell's environment."
        v = found[0]
        value = "[REDACTED] (it names a secret)" if v.masked else repr(v.value)
        return f"{v.name} is set to {value}."

    def table(self) -> Table | None:
        one = len(self.variables) == 1 and self.variables[0]
        if one and one.value and one.name in SEPARATED and not one.masked:
            rows = [[str(i), part] for i, part in enumerate(one.value.split(":"), start=1)]
            return Table(f"{one.name}, in order", ["#", "folder"], rows)
        rows = [
            [v.name, "[REDACTED]" if v.masked else (v.value or "(not set)")] for v in self.variables
        ]
        return Table("Environment", ["variable", "value"], rows)


def _variable(name: str) -> Variable:
    from llmchain_os.safety.redact import is_secret_key, redact

    value = os.environ.get(name)
    if value is None:
        return Variable(name=name, value=None)
    secret = is_secret_key(name) or redact(value) != value
    return Variable(name=name, value="[REDACTED]" if secret else value, masked=secret)


def _asked_names(text: str) -> list[str]:
    """The variable(s) the text asks about: $NAME, "value of NAME", "NAME is set", a name in
    capitals that is set here ("print my PATH"), or a plain word for one ("my editor")."""
    for rule in (DOLLAR, VALUE_OF, NAME_THEN):
        if m := rule.search(text):
            return [m.group(1)]
    if (m := ASKED_NAME.search(text)) and m.group(1) in os.environ:
        return [m.group(1)]
    if SETTING.search(text):
        for words, names in ALIASES.items():
            if re.search(words, text, re.I):
                return list(names)
    return []


def _extract(c: Clause) -> dict[str, Any]:
    names = _asked_names(c.text)
    if len(names) > 1:  # a plain word: the first one that is set ($VISUAL before $EDITOR)
        names = [n for n in names if n in os.environ] or names[-1:]
    return {"name": names[0]} if names else {}


def _claim(c: Clause) -> str | None:
    if _asked_names(c.text):
        return "the request asks the value of an environment variable"
    if ALL_ASKED.search(c.text):
        return "the request asks about the environment variables"
    return None


@tool(
    risk=Risk.READ,
    # reached by its claim only: a word in capitals is a variable only where the request
    # says so, never by the look of its words ("print the README")
    card=Card(
        extract=_extract,
        claim=_claim,
        stage=Stage.ORDER,
        rank=7,
        about_files=False,
        retrieved=False,
    ),
)
def environment(name: VarName = None) -> Environment:
    """One environment variable's value (name, in capitals), or all of them; secrets masked."""
    if name is not None:
        return Environment(asked=name, variables=[_variable(name)])
    return Environment(asked=None, variables=[_variable(n) for n in sorted(os.environ)])


TOOLS = [environment]
