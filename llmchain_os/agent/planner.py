"""The retrieval planner: the tool by retrieval and rules, the arguments by extraction, the
model only for what those cannot settle, and "unsure" when nothing is a good fit.

Measured here, 135M-270M models pick the right one of five tools for only a third of plain
requests even under a grammar, and copy example arguments. So the model is asked two narrow
questions, each under a grammar that allows only valid answers: which of the two or three
closest tools fits (when retrieval cannot separate them), and which words of the request fill
a required argument that extraction could not find.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING, Any

from llmchain_os.agent.asking import choose_tool, fill_args
from llmchain_os.agent.intent import asks_change, asks_file_text, no_tool_change, remote_target
from llmchain_os.agent.learned import REUSE, Learned, Past, Recall, refill
from llmchain_os.agent.outcome import PlanOutcome, Unfit, Unsure
from llmchain_os.agent.plan import Plan, Step
from llmchain_os.agent.request import Request
from llmchain_os.agent.retrieval import Match, ToolIndex
from llmchain_os.agent.script_steps import is_script_request
from llmchain_os.agent.spelled import (
    Ask,
    Spelled,
    bare_command,
    read_request,
    spelled_command,
    split_clauses,
)
from llmchain_os.errors import ToolError
from llmchain_os.prompts import load_exemplars
from llmchain_os.reading.paths import names_file, path_candidates
from llmchain_os.reading.words import candidates, refers_back, unsaid
from llmchain_os.reading.world import LiveWorld, NamesWorld, Snapshot, World
from llmchain_os.safety.risk import Risk
from llmchain_os.tools.base import Tool
from llmchain_os.tools.card import Clause, Role, Stage, Unclear
from llmchain_os.tools.registry import ToolRegistry

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from llmchain_os.agent.compose import Composer
    from llmchain_os.knowledge.program_index import ProgramIndex

NONE_LABEL = "_none"
# Tools whose words match within this of the best are ordered by meaning (embeddings).
RERANK = 0.25
PROGRAM_SCORE = 0.5  # a program's summary this near the request is worth naming when unsure
PROCESS_WORD = re.compile(r"\b(?:process(?:es)?|pids?|programs?|daemons?)\b", re.I)


def _fmt(matches: list[Match]) -> str:
    return ", ".join(f"{m.tool} ({m.score:.2f})" for m in matches if m.tool != NONE_LABEL)


class RetrievalPlanner:
    """Plans one request into steps; see the module docstring for who decides what."""

    def __init__(
        self,
        registry: ToolRegistry,
        model: BaseChatModel | None = None,
        *,
        min_score: float = 0.3,
        margin: float = 0.04,
        max_steps: int = 6,
        names: Callable[[], set[str]] | None = None,
        world: World | None = None,
        index: ToolIndex | None = None,
        composer: Composer | None = None,
        load_model: Callable[[], BaseChatModel | None] | None = None,
        programs: Callable[[], ProgramIndex | None] | None = None,
        recall: Recall | None = None,
        learned: Learned | None = None,
    ) -> None:
        self.registry = registry
        self.command = registry.by_role(Role.COMMAND)
        self.composer = composer if self.command is not None else None
        self._model = model
        # the model is loaded only when a request needs it (a tie between tools, an
        # argument to choose): most plans are made by retrieval and the cards alone
        self._load_model = load_model
        # this machine's programs by their manuals' summaries, for an "unsure" answer
        self.programs = programs
        self.recall = recall  # past successes near a request (the plan cache), if any
        self.min_score = min_score
        self.margin = margin
        self.max_steps = max_steps
        # the running processes and saved scripts; ``names`` is a shortcut for tests
        self.world: World = world or (NamesWorld(names) if names else LiveWorld())
        self._now: World = self.world
        self.index = index or ToolIndex(
            {**registry.examples(), NONE_LABEL: load_exemplars().get(NONE_LABEL, [])},
            learned.tool_examples if learned else None,  # requests of the user's that worked
        )
        self._common: dict[str, frozenset[str]] = {}

    def _needed_model(self) -> BaseChatModel:
        model = self.model
        assert model is not None  # asked only where a model was found
        return model

    @property
    def model(self) -> BaseChatModel | None:
        if self._model is None and self._load_model is not None:
            self._model, self._load_model = self._load_model(), None
        return self._model

    def bare(self, text: str) -> str | None:
        """The text as a command line on its own ("ls -la /etc"), judged against the English
        words of the other tools' examples ("find files older than a week" is a sentence)."""
        return bare_command(text, self._english, self._now.running_names)

    @cached_property
    def _english(self) -> set[str]:
        return self.index.vocabulary_without(self.command.name if self.command else "")

    def _clause(self, text: str, tool: Tool) -> Clause:
        """The clause as ``tool``'s card reads it: the words of the other tools' examples
        are ordinary words, never the name of a process or a script."""
        if tool.name not in self._common:
            self._common[tool.name] = frozenset(self.index.vocabulary_without(tool.name))
        return Clause(text, self._now, self._common[tool.name])

    def plan(self, request: Request) -> PlanOutcome:
        outcome = PlanOutcome(plan=None)
        self._now = Snapshot(self.world)  # the process list is read once per request
        said = read_request(request.text, self.bare)
        if any(s.ask is Ask.EXPLAIN for s in said):  # before anything that could run it
            return self._plan_explain(said, outcome)
        if self.registry.by_role(Role.SAVE_SCRIPT) and is_script_request(request.text):
            return self._plan_script(request.text, outcome)
        if (reused := self._reuse(request.text, outcome)) is not None:
            outcome.plan = reused
            return outcome
        steps: list[Step] = []
        clauses = split_clauses(request.text)
        try:
            if len(clauses) > self.max_steps:
                raise Unsure(
                    f"That asks for {len(clauses)} steps; the limit is {self.max_steps} "
                    "(max_steps) - split it into smaller requests"
                )
            for i, clause in enumerate(clauses):
                steps.append(self._plan_clause(clause, i > 0, outcome))
        except Unsure as exc:
            outcome.unsure = str(exc)
            return outcome
        outcome.plan = Plan(
            steps=steps,
            source="retrieval",
            score=min((m.score for m in outcome.matches[:1]), default=1.0),
            guess=outcome.guess,
        )
        return outcome

    def _plan_clause(self, clause: str, follows: bool, outcome: PlanOutcome) -> Step:
        start = time.perf_counter()
        tool, why = self._choose(clause, outcome)
        outcome.timings["retrieval"] = outcome.timings.get("retrieval", 0) + (
            time.perf_counter() - start
        )
        return self._step(tool, why, clause, follows, outcome)

    def _reuse(self, text: str, outcome: PlanOutcome) -> Plan | None:
        """The plan of a past success this near the request (``learned.REUSE``), its tools
        kept and every argument read again from this request; None when there is none, or
        its arguments do not fit this request (then it is planned as usual)."""
        if self.recall is None:
            return None
        start = time.perf_counter()
        clauses = split_clauses(text)
        try:
            for past in self.recall(text):
                if past.similarity < REUSE:
                    break
                if len(past.plan) != len(clauses):
                    continue
                try:
                    steps = [
                        self._reuse_step(step, clause, i > 0, past)
                        for i, (step, clause) in enumerate(zip(past.plan, clauses, strict=True))
                    ]
                except (Unsure, ToolError):
                    continue
                return Plan(steps=steps, source="memory", score=past.similarity)
            return None
        finally:
            outcome.timings["memory"] = time.perf_counter() - start

    def _reuse_step(self, step: dict[str, Any], clause: str, follows: bool, past: Past) -> Step:
        """One step of a past plan for this clause; Unsure when it does not fit it."""
        name = str(step.get("tool", ""))
        if name not in self.registry or not self._offered(name, clause):
            raise Unsure(f"{name} is not offered for {clause!r}")
        self._refuse_remote(clause)
        tool = self.registry.get(name)
        why = f"reused the plan of {past.request!r} ({past.id}, similarity {past.similarity:.2f})"
        scratch = PlanOutcome(plan=None)
        if tool is self.command and "command" in step.get("args", {}):
            said = spelled_command(clause, self.bare)
            if said is not None and said.ask is not Ask.RUN:
                raise Unsure("the request spells out a command without saying to run it")
            command = (
                said.command
                if said is not None and said.ask is Ask.RUN
                else refill(str(step["args"]["command"]), past.request, clause)
            )
            if command is None:
                raise Unsure("the past command does not fit this request's operands")
            risk = self._risk(tool, command)
            return Step(
                tool=name, args={"command": command}, risk=risk,
                why=f"{why}; its command's operands read from this request",
                needs_consent=risk is not Risk.READ and said is None,
            )  # fmt: skip
        built = self._step(tool, why, clause, follows, scratch)
        if scratch.guess:  # a reused plan is reused only when it fits as it is
            raise Unsure(scratch.guess)
        return built.model_copy(update={"why": f"{why}; arguments read from this request"})

    def _step(self, tool: Tool, why: str, clause: str, follows: bool, outcome: PlanOutcome) -> Step:
        """The step of ``tool`` for one clause: its arguments read from the clause."""
        if outcome.composed is not None:  # a command composed from the team's examples
            command, outcome.composed = outcome.composed, None
            others, outcome.others = outcome.others, []
            risk = self._risk(tool, command)
            return Step(
                tool=tool.name,
                args={"command": command},
                risk=risk,
                why=why,
                needs_consent=risk is not Risk.READ,  # the request did not spell it out
                # a read that fails as a wrong call goes on with the next read candidates
                fallbacks=[
                    {"command": c}
                    for c in others
                    if risk is Risk.READ and self._risk(tool, c) is Risk.READ
                ],
            )
        self._check_reads_text(tool, clause)
        args = self._extract(tool, clause)
        said = spelled_command(clause, self.bare) if tool is self.command else None
        if said is not None and said.ask is Ask.RUN:
            args = {"command": said.command}  # exactly what the choice above read
        composed = tool.card.compose_arg and tool.card.compose_arg not in args
        if composed:  # a command line the request describes but does not spell out
            args = {**args, tool.card.compose_arg: self._composed_arg(tool, clause)}
        refs = (
            {"pid": "pid"}
            if (
                follows
                and "pid" in tool.args_model.model_fields
                and not args
                and refers_back(clause)
            )
            else {}
        )
        if not refs and follows and "script" not in args and refers_back(clause):
            refs = {"script": "script"} if "script" in tool.args_model.model_fields else {}
        if not refs:
            args = self._fill_missing(tool, clause, args, outcome)
        try:
            parsed = tool.parse_args(args) if not refs else None
        except ToolError as exc:
            raise Unsure(f"I would use {tool.name}, but {exc}") from None
        risk = (
            tool.assess(parsed).risk
            if parsed is not None
            else tool.assess(tool.args_model.model_construct()).risk
        )
        if not refs:
            self._check_uses_operands(tool, clause, args, outcome)
        return Step(
            tool=tool.name, args=args, risk=risk, why=why, refs=refs, needs_consent=bool(composed)
        )

    @staticmethod
    def _check_uses_operands(
        tool: Tool, clause: str, args: dict[str, Any], outcome: PlanOutcome
    ) -> None:
        """A call that leaves out a file, folder or number the request names answers a
        narrower question than was asked: the plan is a best guess."""
        from llmchain_os.agent.compose import args_left_out

        if left := args_left_out(args, clause):
            named = ", ".join(repr(v) for v in left)
            outcome.hedge(f"{tool.name} does not use {named} from your request")

    def _composed_arg(self, tool: Tool, clause: str) -> str:
        """The command a card's ``compose_arg`` takes, composed from the team's examples
        over the part of the clause the card names; unsure when none fits."""
        from llmchain_os.agent.compose import Unfillable

        card = tool.card
        text = card.compose_from(self._clause(clause, tool)) if card.compose_from else clause
        try:
            found = (
                self.composer.compose(text, changes=asks_change(text), remote=True)
                if self.composer
                else []
            )
        except Unfillable as exc:
            raise Unsure(f"I would use {tool.name} for {text!r}, but {exc}") from None
        if not found:
            raise Unsure(
                f"I would use {tool.name}, but I don't know a command for {text!r} - "
                f"put the command in backticks"
            )
        return found[0].command

    @staticmethod
    def _risk(tool: Tool, command: str) -> Risk:
        return tool.assess(tool.parse_args({"command": command})).risk

    def _extract(self, tool: Tool, clause: str) -> dict[str, Any]:
        """The arguments of ``tool`` that the clause states, read by the tool's own card."""
        if tool.card.extract is None:
            return {}
        try:
            return tool.card.extract(self._clause(clause, tool))
        except Unclear as exc:
            raise Unsure(str(exc)) from None

    def _plan_explain(self, said: list[Spelled], outcome: PlanOutcome) -> PlanOutcome:
        """Asked what a command does, or told not to run it: each is explained, none runs."""
        shown = ", ".join(f"`{s.command}`" for s in said)
        explain = self.registry.by_role(Role.EXPLAIN)
        if explain is None:
            outcome.unsure = f"The request asks about {shown} without running it; nothing ran"
            return outcome
        steps = [
            Step(
                tool=explain.name,
                args={"command": s.command},
                risk=Risk.READ,
                why="the request asks what the command does, not to run it",
            )
            for s in said[: self.max_steps]
        ]
        outcome.plan = Plan(steps=steps, source="explain")
        return outcome

    def _plan_script(self, text: str, outcome: PlanOutcome) -> PlanOutcome:
        """ "write a script that ...": drafted from a template or by the model, then saved."""
        from llmchain_os.agent.script_steps import script_steps
        from llmchain_os.agent.scripting import DraftError

        try:
            steps = script_steps(text, self.model, self.registry)
            outcome.plan = Plan(steps=steps, source="script")
        except DraftError as exc:
            outcome.unsure = str(exc)
        return outcome

    def _choose(self, clause: str, outcome: PlanOutcome) -> tuple[Tool, str]:
        """The tool for one clause: a card that claims it, a spelled-out or composed
        command, or the nearest examples; "unsure" when none of those fits."""
        if found := self._claimed(Stage.FIRST, clause):
            return found
        said = spelled_command(clause, self.bare) if self.command is not None else None
        if said is not None and said.ask is Ask.RUN and self.command is not None:
            return self.command, "the request spells out a command"
        if said is not None and said.ask is Ask.UNCLEAR:
            raise Unsure(
                f"The request spells out `{said.command}` but does not say to run it - "
                f"say 'run `{said.command}`' to run it, or 'explain `{said.command}`'"
            )
        self._refuse_remote(clause)
        if found := self._claimed(Stage.ORDER, clause):
            return found
        if (
            self.command is not None
            and self.composer is not None
            and (why := self._compose(clause, outcome))
        ):
            return self.command, why
        if no_tool_change(clause) is not None and (guessed := self._guess(clause, outcome, True)):
            return guessed  # a change no tool makes: its nearest example, asked as a guess
        self._refuse_unsupported(clause)
        if found := self._claimed(Stage.LAST, clause):
            return found
        try:
            return self._retrieve(clause, outcome)
        except Unfit:
            if (guessed := self._guess(clause, outcome)) is not None:
                return guessed
            raise

    def _retrieve(self, clause: str, outcome: PlanOutcome) -> tuple[Tool, str]:
        """The tool whose examples match the clause best, checked for fit in meaning."""
        ranked = [m for m in self.index.rank(clause) if self._offered(m.tool, clause)]
        outcome.matches = ranked
        tools = [m for m in ranked if m.tool != NONE_LABEL]
        top = ranked[0] if ranked else None
        if top is not None and top.tool == NONE_LABEL and top.score >= self.min_score:
            raise Unsure(
                f"{clause!r} does not look like something I can do on this machine. "
                "I can report disk space, memory, CPU, uptime and processes, or run a command "
                "you spell out (try /tools)"
            )
        if top is None or top.score < self.min_score:
            tried = self.composer.suggest(clause) if self.composer is not None else []
            maybe = " Maybe: " + ", ".join(f"`!{c}`" for c in tried) + "." if tried else ""
            raise Unfit(
                f"I'm not sure what to do with {clause!r}. Closest tools: {_fmt(ranked[:3])}."
                f"{maybe}{self._programs_hint(clause)} Try rephrasing, name a path or "
                "process, or run a command with !"
            )
        tools = self._by_meaning(tools, clause)  # top is a tool here: "unsure" was said above
        top = tools[0]
        close = self._fitting([m for m in tools[:3] if m.score >= top.score - self.margin], clause)
        if len(close) > 1 and self.model is not None:
            name = choose_tool(self._needed_model(), self.registry, clause, close, outcome)
            fit = self._check_fit(clause, name)
            return self.registry.get(name), f"the model chose it over {_fmt(close)}{fit}"
        if close and close[0].tool != top.tool:
            fit = self._check_fit(clause, close[0].tool)
            why = f"closest example that fits: {close[0].example!r}{fit}"
            return self.registry.get(close[0].tool), why
        fit = self._check_fit(clause, top.tool)
        return self.registry.get(top.tool), f"closest example: {top.example!r}{fit}"

    def _by_meaning(self, tools: list[Match], clause: str) -> list[Match]:
        """The tools whose words match nearly as well as the best (within ``RERANK``), in
        the order of how near their examples are in meaning (embeddings); the rest after.
        Shared words alone took "the largest files in my home folder" for a folder's size."""
        if self.composer is None or len(tools) < 2:
            return tools
        near = [m for m in tools[:4] if m.score >= tools[0].score - RERANK]
        fits = {m.tool: self.composer.tool_fit(clause, m.tool) for m in near}
        ranked = sorted(near, key=lambda m: fits[m.tool], reverse=True)
        # the nearest in meaning leads by more than the tie margin: meaning broke the tie
        lead = tools[0].score + self.margin + 0.001
        lifted = [Match(m.tool, max(m.score, lead), m.example) for m in ranked[:1]]
        return lifted + [m for m in tools if m.tool != ranked[0].tool]

    def _claimed(self, stage: Stage, clause: str) -> tuple[Tool, str] | None:
        """The first tool whose card claims the clause at ``stage``, with why."""
        claimants = sorted(
            (
                t
                for t in self.registry
                if t.card.claim is not None
                and t.card.stage is stage
                and self._offered(t.name, clause)  # a file named: not for a process tool
            ),
            key=lambda t: t.card.rank,
        )
        for tool in claimants:
            assert tool.card.claim is not None
            try:
                why = tool.card.claim(self._clause(unsaid(clause), tool))
            except Unclear as exc:
                raise Unsure(str(exc)) from None
            if why:
                return tool, why
        return None

    def _offered(self, name: str, clause: str) -> bool:
        """Whether retrieval may offer the tool for this clause: a tool that needs a word
        (a delete its verb) gets it, and one that takes no file is not offered for a clause
        that names a file ("how big is a.csv")."""
        if name not in self.registry:
            return name == NONE_LABEL
        card = self.registry.get(name).card
        if card.needs is not None and not card.needs.search(unsaid(clause)):
            return False
        return card.about_files or not names_file(clause) or bool(PROCESS_WORD.search(clause))

    def _check_fit(self, clause: str, tool: str) -> str:
        """A tool chosen by shared words must also be near in meaning: one whose own
        examples are far from the request would answer another question confidently.
        Returns the fit as the plan shows it (" (meaning 0.52)"; "" with no embeddings)."""
        from llmchain_os.agent.compose import TOOL_FLOOR

        if self.composer is None:
            return ""
        if (fit := self.composer.tool_fit(clause, tool)) >= TOOL_FLOOR:
            return f" (meaning {fit:.2f})"
        tried = self.composer.suggest(clause)
        maybe = " Maybe: " + ", ".join(f"`!{c}`" for c in tried) if tried else ""
        raise Unfit(
            f"I'm not sure what to do with {clause!r}: the nearest tool, {tool}, does not fit "
            f"it ({fit:.2f}).{maybe}{self._programs_hint(clause)} Try rephrasing, or run a "
            "command with !"
        )

    def _programs_hint(self, clause: str) -> str:
        """The installed programs whose manuals' summaries are nearest the clause, as a lead
        for the person (never run): " Programs here that may do it: lsblk (list block
        devices)". Empty while the index is not built, or when nothing is near."""
        index = self.programs() if self.programs is not None else None
        hits = [h for h in index.search(clause, 3) if h.score >= PROGRAM_SCORE] if index else []
        if not hits:
            return ""
        listed = "; ".join(f"{h.name} ({h.summary})" for h in hits)
        return f" Programs here that may do it, by their manuals: {listed}."

    def _compose(self, clause: str, outcome: PlanOutcome) -> str:
        """A command from the nearest of the team's examples, when one fits better than any
        tool's own examples: sets ``outcome.composed`` and returns why ("" when none fits).
        Unsure when the example that fits needs an operand the request does not name."""
        from llmchain_os.agent.compose import Unfillable

        assert self.composer is not None
        try:
            found, tool, tool_score = self.composer.route(clause, asks_change(clause))
        except Unfillable as exc:
            raise Unsure(f"I would run a command for {clause!r}, but {exc}") from None
        if not found:
            return ""
        best = found[0]
        outcome.composed = best.command
        outcome.others = [c.command for c in found[1:3]]
        if best.unused:
            left = ", ".join(repr(u) for u in best.unused)
            outcome.hedge(f"`{best.command}` does not use {left} from your request")
        elif best.unexplained:
            words = ", ".join(repr(u) for u in best.unexplained)
            outcome.hedge(f"`{best.command}` may not take {words} into account")
        from llmchain_os.knowledge.manpages import explain_options

        flags = "; ".join(explain_options(best.command, limit=3))  # from the machine's manuals
        others = "; ".join(f"`{c.command}`" for c in found[1:3])
        return (
            f"composed from the example {best.phrasing!r} ({best.score:.2f}; nearest tool "
            f"{tool or 'none'} {tool_score:.2f})"
            + (f"; {flags}" if flags else "")
            + (f"; other candidates: {others}" if others else "")
        )

    def _guess(
        self, clause: str, outcome: PlanOutcome, change: bool = False
    ) -> tuple[Tool, str] | None:
        """No tool fits and no example is near enough to be sure: the nearest example the
        request's operands fill, as a best guess the answer asks back about (a change is
        asked with its exact command anyway); None when even that is too far."""
        if self.command is None or self.composer is None:
            return None
        found = self.composer.guess(clause, change or asks_change(clause))
        if not found:
            return None
        best = found[0]
        outcome.composed = best.command
        outcome.others = [c.command for c in found[1:3]]
        outcome.hedge(
            f"nothing I know fits {clause!r} well; `{best.command}` is from the nearest "
            f"example, {best.phrasing!r} ({best.score:.2f})"
        )
        return self.command, f"best guess from the example {best.phrasing!r} ({best.score:.2f})"

    def _refuse_remote(self, clause: str) -> None:
        """A request about another host: this machine's figures would mislead."""
        host = remote_target(clause)
        if host is not None:
            raise Unsure(
                f"{clause!r} is about another host ({host}), which is not in your inventory "
                "(llmos hosts add); answering with this machine's figures would mislead"
            )

    def _refuse_unsupported(self, clause: str) -> None:
        """A change no tool makes and no example composes: a read tool's answer to it would
        look like one."""
        verb = no_tool_change(clause)
        if verb is not None:
            raise Unsure(
                f"{clause!r} asks me to {verb.lower()}, which none of my tools does; "
                "run the command yourself with ! if you know it (try /tools)"
            )

    def _check_reads_text(self, tool: Tool, clause: str) -> None:
        """A tool that sees names, sizes and dates, asked what a file says, would give an
        answer that looks like one and is wrong."""
        if tool.card.text_blind and asks_file_text(clause, names_file(clause)):
            raise Unsure(
                f"{clause!r} asks what a file says; {tool.name} sees only names, sizes and "
                "dates - run a command you spell out, e.g. !wc -l FILE or !grep WORD FILES"
            )

    def _fitting(self, close: list[Match], clause: str) -> list[Match]:
        """Of tools that match about as well, those whose arguments the request states.

        "who owns /etc/shadow" ties process_info with file_info; only file_info can be
        called with what the request says. When none fits, all stay (the fill may help)."""
        if len(close) < 2:
            return close
        fits = [m for m in close if self._fits(self.registry.get(m.tool), clause)]
        return fits or close

    def _fits(self, tool: Tool, clause: str) -> bool:
        """Whether ``tool`` can be called with what the request states (or one clear choice)."""
        try:
            args = self._extract(tool, clause)
            choices = self._fill_choices(tool, clause, args)
            if any(not c for c in choices.values()):
                return False
            tool.parse_args({**args, **{n: c[0] for n, c in choices.items()}})
        except (Unsure, ToolError):
            return False
        return True

    def _fill_missing(
        self, tool: Tool, clause: str, args: dict[str, Any], outcome: PlanOutcome
    ) -> dict[str, Any]:
        """Required arguments the request did not state: one allowed value is taken as it
        is; between several, the model chooses under a grammar of just those values."""
        choices = self._fill_choices(tool, clause, args)
        if not choices:
            return args
        missing = " or ".join(choices)
        if any(len(c) == 0 for c in choices.values()) or (
            self.model is None and any(len(c) != 1 for c in choices.values())
        ):
            raise Unsure(f"I would use {tool.name}, but the request does not say its {missing}")
        if all(len(c) == 1 for c in choices.values()):
            return {**args, **{n: c[0] for n, c in choices.items()}}
        return {**args, **fill_args(self._needed_model(), tool, clause, choices, outcome)}

    def _fill_choices(self, tool: Tool, clause: str, args: dict[str, Any]) -> dict[str, list[Any]]:
        """The allowed values of each missing required argument: the card's own when it
        knows them (running names), else spans of the request; never for an argument the
        card says must be spelled out."""
        fields = tool.args_model.model_fields
        missing = [n for n, f in fields.items() if f.is_required() and n not in args]
        if tool.card.choices is not None:
            try:
                found = tool.card.choices(self._clause(clause, tool), args)
            except Unclear as exc:
                raise Unsure(str(exc)) from None
            if found is not None:
                return found
        if tool.card.never_invent & set(missing):
            raise Unsure(
                f"I would use {tool.name}, but the request does not spell out the "
                f"{' or '.join(missing)} - put it in backticks"
            )
        return {n: path_candidates(clause) if n == "path" else candidates(clause) for n in missing}
