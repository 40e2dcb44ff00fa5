"""The cloud provider and the fallback to it, against llama.cpp's own OpenAI-compatible server.

The "cloud" here is a real HTTP endpoint on 127.0.0.1 serving the embedded GGUF; a socket that
accepts and never answers stands in for an endpoint that times out.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from llmchain_os.api import ChainResult, Session
from llmchain_os.config import ProviderProfile, Settings
from llmchain_os.exitcodes import ExitCode
from llmchain_os.llm import get_model
from llmchain_os.llm.models import embedded_model_path
from tests.fakes import ScriptedChatModel
from tools.evallib.recorder import Recorder
from tools.evallib.tasks import CloudReply


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_llama_server(port: int) -> subprocess.Popen[bytes]:
    """llama.cpp's own OpenAI-compatible server on 127.0.0.1:``port``, serving the embedded
    model as "smollm2"; returns once it answers."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(embedded_model_path()),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--n_threads",
            "1",
            "--n_ctx",
            "2048",
            "--model_alias",
            "smollm2",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=2):
                return proc
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail("llama_cpp.server did not start")
            time.sleep(0.3)


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def openai_server() -> Iterator[str]:
    port = _free_port()
    proc = start_llama_server(port)
    try:
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        stop(proc)


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """Accepts connections and never answers: a cloud endpoint that hangs."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}/v1"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_cloud_model_answers_through_an_openai_compatible_endpoint(openai_server: str) -> None:
    model = get_model(Settings(cloud_base_url=openai_server, cloud_model="smollm2"), "cloud")
    reply = model.invoke("Say hello in one word.")
    assert isinstance(reply.content, str) and reply.content.strip()


def test_unsure_request_falls_back_to_the_cloud_endpoint(
    openai_server: str, local_model: object
) -> None:
    settings = Settings(cloud_base_url=openai_server, cloud_model="smollm2", n_threads=1)
    session = Session(settings, model=local_model)  # type: ignore[arg-type]
    text = "tell me a joke"
    result = ChainResult.from_events(text, list(session.handle(text)))
    assert result.provider == "cloud"
    assert result.model == "smollm2"
    assert result.error is None and result.unsure is None
    assert result.answer


def test_a_hanging_cloud_endpoint_gives_a_one_line_unsure(
    silent_endpoint: str, local_model: object
) -> None:
    settings = Settings(cloud_base_url=silent_endpoint, cloud_timeout_s=1.0, n_threads=1)
    session = Session(settings, model=local_model)  # type: ignore[arg-type]
    text = "tell me a joke"
    result = ChainResult.from_events(text, list(session.handle(text)))
    assert result.exit_code == ExitCode.UNSURE
    assert result.unsure is not None and "cloud fallback failed" in result.unsure
    assert "\n" not in result.unsure
    assert result.steps == []


def test_nothing_goes_to_the_cloud_when_cloud_is_not_allowed(local_model: object) -> None:
    cloud = ScriptedChatModel(replies=[])
    settings = Settings(cloud_base_url="http://127.0.0.1:9/v1", allow_cloud=False, n_threads=1)
    session = Session(settings, model=local_model, cloud=cloud)  # type: ignore[arg-type]
    result = ChainResult.from_events("tell me a joke", list(session.handle("tell me a joke")))
    assert result.exit_code == ExitCode.UNSURE
    assert cloud.history == []


def test_secrets_are_redacted_before_they_reach_the_cloud(local_model: object) -> None:
    cloud = ScriptedChatModel(replies=["I cannot tell jokes."])
    session = Session(Settings(n_threads=1), model=local_model, cloud=cloud)  # type: ignore[arg-type]
    text = "tell me a joke about password=hunter2 and sk-abcdefghijklmnopqrstuvwx"
    result = ChainResult.from_events(text, list(session.handle(text)))
    sent = " ".join(str(m.content) for m in cloud.history[0][0])
    assert "hunter2" not in sent and "sk-abcdefghijklmnopqrstuvwx" not in sent
    assert "[REDACTED]" in sent
    assert result.provider == "cloud" and result.answer == "I cannot tell jokes."


# The red team's shapes that once reached the cloud stand-in, and the values that must not.
RED_TEAM_NOTES = (
    "DB_PASS=Zq7dbPassVal\n"
    "passphrase: Quartz lantern orbit\n"
    "PIN=4711\n"
    "pin code: 4821\n"
    "machine h login u password NtRcPw93\n"
    "url=postgres://app:Pg5ecretVal@db/app\n"
)
RED_TEAM_SECRETS = [
    "Zq7dbPassVal",
    "Quartz lantern orbit",
    "4711",
    "4821",
    "NtRcPw93",
    "Pg5ecretVal",
]


def test_secrets_never_arrive_at_the_receiving_server(tmp_path: Path, local_model: object) -> None:
    """Through the real cloud path (ChatOpenAI over HTTP) to a recording 127.0.0.1 server:
    the secrets in the request and in a tool result are masked in what the server receives."""
    notes = tmp_path / "notes.txt"
    notes.write_text(RED_TEAM_NOTES)
    replies = [
        CloudReply(tool="run_shell", args={"command": f"cat {notes}"}),
        CloudReply(text="ok"),
    ]
    text = "tell me a joke about DB_PASS=Zq7dbPassVal and pin code: 4821"
    with Recorder(replies) as server:
        settings = Settings(cloud_base_url=server.url, cloud_model="recorder", n_threads=1)
        session = Session(settings, model=local_model)  # type: ignore[arg-type]
        events = list(session.handle(text, approve=lambda step, decision: True))
    result = ChainResult.from_events(text, events)
    assert result.provider == "cloud" and result.answer == "ok"
    assert [(s.tool, s.status.value) for s in result.steps] == [("run_shell", "done")]
    assert len(server.bodies) == 2  # the request, then the request with the tool's output
    arrived = "\n".join(server.bodies)
    assert [s for s in RED_TEAM_SECRETS if s in arrived] == []
    assert "DB_PASS=[REDACTED]" in server.bodies[0] and "password [REDACTED]" in server.bodies[1]


def test_the_breaker_opens_when_the_llama_server_dies_and_closes_when_it_is_back(
    local_model: object,
) -> None:
    port = _free_port()
    profile = ProviderProfile(
        base_url=f"http://127.0.0.1:{port}/v1",
        model="smollm2",
        retries=0,
        breaker_failures=1,
        breaker_cooldown_s=2.0,
    )
    settings = Settings(providers={"llama": profile}, fallback=["llama"], n_threads=1)

    def ask() -> ChainResult:
        session = Session(settings, model=local_model)  # type: ignore[arg-type]
        return ChainResult.from_events("tell me a joke", list(session.handle("tell me a joke")))

    proc = start_llama_server(port)
    try:
        served = ask()
        assert (served.provider, served.model) == ("llama", "smollm2") and served.answer
    finally:
        stop(proc)
    down = ask()
    assert down.unsure is not None and "llama (smollm2): cannot connect" in down.unsure
    refused = ask()
    assert refused.unsure is not None and "breaker open" in refused.unsure
    proc = start_llama_server(port)
    try:
        time.sleep(2.0)  # the cool-down: the next call is a trial
        back = ask()
    finally:
        stop(proc)
    assert back.provider == "llama" and back.unsure is None
