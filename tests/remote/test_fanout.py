"""Fan-out over real sshd hosts: results per host, a dead host among them, grouped outcomes,
streaming, and SFTP upload."""

from __future__ import annotations

from pathlib import Path

from llmchain_os.remote.fanout import HostResult, LineJoiner, command_work, run_on, stream_fan_out
from llmchain_os.remote.inventory import Host, Inventory
from llmchain_os.remote.ssh import SSHPool
from llmchain_os.remote.transfer import upload_to
from tests.remote.conftest import host_of, write_state
from tests.remote.sshd import SSHDHost


def with_dead(inventory: Inventory, dead_port: int, tmp_path: Path) -> list[Host]:
    dead = host_of(SSHDHost("web-09", tmp_path, port=dead_port), tmp_path / "none")
    return [*inventory, dead]


def test_one_dead_host_never_hides_the_others(
    pool: SSHPool, inventory: Inventory, dead_port: int, tmp_path: Path
) -> None:
    result = run_on(pool, with_dead(inventory, dead_port, tmp_path), "echo $LLMOS_TEST_HOST")

    by_host = {r.host: r for r in result.results}
    assert [r.host for r in result.results] == ["web-01", "web-02", "web-03", "web-09"]
    for name in ("web-01", "web-02", "web-03"):
        assert (by_host[name].exit_status, by_host[name].stdout) == (0, f"{name}\n")
    assert "refused" in by_host["web-09"].error and by_host["web-09"].failed
    assert result.failure() == "1 of 4 hosts failed (web-09)"
    assert result.subject() == {"hosts": "web-01,web-02,web-03"}
    assert "web-09" in [row[0] for row in result.table().rows]


def test_identical_outputs_are_grouped_so_the_odd_host_stands_out(
    pool: SSHPool, inventory: Inventory, fleet: dict[str, SSHDHost]
) -> None:
    write_state(fleet, {"web-01": "active", "web-02": "active", "web-03": "inactive"})

    result = run_on(pool, list(inventory), 'cat "$LLMOS_TEST_DIR/state"')

    assert result.groups() == [(["web-01", "web-02"], "active"), (["web-03"], "inactive")]
    assert result.summary().endswith("web-01, web-02: active; web-03: inactive")


def test_a_timeout_on_one_host_leaves_the_others_their_results(
    pool: SSHPool, inventory: Inventory, fleet: dict[str, SSHDHost]
) -> None:
    write_state(fleet, {"web-01": "30", "web-02": "0", "web-03": "0"})
    command = 'sleep "$(cat "$LLMOS_TEST_DIR/state")"; echo woke'
    result = run_on(pool, list(inventory), command, timeout_s=1.0)

    outcomes = {r.host: (r.timed_out, r.stdout) for r in result.results}
    assert outcomes == {
        "web-01": (True, ""),
        "web-02": (False, "woke\n"),
        "web-03": (False, "woke\n"),
    }


def test_output_streams_per_host_before_the_results(pool: SSHPool, inventory: Inventory) -> None:
    items = list(stream_fan_out(list(inventory), command_work(pool, "echo a; echo b >&2")))

    chunks, results = items[:-1], items[-1]
    assert isinstance(results, list) and all(isinstance(r, HostResult) for r in results)
    joiner = LineJoiner()
    lines = "".join(joiner.feed(c) for c in chunks if isinstance(c, tuple)) + joiner.flush()
    assert sorted(lines.splitlines()) == sorted(
        f"{h}: {x}" for h in ("web-01", "web-02", "web-03") for x in "ab"
    )


def test_remote_control_characters_are_shown_inert(pool: SSHPool, inventory: Inventory) -> None:
    result = run_on(pool, [inventory.get("web-01")], r"printf 'ok\033]0;pwned\007\r\n'")
    assert "\033" not in result.summary() and "\r" not in result.summary()


def test_upload_puts_the_file_checks_it_and_keeps_its_mode(
    pool: SSHPool, inventory: Inventory, tmp_path: Path, dead_port: int
) -> None:
    script = tmp_path / "backup.sh"
    script.write_text("#!/bin/sh\necho backed up\n")
    script.chmod(0o750)
    dest = tmp_path / "landed"
    dest.mkdir()
    hosts = [inventory.get("web-02"), *with_dead(Inventory(), dead_port, tmp_path)]

    result = upload_to(pool, hosts, str(script), f"{dest}/")

    ok, dead = result.results
    assert ok.exit_status == 0 and not ok.error, ok
    assert (dest / "backup.sh").read_text() == script.read_text()
    assert (dest / "backup.sh").stat().st_mode & 0o777 == 0o750
    assert "refused" in dead.error
    assert pool.run(inventory.get("web-02"), f"{dest}/backup.sh").stdout == "backed up\n"
