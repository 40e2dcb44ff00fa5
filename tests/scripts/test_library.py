"""The script library on disk: files, modes, the JSON index, and its errors."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from llmchain_os.errors import ToolError
from llmchain_os.scripts.library import (
    ScriptLibrary,
    ScriptNameError,
    ScriptNotFound,
    sha256_text,
)


def test_default_root_is_the_xdg_data_dir(private_home: Path) -> None:
    lib = ScriptLibrary()
    record = lib.save("hello", "echo hi", "bash", "says hi")
    assert Path(record.path) == private_home / "xdg_data_home/llmchain-os/scripts/hello.sh"


def test_save_get_text_list_and_modes(tmp_path: Path) -> None:
    lib = ScriptLibrary(tmp_path / "lib")
    record = lib.save("backup-srv", "#!/bin/bash\necho hi", "bash", "backs up", ["/backup"])
    path = Path(record.path)
    assert path.read_text() == "#!/bin/bash\necho hi\n"  # a final newline is added
    assert stat.S_IMODE(path.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "lib").stat().st_mode) == 0o700
    assert record.sha256 == sha256_text("#!/bin/bash\necho hi\n")
    assert record.writes == ["/backup"]
    assert lib.get("backup-srv") == record
    assert lib.text("backup-srv") == path.read_text()
    assert [r.name for r in lib.list()] == ["backup-srv"]
    index = json.loads((tmp_path / "lib/index.json").read_text())
    assert index["backup-srv"]["description"] == "backs up"
    assert not list((tmp_path / "lib").glob("*.tmp"))  # atomic writes leave no temp files


def test_resave_keeps_created_and_history_and_drops_old_language_file(tmp_path: Path) -> None:
    lib = ScriptLibrary(tmp_path)
    first = lib.save("job", "echo 1", "bash", "v1")
    lib.record_run("job", "exit 0")
    second = lib.save("job", "print(2)", "python", "v2")
    assert second.created == first.created
    assert second.last_result == "exit 0" and second.last_run is not None
    assert second.path.endswith("job.py") and not Path(first.path).exists()
    assert second.sha256 != first.sha256


def test_record_run_and_remove(tmp_path: Path) -> None:
    lib = ScriptLibrary(tmp_path)
    record = lib.save("a1", "true", "bash", "")
    lib.record_run("a1", "exit 3")
    got = lib.get("a1")
    assert got.last_result == "exit 3" and got.last_run
    lib.remove("a1")
    assert not Path(record.path).exists()
    assert lib.list() == []
    with pytest.raises(ScriptNotFound, match="llmos scripts list"):
        lib.get("a1")
    with pytest.raises(ScriptNotFound):
        lib.remove("a1")
    with pytest.raises(ScriptNotFound):
        lib.record_run("a1", "exit 0")


@pytest.mark.parametrize("name", ["", "Backup", "-x", "a" * 41, "../etc", "a b", "x.sh"])
def test_bad_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ScriptNameError, match="lowercase"):
        ScriptLibrary(tmp_path).save(name, "true", "bash", "")
    assert not list(tmp_path.iterdir()) or not list(tmp_path.glob("*.sh"))


def test_edited_file_changes_the_current_hash(tmp_path: Path) -> None:
    lib = ScriptLibrary(tmp_path)
    record = lib.save("s", "echo a", "bash", "")
    Path(record.path).write_text("echo b\n")
    assert lib.current_sha256("s") != record.sha256
    assert lib.get("s").sha256 == record.sha256  # the index keeps what was saved


def test_a_damaged_index_is_an_error_that_says_where(tmp_path: Path) -> None:
    (tmp_path / "index.json").write_text("{not json")
    with pytest.raises(ToolError, match=r"index\.json"):
        ScriptLibrary(tmp_path).list()
