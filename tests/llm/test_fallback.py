"""The fallback to provider profiles, against a real HTTP endpoint on 127.0.0.1 that can fail.

Each fault (down, HTTP 500, malformed JSON, slower than the timeout) ends in the next profile
or a one-line unsure that names the profile and the cause; the breaker opens after its
failures (no more calls reach the server), half-opens after its cool-down and closes again.
The local side is the real embedded model; "tell me a joke" is a request it is unsure of.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from llmchain_os.api import ChainResult, Session
from llmchain_os.config import ProviderProfile, Settings, load_settings
from llmchain_os.doctor import provider_checks
from llmchain_os.exitcodes import ExitCode
from llmchain_os.llm.errors import ModelError
from tests.endpoint import Endpoint, dead_url

UNSURE_TEXT = "tell me a joke"


def work(url: str, **extra: Any) -> Settings:
    """Settings with one fallback profile, "work", at ``url``."""
    profile = ProviderProfile(base_url=url, model="m-work", **extra)
    return Settings(providers={"work": profile}, fallback=["work"], n_threads=1)


def ask(settings: Settings, local_model: object, text: str = UNSURE_TEXT) -> ChainResult:
    session = Session(settings, model=local_model)  # type: ignore[arg-type]
    return ChainResult.from_events(text, list(session.handle(text)))


def test_a_profile_from_config_answers_and_the_result_names_it(local_model: object) -> None:
    with Endpoint(reply="Why did the disk fill up?") as server:
        path = Path(os.environ["XDG_CONFIG_HOME"]) / "llmchain-os" / "config.toml"
        path.parent.mkdir(parents=True)
        path.write_text(
            f'fallback = ["work"]\n[providers.work]\nbase_url = "{server.url}"\n'
            'model = "m-work"\napi_key_env = "WORK_KEY"\n'
        )
        os.environ["WORK_KEY"] = "wk-0123456789abcdef"
        try:
            result = ask(load_settings(), local_model)
        finally:
            del os.environ["WORK_KEY"]
    assert (result.provider, result.model) == ("work", "m-work")
    assert result.answer == "Why did the disk fill up?" and result.unsure is None
    assert result.fallback is not None and result.fallback["tried"] == []
    assert server.auth == ["Bearer wk-0123456789abcdef"]
    assert "m-work" in server.bodies[0]
    dumped = result.model_dump(mode="json")  # what --json prints
    assert dumped["provider"] == "work" and dumped["model"] == "m-work"


@pytest.mark.parametrize(
    ("mode", "cause", "hits"),
    [
        ("500", "HTTP 500", 2),  # retried once, then given up
        ("malformed", "malformed answer", 2),
        ("slow", "no answer within 0.5 s", 1),  # a timeout is not retried
    ],
)
def test_each_fault_is_a_one_line_unsure_naming_the_profile(
    local_model: object, mode: str, cause: str, hits: int
) -> None:
    with Endpoint(mode=mode, slow_s=2.0) as server:
        result = ask(work(server.url, timeout_s=0.5, retries=1), local_model)
    assert result.exit_code == ExitCode.UNSURE and result.steps == []
    assert result.unsure is not None and "\n" not in result.unsure
    assert "work (m-work)" in result.unsure and cause in result.unsure
    assert result.fallback is not None
    [tried] = result.fallback["tried"]
    assert tried["provider"] == "work" and cause in tried["error"]
    assert server.hits == hits


def test_an_endpoint_that_is_down_is_a_one_line_unsure(local_model: object) -> None:
    url = dead_url()
    result = ask(work(url, retries=0), local_model)
    assert result.exit_code == ExitCode.UNSURE
    assert result.unsure is not None and "\n" not in result.unsure
    assert f"work (m-work): cannot connect to {url}" in result.unsure


def test_the_next_profile_answers_when_the_first_is_down(local_model: object) -> None:
    with Endpoint(reply="from the spare") as spare:
        settings = Settings(
            providers={
                "work": ProviderProfile(base_url=dead_url(), model="m-work", retries=0),
                "spare": ProviderProfile(base_url=spare.url, model="m-spare"),
            },
            fallback=["work", "spare"],
            n_threads=1,
        )
        result = ask(settings, local_model)
    assert (result.provider, result.model, result.answer) == ("spare", "m-spare", "from the spare")
    assert result.fallback is not None
    assert [t["provider"] for t in result.fallback["tried"]] == ["work"]


def test_a_transient_500_is_retried_with_backoff_and_then_answered(local_model: object) -> None:
    with Endpoint(reply="second time lucky") as server:
        server.modes = ["500"]
        started = time.monotonic()
        result = ask(work(server.url, retries=2), local_model)
        took = time.monotonic() - started
    assert (result.provider, result.answer) == ("work", "second time lucky")
    assert server.hits == 2 and took >= 0.5  # one backoff wait before the retry


def test_the_breaker_opens_refuses_half_opens_and_closes(local_model: object) -> None:
    settings = work("", retries=0, breaker_failures=2, breaker_cooldown_s=1.5)
    with Endpoint(mode="500") as server:
        settings.providers["work"].base_url = server.url
        for _ in range(2):
            assert ask(settings, local_model).exit_code == ExitCode.UNSURE
        assert server.hits == 2
        refused = ask(settings, local_model)  # a new session: the state is on disk
        assert server.hits == 2, "an open breaker let a call through"
        assert refused.unsure is not None and "breaker open" in refused.unsure
        assert doctor_line(settings).startswith("FAIL ") and "breaker open" in doctor_line(settings)
        time.sleep(1.6)
        assert doctor_line(settings).startswith("openai ")
        assert "breaker half-open" in doctor_line(settings)
        server.mode = "ok"
        healed = ask(settings, local_model)
    assert server.hits == 3 and healed.provider == "work" and healed.answer == "ok"
    assert doctor_line(settings).endswith("no key; breaker closed")


def test_a_failed_trial_opens_the_breaker_again(local_model: object) -> None:
    settings = work("", retries=0, breaker_failures=1, breaker_cooldown_s=1.0)
    with Endpoint(mode="500") as server:
        settings.providers["work"].base_url = server.url
        ask(settings, local_model)
        time.sleep(1.1)
        ask(settings, local_model)  # the trial, and it fails
        again = ask(settings, local_model)
    assert server.hits == 2
    assert again.unsure is not None and "breaker open" in again.unsure


def test_a_local_model_that_cannot_load_falls_back(tmp_path: Path) -> None:
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(b"not a model at all")
    with Endpoint(reply="answered for the broken model") as server:
        settings = work(server.url).model_copy(update={"model_path": str(broken)})
        session = Session(settings)
        result = ChainResult.from_events(UNSURE_TEXT, list(session.handle(UNSURE_TEXT)))
    assert result.provider == "work" and result.error is None
    assert result.fallback is not None and "local model failed" in result.fallback["why"]


def test_cloud_never_sends_nothing(local_model: object) -> None:
    with Endpoint() as server:
        settings = work(server.url).model_copy(update={"cloud": "never"})
        result = ask(settings, local_model)
    assert result.exit_code == ExitCode.UNSURE and server.hits == 0


def test_a_key_file_others_can_read_is_refused_in_one_line(
    local_model: object, tmp_path: Path
) -> None:
    key = tmp_path / "work.key"
    key.write_text("wk-fromfile-000111\n")
    key.chmod(0o644)
    with Endpoint() as server:
        result = ask(work(server.url, api_key_file=str(key)), local_model)
        assert server.hits == 0
        key.chmod(0o600)
        fixed = ask(work(server.url, api_key_file=str(key)), local_model)
    assert result.unsure is not None and "chmod 600" in result.unsure
    assert "wk-fromfile-000111" not in result.unsure
    assert fixed.provider == "work" and server.auth == ["Bearer wk-fromfile-000111"]


def doctor_line(settings: Settings) -> str:
    """doctor's line on the "work" profile, "FAIL" in front when its check fails."""
    check = next(c for c in provider_checks(settings) if c.name == "provider work")
    return check.detail if check.ok else f"FAIL {check.detail}"


def test_model_route_sends_every_request_to_a_chosen_profile_or_none(local_model: object) -> None:
    with Endpoint(reply="from work") as server:
        session = Session(work(server.url), model=local_model)  # type: ignore[arg-type]
        assert session.use("work") == "every request goes to work"
        text = "how full is my disk"  # one the local planner does itself
        chosen = ChainResult.from_events(text, list(session.handle(text)))
        assert (chosen.provider, chosen.answer, server.hits) == ("work", "from work", 1)
        assert session.use("local") == "every request goes to local"
        alone = ChainResult.from_events(UNSURE_TEXT, list(session.handle(UNSURE_TEXT)))
        assert alone.exit_code == ExitCode.UNSURE and server.hits == 1
        assert session.use("auto") == "auto: local -> work"
    with pytest.raises(ModelError, match="Cannot use nowhere: not configured"):
        session.use("nowhere")
    never = Session(work("http://127.0.0.1:9/v1").model_copy(update={"cloud": "never"}))
    with pytest.raises(ModelError, match='cloud = "never"'):
        never.use("work")


def test_the_shell_says_which_profile_answered(local_model: object) -> None:
    from rich.console import Console

    from llmchain_os.repl.render import Renderer

    with Endpoint(reply="a joke") as server:
        session = Session(work(server.url), model=local_model)  # type: ignore[arg-type]
        console = Console(record=True, width=100)
        for ev in session.handle(UNSURE_TEXT):
            Renderer(console).render(ev)
    assert "a joke\n(answered by work, m-work)" in console.export_text()


def test_llmos_run_json_names_who_answered_and_who_failed_before() -> None:
    from tests.test_cli import llmos

    with Endpoint(reply="a joke from work") as server:
        path = Path(os.environ["XDG_CONFIG_HOME"]) / "llmchain-os" / "config.toml"
        path.parent.mkdir(parents=True)
        path.write_text(
            f'fallback = ["down", "work"]\n[providers.down]\nbase_url = "{dead_url()}"\n'
            f'model = "m-down"\nretries = 0\n[providers.work]\nbase_url = "{server.url}"\n'
            'model = "m-work"\n'
        )
        proc = llmos("run", "--json", UNSURE_TEXT)
    data = json.loads(proc.stdout)
    assert proc.returncode == 0, proc.stderr
    assert (data["provider"], data["model"], data["answer"]) == (
        "work",
        "m-work",
        "a joke from work",
    )
    assert [t["provider"] for t in data["fallback"]["tried"]] == ["down"]
    assert "cannot connect" in data["fallback"]["tried"][0]["error"]
