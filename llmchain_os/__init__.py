"""llmchain-os: a natural-language shell. ``from llmchain_os import Chain`` is the chain API.

Importing the package does no work; ``Chain`` is loaded on first access.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["Chain", "ChainResult", "Event", "Settings", "__version__"]

if TYPE_CHECKING:
    from llmchain_os.agent.events import Event
    from llmchain_os.api import ChainResult
    from llmchain_os.chain import Chain
    from llmchain_os.config import Settings

_LAZY = {
    "Chain": "llmchain_os.chain",
    "ChainResult": "llmchain_os.api",
    "Event": "llmchain_os.agent.events",
    "Settings": "llmchain_os.config",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'llmchain_os' has no attribute {name!r}")
