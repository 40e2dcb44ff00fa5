"""What the shell imports before its prompt: the start-up budget (0.3 s) depends on it.

The time itself is a benchmark (tools/bench.py startup); this guards the cause.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

HEAVY = (
    "pydantic",
    "rich",
    "llama_cpp",
    "langchain_core",
    "langchain_openai",
    "psutil",
    "chromadb",
    "mcp",
    "mcp_types",
    "uvicorn",
)


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


def _modules_after_main(*argv: str) -> set[str]:
    """The top-level modules loaded once ``llmos ARGV`` has run in a new process."""
    probe = (
        "import sys\nfrom llmchain_os.cli import main\n"
        f"try:\n    main({list(argv)!r})\nexcept SystemExit:\n    pass\n"
        "print('MODULES', ' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    return set(out.rsplit("MODULES ", 1)[1].split())


def test_help_does_not_import_memory() -> None:
    assert "chromadb" not in _modules_after_main("--help")
    assert "chromadb" not in _modules_after_main("memory", "--help")


def test_help_and_completions_do_not_import_the_mcp_sdk() -> None:
    for argv in (["--help"], ["mcp", "--help"], ["completions", "bash"]):
        loaded = _modules_after_main(*argv)
        assert not loaded & {"mcp", "mcp_types", "uvicorn", "starlette"}, argv


@pytest.mark.model
def test_a_plain_read_request_does_not_import_memory() -> None:
    """The request is still recorded: in memory's journal, which needs no chromadb."""
    from llmchain_os.memory.store import memory_dir

    loaded = _modules_after_main("run", "how full is my disk", "--json")
    assert "psutil" in loaded  # it did plan and run (disk_usage reads through psutil)
    assert "chromadb" not in loaded
    # a plan made by retrieval and the tools' cards loads no model and no LangChain
    assert "llama_cpp" not in loaded and "langchain_core" not in loaded
    assert "how full is my disk" in (memory_dir() / "journal.jsonl").read_text()
