"""A tool's card: everything the planner needs to know about a tool, declared by the tool.

The planner names no tool. It reads each tool's card: the requests it answers (its
examples, in ``prompts/exemplars/NAME.txt`` or inline for a plugin), how to read its
arguments off a request, which requests it claims before retrieval ("kill 4242"), which
arguments must never be made up, and the part it plays (the tool that runs a spelled-out
command, the one that explains one). A new tool is one module with its card, plus examples.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import Any

from llmchain_os.reading.world import World


class Role(StrEnum):
    """A part in the planner's own flow that some tool plays (at most one tool each)."""

    NONE = ""
    COMMAND = "command"  # runs a command line: spelled out by the user, or composed
    EXPLAIN = "explain"  # says what a command would do, without running it
    SAVE_SCRIPT = "save-script"  # saves a drafted script to the library
    RUN_SCRIPT = "run-script"  # runs a saved script
    SCHEDULE = "schedule"  # schedules a saved script


class Stage(IntEnum):
    """When a card's claim is asked, relative to the planner's general checks."""

    FIRST = 0  # before a spelled-out command is taken ("run my backup script nightly")
    ORDER = 1  # after the other-host and bulk checks, before a command is composed ("kill 42")
    LAST = 2  # after composing, before retrieval ("is nginx running")


class Unclear(Exception):
    """The request is for this tool but cannot be done as said; the message says why, and
    the planner answers "unsure" with it rather than guess."""


@dataclass(frozen=True)
class Clause:
    """One clause of a request, as a card reads it."""

    text: str
    world: World
    # Words of the other tools' examples: ordinary words, never the name of a process.
    common: frozenset[str] = frozenset()


Claim = Callable[[Clause], "str | None"]
Extractor = Callable[[Clause], dict[str, Any]]
Choices = Callable[[Clause, dict[str, Any]], "dict[str, list[Any]] | None"]


@dataclass(frozen=True)
class Card:
    """What the planner knows of one tool (all optional: a bare tool is found by its
    examples and gets no argument it is not given)."""

    # Example requests, for a tool outside this package; built-ins keep theirs in
    # prompts/exemplars/NAME.txt (``examples_file`` names another file's stem).
    examples: tuple[str, ...] = ()
    examples_file: str = ""
    # Reads the arguments the clause states.
    extract: Extractor | None = None
    # Takes the clause before retrieval when it is plainly for this tool: returns why, or
    # None; raises Unclear when it is for this tool but cannot be done as said.
    claim: Claim | None = None
    stage: Stage = Stage.ORDER
    rank: int = 0  # order among the claims of one stage, lower first
    # False: reached only by its claim; its examples are not retrieved against, nor are their
    # words "ordinary" (a fleet tool's "is postgres running on db-01" must not make
    # "postgres" a common word for the process tools).
    retrieved: bool = True
    # Retrieval offers the tool only when the clause matches this (a delete needs its verb).
    needs: re.Pattern[str] | None = None
    # False: a clause naming a file by name is not for this tool ("how big is a.csv").
    about_files: bool = True
    # True: sees names, sizes and dates, never what a file says.
    text_blind: bool = False
    # Arguments that must be spelled out by the user, never chosen by the model.
    never_invent: frozenset[str] = frozenset()
    # The allowed values of the missing required arguments, when the card knows them
    # better than "spans of the request" (running process names, the pid of a name).
    choices: Choices | None = None
    role: Role = Role.NONE
    # An argument that is a command line the planner may compose (as it composes a local
    # one) from the part of the clause ``compose_from`` returns ("restart nginx" of "restart
    # nginx on every web host"), when the request does not spell the command out.
    compose_arg: str = ""
    compose_from: Callable[[Clause], str] | None = None


PLAIN = Card()
