"""The session: settings, tools, models and the audit log, and ``Session.handle``, the one
way in for a request (the path it takes is ``agent.pipeline``).

``ChainResult`` is what a whole request comes to; ``llmchain_os.chain.Chain`` wraps the
session as a LangChain Runnable for scripts. This module imports no LangChain, so the shell
can show its prompt before any of it is loaded. Surfaces import it through ``llmchain_os.api``.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from llmchain_os.agent.events import Event, EventKind
from llmchain_os.agent.executor import Approver, Executor, decline_all
from llmchain_os.agent.plan import Plan, Step
from llmchain_os.agent.policy import Policy, is_yes
from llmchain_os.agent.request import RequestError, clean_request
from llmchain_os.api.learning import Learning
from llmchain_os.api.result import ChainResult as ChainResult  # its old home: re-exported
from llmchain_os.config import Settings, load_settings
from llmchain_os.exitcodes import ExitCode
from llmchain_os.llm.errors import ModelError
from llmchain_os.safety.audit import AuditLog
from llmchain_os.tools.registry import ToolRegistry, builtin_registry

if TYPE_CHECKING:
    from langchain_core.language_models import BaseChatModel

    from llmchain_os.agent.compose import Composer
    from llmchain_os.agent.pipeline import Parts
    from llmchain_os.agent.planner import RetrievalPlanner
    from llmchain_os.knowledge.program_index import ProgramIndex


class Session:
    """Settings, tools and the model for a run of llmchain-os; safe to share between calls.

    The model is created lazily; ``preload`` loads it in the background (the REPL calls it
    while the prompt is already up). ``model`` may be injected (tests pass a scripted fake).
    """

    def __init__(
        self,
        settings: Settings | None = None,
        registry: ToolRegistry | None = None,
        model: BaseChatModel | None = None,
        cloud: BaseChatModel | None = None,
        learn: bool = False,
    ) -> None:
        self.settings = settings or load_settings()
        # learn from memory (plan cache, learned exemplars): the shell, not one-shot `llmos
        # run`, which would pay chromadb's start for one request
        self.learning = Learning(learn and self.settings.memory)
        self._registry = registry
        self._model = model
        self._cloud = cloud  # an injected fallback model, as the "cloud" profile
        self._fallbacks: dict[str, BaseChatModel] = {}
        self.route = "auto"  # /model: auto, local, or a profile every request goes to
        self._model_error: ModelError | None = None
        self._planner: RetrievalPlanner | None = None
        self._lock = threading.Lock()
        self._planner_lock = threading.Lock()
        self._loader: threading.Thread | None = None
        self._audit: AuditLog | None = None
        self._programs: ProgramIndex | None = None
        self._index_started = False
        self.composer_error = ""  # why open requests are not composed here ("" when they are)
        self.last_request_id: str | None = None  # its history entry in memory, for /good, /bad

    @property
    def registry(self) -> ToolRegistry:
        """The tools; built on first use so that the shell's prompt does not wait for them."""
        if self._registry is None:
            self._registry = builtin_registry(plugins=True)
        return self._registry

    def audit_log(self) -> AuditLog:
        """The audit log every executed step goes to (opened per entry, so this is cheap)."""
        if self._audit is None:
            self._audit = AuditLog()
        return self._audit

    # -- the model ----------------------------------------------------------------------
    def model(self) -> BaseChatModel:
        """The local model, loaded; raises ModelError with what to do."""
        with self._lock:
            if self._model is None and self._model_error is None:
                from llmchain_os.llm import get_local_model

                try:
                    self._model = get_local_model(self.settings)
                except ModelError as exc:
                    self._model_error = exc
            if self._model_error is not None:
                raise self._model_error
            assert self._model is not None
            model = self._model
        load = getattr(model, "load", None)
        if load is not None:
            try:
                load()
            except ModelError as exc:
                self._model_error = exc
                raise
        return model

    def check_model(self) -> None:
        """Raise ModelError when the configured model is missing or not a GGUF model, from
        its header alone (loading it takes longer than most requests that need none)."""
        if self._model_error is not None:
            raise self._model_error
        if self._model is not None:
            return
        from llmchain_os.llm.errors import ModelLoadError
        from llmchain_os.llm.models import check_gguf, resolve_model

        ref = resolve_model(self.settings.model_path)
        if problem := check_gguf(ref.path):
            raise ModelLoadError(
                f"Cannot load {ref.path}: {problem} - point LLMOS_MODEL at a GGUF model file"
            )

    def _model_or_none(self) -> BaseChatModel | None:
        """The loaded model for the planner's narrow questions; None (it answers unsure
        instead) when it cannot load, the reason kept for the next request and doctor."""
        try:
            return self.model()
        except ModelError:
            return None

    def preload(self) -> None:
        """Start loading the model in a background thread; errors surface on first use."""
        if self._loader is None:
            self._loader = threading.Thread(target=self._quiet_load, daemon=True)
            self._loader.start()

    def _quiet_load(self) -> None:
        with contextlib.suppress(ModelError):  # reported on the first request that needs it
            self.model()
        if self.learning.on:
            self.planner()  # memory opened and its exemplars learned before the first request

    def loaded_model(self) -> BaseChatModel | None:
        """The model if it is loaded already; never starts a load."""
        model = self._model
        return model if model is not None and getattr(model, "loaded", True) else None

    def model_name(self) -> str:
        """The local model's name, loaded or not ("" when none can be found)."""
        model = self._model
        if model is not None:
            return str(getattr(model, "model_name", type(model).__name__))
        from llmchain_os.llm.models import resolve_model

        try:
            return resolve_model(self.settings.model_path).name
        except ModelError:
            return ""

    def planner_mode(self) -> str:
        if self.settings.planner != "auto":
            return self.settings.planner
        return "retrieval" if not self.settings.model_path else "tools"

    def answer_mode(self) -> str:
        if self.settings.answer != "auto":
            return self.settings.answer
        return "facts" if not self.settings.model_path else "model"

    def planner(self) -> RetrievalPlanner:
        from llmchain_os.agent.planner import RetrievalPlanner

        with self._planner_lock:
            if self._planner is None:
                from llmchain_os.reading.world import LiveWorld
                from llmchain_os.remote.select import inventory_words

                learned = self.learning.learned(self.registry, self.settings)
                cache = self.learning.plan_cache
                composer = self.composer()
                if composer is not None and learned is not None:
                    composer.learn(learned.commands, learned.tool_examples)
                self._planner = RetrievalPlanner(
                    self.registry,
                    world=LiveWorld(hosts=inventory_words),
                    load_model=self._model_or_none,
                    programs=self.programs,
                    min_score=self.settings.min_score,
                    max_steps=self.settings.max_steps,
                    composer=composer,
                    recall=cache.lookup if cache is not None else None,
                    learned=learned,
                )
            return self._planner

    @property
    def memory_error(self) -> str:
        """Why this session plans without memory ("" when it learns, or is not asked to)."""
        return self.learning.error

    def programs(self) -> ProgramIndex | None:
        """This machine's programs indexed by their manuals, once built; the first call that
        finds none starts the build in a process of its own (``index_programs``)."""
        if not self.settings.index_programs:
            return None
        if self._programs is None:
            from llmchain_os.knowledge.embed import EmbeddingError, shared_embedder
            from llmchain_os.knowledge.program_index import saved_index, start_build
            from llmchain_os.paths import cache_dir

            try:
                self._programs = saved_index(cache_dir(), shared_embedder())
                if self._programs is None and not self._index_started:
                    self._index_started = start_build(cache_dir()) or True
            except (EmbeddingError, OSError) as exc:
                logging.getLogger(__name__).warning("no program index: %s", exc)
                self._index_started = True
        return self._programs

    def composer(self) -> Composer | None:
        """Commands composed from the team's examples for requests no tool fits; None (and
        a note for doctor) when the embedding model cannot load here."""
        from llmchain_os.agent.compose import Composer, load_examples
        from llmchain_os.agent.planner import NONE_LABEL
        from llmchain_os.knowledge.embed import EmbeddingError, shared_embedder
        from llmchain_os.paths import cache_dir
        from llmchain_os.prompts import load_exemplars

        # the tools' own examples, and those of requests no tool or command should take
        tools = self.registry.examples()
        tools[NONE_LABEL] = load_exemplars().get(NONE_LABEL, [])
        try:
            return Composer(load_examples(), shared_embedder(), cache_dir(), tools)
        except (EmbeddingError, OSError) as exc:
            self.composer_error = f"open requests are not composed: {exc}"
            return None

    # -- requests -----------------------------------------------------------------------
    def _executor(
        self, approve: Approver, dry_run: bool, policy: Policy | None, request: str
    ) -> Executor:
        """One executor per request, writing to this session's audit log."""
        return Executor(
            self.registry,
            policy or Policy(),
            approve,
            dry_run,
            audit=self.audit_log(),
            request=request,
            confine_user_commands=self.settings.sandbox_user_commands,
        )

    def handle(
        self,
        text: str | bytes,
        approve: Approver = decline_all,
        dry_run: bool = False,
        policy: Policy | None = None,
        origin: str = "",
    ) -> Iterator[Event]:
        """Every surface enters here: plan, check, run, answer, as a stream of Events.

        ``origin`` prefixes the request in the audit log ("mcp: "), to say who asked."""
        try:
            request = clean_request(text)
        except RequestError as exc:
            yield Event(kind=EventKind.ERROR, text=str(exc), data={"exit_code": ExitCode.USAGE})
            return
        executor = self._executor(approve, dry_run, policy, f"{origin}{request.text}")
        seen: list[Event] = []
        from llmchain_os.agent.pipeline import handle

        try:
            for ev in handle(request, executor, self.parts()):
                seen.append(ev)
                yield ev
        except ModelError as exc:
            error = Event(
                kind=EventKind.ERROR, text=str(exc), data={"exit_code": ExitCode.NO_MODEL}
            )
            seen.append(error)
            yield error
        self._memorise(ChainResult.from_events(request.text, seen), dry_run)

    def _memorise(self, result: ChainResult, dry_run: bool) -> None:
        """Into memory's journal (no chromadb here: the store takes it in when it opens)."""
        if not self.settings.memory:
            return
        from llmchain_os.memory.history import record_request
        from llmchain_os.memory.store import memory_dir

        try:
            data = result.model_dump(mode="json")
            self.last_request_id = record_request(memory_dir(), data, dry_run)
        except OSError as exc:  # a full disk or a read-only home: the request still stands
            logging.getLogger(__name__).warning("not recorded in memory: %s", exc)
            return
        self.learning.finished(self.last_request_id, data, dry_run)

    def parts(self) -> Parts:
        """What the request pipeline (``agent.pipeline``) takes from this session."""
        from llmchain_os.agent.pipeline import Parts

        return Parts(
            registry=self.registry,
            planner=self.planner,
            model=self.model,
            check_model=self.check_model,
            fallbacks=self.fallbacks,
            model_name=self.model_name,
            planner_mode=self.planner_mode(),
            answer_mode=self.answer_mode(),
            max_steps=self.settings.max_steps,
            route=self.route,
        )

    # -- the fallback providers -----------------------------------------------------------
    def fallback_names(self) -> list[str]:
        """The profiles a request the local side cannot do goes to, in order: those of
        ``fallback`` that are configured; none when ``cloud = "never"``."""
        if not self.settings.cloud_allowed() or self.route == "local":
            return []
        if self.route != "auto":
            return [self.route]
        if self._cloud is not None:
            return ["cloud"]
        from llmchain_os.llm import profile_problem

        return [n for n in self.settings.fallback if profile_problem(self.settings, n) is None]

    def use(self, route: str) -> str:
        """``/model ROUTE``: auto (local first, then the fallbacks), local (never a
        fallback), or one profile for every request; raises ModelError for one that cannot
        be used. Returns what it now is, in words."""
        from llmchain_os.llm import profile_problem
        from llmchain_os.llm.errors import ModelError

        if route not in ("auto", "local"):
            if not self.settings.cloud_allowed():
                raise ModelError(f'Cannot use {route}: cloud = "never" forbids every endpoint')
            problem = (
                None if self._cloud and route == "cloud" else profile_problem(self.settings, route)
            )
            if problem:
                raise ModelError(f"Cannot use {route}: {problem}")
        self.route = route
        if route == "auto":
            chain = " -> ".join(["local", *self.fallback_names()])
            return f"auto: {chain}"
        return f"every request goes to {route}"

    def fallbacks(self) -> list[tuple[str, Callable[[], BaseChatModel]]]:
        """Each fallback profile with what makes its model (on first need, then kept)."""
        return [
            (name, functools.partial(self.fallback_model, name)) for name in self.fallback_names()
        ]

    def fallback_model(self, name: str) -> BaseChatModel:
        """Profile ``name``'s model behind its breaker, retries and redaction; raises
        ModelError (a missing key, a key file others can read)."""
        if self._cloud is not None and name == "cloud":
            return self._cloud
        if name not in self._fallbacks:
            from llmchain_os.llm import get_resilient_model

            self._fallbacks[name] = get_resilient_model(self.settings, name)
        return self._fallbacks[name]

    def run_tool(
        self,
        tool: str,
        args: dict[str, Any],
        approve: Approver = decline_all,
        policy: Policy | None = None,
        request: str = "",
        dry_run: bool = False,
        why: str = "named",
        source: str = "user",
    ) -> Iterator[Event]:
        """One tool call named outright: still through the policy and into the audit log,
        like any planned step. ``source`` "user": the person named it (``llmos jobs rm``),
        so a command runs as their own; "mcp": another program did, so it is confined."""
        executor = self._executor(approve, dry_run, policy, request)
        step = Step(tool=tool, args=args, risk=self.registry.risk_of(tool, args), why=why)
        yield from executor.execute(Plan(steps=[step], source=source))

    def run_command(self, command: str, approve: Approver = decline_all) -> Iterator[Event]:
        """``!cmd`` in the shell: the user's own command line, still through the policy."""
        from llmchain_os.errors import ToolError
        from llmchain_os.tools.card import Role

        tool = self.registry.by_role(Role.COMMAND)
        if tool is None:
            raise ToolError("No tool here runs command lines")
        yield from self.run_tool(
            tool.name, {"command": command}, approve, request=f"!{command}", why="typed with !"
        )


def confirmed(ask: Callable[[str], str], question: str) -> bool:
    """The person's y/N to ``question``; no answer (end of input, Ctrl-C) is no."""
    try:
        return is_yes(ask(question))
    except (EOFError, KeyboardInterrupt):
        return False


def run_confirmed(
    session: Session, tool: str, args: dict[str, Any], request: str, yes: bool = False
) -> ChainResult:
    """One call of ``tool`` the person has just confirmed (or ``yes`` allows): it still goes
    through the policy (a denial stands) and into the audit log, like any planned step."""
    events = session.run_tool(
        tool,
        args,
        approve=lambda step, decision: True,  # confirmed by the caller
        policy=Policy(auto_write=yes),
        request=request,
    )
    return ChainResult.from_events(request, list(events))
