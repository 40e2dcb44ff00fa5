"""Bounded GBNF grammars from JSON schemas, so a small model can only say valid things.

Unbounded schemas let small models run on ("4242424242...") until max_tokens: every string,
number and whitespace here has a length bound, fixed values become alternatives, and string
values can be constrained to a list of allowed spans (words of the request, known names).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

MAX_STRING = 120
MAX_ANSWER = 400
MAX_DIGITS = 7

BASE_RULES = {
    "ws": '" "?',
    "char": r'[^"\\\x00-\x1f] | "\\" ["\\/bfnrt]',
    "int": f'"-"? [0-9]{{1,{MAX_DIGITS}}}',
    "num": f'"-"? [0-9]{{1,{MAX_DIGITS}}} ("." [0-9]{{1,4}})?',
    "bool": '"true" | "false"',
    "null": '"null"',
}


def literal(value: Any) -> str:
    """A GBNF literal matching the JSON text of ``value`` exactly."""
    return json.dumps(json.dumps(value))


def _name(*parts: str) -> str:
    return re.sub(r"[^a-zA-Z0-9-]+", "-", "-".join(parts)).strip("-").lower()


class GrammarBuilder:
    """Collects named rules; ``value`` returns the rule text for one schema node."""

    def __init__(self, defs: dict[str, Any] | None = None) -> None:
        self.rules: dict[str, str] = dict(BASE_RULES)
        self.defs = defs or {}

    def add(self, name: str, body: str) -> str:
        self.rules[name] = body
        return name

    def string(self, max_len: int, min_len: int = 0) -> str:
        low = min(min_len, max_len)
        name = f"str{max_len}" if not low else f"str{low}-{max_len}"
        return self.add(name, f'"\\"" char{{{low},{max_len}}} "\\""')

    @staticmethod
    def integer(schema: dict[str, Any]) -> str:
        """Digits within the schema's bounds: a short range is spelled out value by value."""
        lo, hi = schema.get("minimum"), schema.get("maximum")
        if lo is not None and hi is not None and 0 <= hi - lo <= 200:
            return "(" + " | ".join(f'"{n}"' for n in range(int(lo), int(hi) + 1)) + ")"
        digits = len(str(int(hi))) if hi is not None and hi >= 0 else MAX_DIGITS
        if lo is not None and lo >= 1:
            return "[1-9]" + (f" [0-9]{{0,{digits - 1}}}" if digits > 1 else "")
        if lo is not None and lo >= 0:
            return f"[0-9]{{1,{digits}}}"
        return "int"

    def value(self, schema: dict[str, Any], where: str, choices: Sequence[str] = ()) -> str:
        if "$ref" in schema:
            schema = self.defs[schema["$ref"].rsplit("/", 1)[-1]]
        if "enum" in schema:
            return " | ".join(literal(v) for v in schema["enum"])
        if "const" in schema:
            return literal(schema["const"])
        if "anyOf" in schema:
            # With fixed choices the value must be one of them: null is not a choice.
            branches = [s for s in schema["anyOf"] if not (choices and s.get("type") == "null")]
            alts = [self.value(s, f"{where}-{i}", choices) for i, s in enumerate(branches)]
            return "(" + " | ".join(alts) + ")"
        kind = schema.get("type")
        if kind == "string":
            if choices:
                return "(" + " | ".join(literal(c) for c in choices) + ")"
            longest = min(int(schema.get("maxLength", MAX_STRING)), MAX_STRING)
            return self.string(longest, int(schema.get("minLength", 0)))
        if kind == "integer":
            return self.integer(schema)
        simple = {"number": "num", "boolean": "bool", "null": "null"}
        if kind in simple:
            return simple[kind]
        if kind == "object":
            return self.add(_name(where, "obj"), self.object(schema, where))
        if kind == "array":
            item = self.add(_name(where, "item"), self.value(schema.get("items", {}), where))
            return f'"[" ws ({item} (ws "," ws {item}){{0,7}})? ws "]"'
        return self.string(MAX_STRING)

    def object(
        self, schema: dict[str, Any], where: str, choices: Mapping[str, Sequence[str]] | None = None
    ) -> str:
        """Every property, in schema order: bounded, and simple for a small model to follow."""
        props: dict[str, Any] = schema.get("properties", {})
        if not props:
            return '"{" ws "}"'
        parts = []
        for key, sub in props.items():
            rule = self.add(
                _name(where, key), self.value(sub, _name(where, key), (choices or {}).get(key, ()))
            )
            parts.append(f'{literal(key)} ws ":" ws {rule}')
        return '"{" ws ' + ' ws "," ws '.join(parts) + ' ws "}"'

    def render(self, root: str) -> str:
        lines = [f"root ::= {root}"] + [f"{k} ::= {v}" for k, v in self.rules.items()]
        return "\n".join(lines) + "\n"


def args_grammar(schema: dict[str, Any], choices: Mapping[str, Sequence[str]] | None = None) -> str:
    """A grammar for one argument object; ``choices`` limits named string fields."""
    builder = GrammarBuilder(schema.get("$defs"))
    return builder.render(builder.add("args", builder.object(schema, "args", choices)))


def choice_grammar(options: Sequence[str]) -> str:
    """A grammar whose only sentences are the JSON strings of ``options``."""
    return f"root ::= {' | '.join(literal(o) for o in options)}\n"


def tool_call_grammar(tools: Sequence[dict[str, Any]]) -> str:
    """One alternative per tool, {"tool": NAME, "args": {...}}, plus {"answer": "..."}.

    ``tools`` are OpenAI-format tool specs (what ``convert_to_openai_tool`` returns).
    """
    builder = GrammarBuilder()
    calls = []
    for spec in tools:
        fn = spec.get("function", spec)
        params = fn.get("parameters") or {"type": "object", "properties": {}}
        builder.defs = params.get("$defs", {})
        args = builder.add(_name(fn["name"], "args"), builder.object(params, _name(fn["name"])))
        calls.append(
            builder.add(
                _name(fn["name"], "call"),
                f'"{{" ws "\\"tool\\"" ws ":" ws {literal(fn["name"])} ws "," ws '
                f'"\\"args\\"" ws ":" ws {args} ws "}}"',
            )
        )
    answer = builder.add(
        "answer", f'"{{" ws "\\"answer\\"" ws ":" ws {builder.string(MAX_ANSWER)} ws "}}"'
    )
    return builder.render(" | ".join([*calls, answer]))
