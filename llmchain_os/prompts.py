"""Prompts and exemplars are plain files under prompts/, shipped inside the wheel."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from string import Template


class PromptError(Exception):
    """A prompt file is missing or has a placeholder nobody filled."""


@cache
def prompts_dir() -> Path:
    """prompts/ as shipped inside the wheel (_prompts), or beside the package in a checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_prompts", here.parent / "prompts"):
        if candidate.is_dir():
            return candidate
    raise PromptError(f"No prompts/ folder beside {here} - reinstall llmchain-os")


def load_prompt(name: str, **values: str) -> str:
    """prompts/NAME.md with ${placeholders} filled; a missing value is an error."""
    path = prompts_dir() / f"{name}.md"
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PromptError(f"Cannot read prompt {path}: {exc}") from exc
    try:
        return Template(text).substitute(values)
    except KeyError as exc:
        raise PromptError(f"Prompt {name} needs a value for {exc}") from exc


def load_exemplars() -> dict[str, list[str]]:
    """prompts/exemplars/TOOL.txt -> {tool: [example request, ...]}; '#' lines are comments."""
    found: dict[str, list[str]] = {}
    for path in sorted((prompts_dir() / "exemplars").glob("*.txt")):
        lines = path.read_text(encoding="utf-8").splitlines()
        found[path.stem] = [s for line in lines if (s := line.strip()) and not s.startswith("#")]
    return found
