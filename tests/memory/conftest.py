"""A real chromadb store on disk under the test's own data dir, with the real MiniLM model."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from llmchain_os.memory.store import MemoryStore, forget_shared, memory_dir


@pytest.fixture
def store(private_home: object) -> Iterator[MemoryStore]:
    opened = MemoryStore(memory_dir())
    yield opened
    opened.close()
    forget_shared(memory_dir())


def finished(
    request: str, tool: str = "disk_usage", ok: bool = True, **args: Any
) -> dict[str, Any]:
    """A ChainResult's JSON, as the session hands it to memory."""
    args = args or {"path": "/"}
    return {
        "request": request,
        "provider": "local",
        "plan": [{"tool": tool, "args": args, "risk": "read", "why": "test"}],
        "steps": [
            {
                "tool": tool,
                "args": args,
                "risk": "read",
                "status": "done" if ok else "failed",
                "summary": f"{tool} said fine" if ok else "",
                "error": None if ok else "it broke",
                "output": {"huge": "x" * 10_000},
            }
        ],
        "answer": f"{tool} said fine" if ok else "",
        "exit_code": 0 if ok else 1,
    }
