"""What the shell imports before its prompt: the start-up budget (0.3 s) depends on it.

The time itself is a benchmark (tools/bench.py startup); this guards the cause.
"""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("pydantic", "rich", "llama_cpp", "langchain_core", "langchain_openai", "psutil")


def _imported_after(code: str) -> set[str]:
    probe = f"{code}\nimport sys\nprint(' '.join(sorted(sys.modules)))"
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout.split()
    return {name for name in out if name.split(".")[0] in HEAVY}


def test_the_shell_path_imports_nothing_heavy_before_the_prompt() -> None:
    assert _imported_after("import llmchain_os.cli, llmchain_os.repl.app") == set()


def test_importing_the_package_does_no_work() -> None:
    assert _imported_after("import llmchain_os") == set()
