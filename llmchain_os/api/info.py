"""What the shell has and how it stands: the tools, the model, and the doctor's checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from llmchain_os.api.session import Session
    from llmchain_os.config import Settings
    from llmchain_os.doctor import Check
    from llmchain_os.tools.registry import ToolRegistry


@dataclass(frozen=True)
class ToolInfo:
    """One tool as ``llmos tools`` and ``/tools`` list it."""

    name: str
    risk: str  # fixed ("read"), or what it is worked out from ("from the command")
    arguments: tuple[str, ...]
    description: str
    schema: dict[str, Any] = field(default_factory=dict, compare=False)  # of its arguments


def list_tools(registry: ToolRegistry | None = None) -> list[ToolInfo]:
    """The tools of ``registry`` (default: the built-in ones), in registry order."""
    if registry is None:
        from llmchain_os.tools.registry import builtin_registry

        registry = builtin_registry()
    return [
        ToolInfo(
            t.name, t.risk_label, tuple(t.args_model.model_fields), t.description, t.json_schema()
        )
        for t in registry
    ]


@dataclass(frozen=True)
class ModelStatus:
    """``/model``: which model, whether it is loaded, and how it runs."""

    where: str  # "NAME at PATH", or "unavailable: why"
    loaded: bool
    load_seconds: float
    threads: int
    n_ctx: int
    gpu_layers: int
    planner: str
    answers: str
    route: str = "auto"  # /model: auto, local, or a profile
    providers: tuple[str, ...] = ()  # each fallback profile: where, and its breaker


def model_status(session: Session) -> ModelStatus:
    """The session's model as it stands; never starts a load."""
    from llmchain_os.llm.models import default_threads, resolve_model

    settings = session.settings
    try:
        ref = resolve_model(settings.model_path)
        where = f"{ref.name} at {ref.path}"
    except Exception as exc:  # a bad path is reported, not raised, in the shell
        where = f"unavailable: {exc}"
    model = session.loaded_model()
    return ModelStatus(
        where=where,
        loaded=model is not None,
        load_seconds=float(getattr(model, "load_seconds", 0.0)),
        threads=settings.n_threads or default_threads(),
        n_ctx=settings.n_ctx,
        gpu_layers=settings.n_gpu_layers,
        planner=session.planner_mode(),
        answers=session.answer_mode(),
        route=session.route,
        providers=provider_lines(session),
    )


def provider_lines(session: Session) -> tuple[str, ...]:
    """A line per profile a request may go to besides the local model, with its breaker."""
    from llmchain_os.llm import breaker_of
    from llmchain_os.llm.profiles import profiles

    found = profiles(session.settings)
    lines = []
    for name in session.fallback_names():
        profile = found.get(name)
        if profile is None:  # an injected model (tests)
            lines.append(name)
            continue
        where = " ".join(p for p in (profile.kind, profile.base_url, profile.model) if p)
        lines.append(f"{name}: {where}; {breaker_of(session.settings, name).describe()}")
    return tuple(lines)


def doctor_checks(settings: Settings) -> list[Check]:
    """``llmos doctor``: what works, what is missing, and the fix for each."""
    from llmchain_os.doctor import run_checks

    return run_checks(settings)
