"""Nothing in the secrets corpus reaches a cloud endpoint unredacted, checked at the server.

Each row goes the real way out (a fallback profile's resilient model, ChatOpenAI, HTTP) to a
127.0.0.1 endpoint, as the request, as a tool call's arguments and as a tool's result; the
test reads what the server received. Near-misses arrive as they were written.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage

from llmchain_os.config import ProviderProfile, Settings
from llmchain_os.llm import get_resilient_model
from tests.endpoint import Endpoint

DATA = Path(__file__).resolve().parent.parent / "data"
CORPORA = ("secrets_corpus.tsv", "secrets_corpus_cloud.tsv")
USER_KEY = "plainish0key0value"  # the user's own key: no pattern knows its shape


def rows(kind: str) -> list[tuple[str, str]]:
    found = []
    for name in CORPORA:
        for line in (DATA / name).read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                row_kind, text, *secret = line.split("\t")
                if row_kind == kind:
                    found.append((text.replace("\\n", "\n"), secret[0] if secret else ""))
    return found


def conversation(text: str) -> list[BaseMessage]:
    call = {"name": "run_shell", "args": {"command": text}, "id": "call_1", "type": "tool_call"}
    return [
        SystemMessage("You run tools."),
        HumanMessage(text),
        AIMessage(content="", tool_calls=[call]),
        ToolMessage(content=text, tool_call_id="call_1"),
    ]


def arrived(body: str) -> list[str]:
    """Every text the server decoded from one request: contents and call arguments."""
    texts: list[str] = []
    for msg in json.loads(body)["messages"]:
        if isinstance(msg.get("content"), str):
            texts.append(msg["content"])
        for call in msg.get("tool_calls") or []:
            texts.append(json.loads(call["function"]["arguments"])["command"])
    return texts


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Sends texts through a fallback profile; returns what the server received of each."""
    monkeypatch.setenv("WORK_KEY", USER_KEY)
    with Endpoint() as server:
        profile = ProviderProfile(base_url=server.url, model="m", api_key_env="WORK_KEY")
        settings = Settings(providers={"work": profile}, fallback=["work"])
        model = get_resilient_model(settings, "work")

        def send(text: str) -> tuple[str, list[str]]:
            model.invoke(conversation(text))
            body = server.bodies[-1]
            return body, arrived(body)

        yield send
    assert os.environ["WORK_KEY"] == USER_KEY


def test_the_corpora_hold_enough_of_both_kinds() -> None:
    assert len(rows("secret")) >= 70 and len(rows("keep")) >= 50
    assert all(secret and secret in text for text, secret in rows("secret"))


def test_no_corpus_secret_arrives_at_the_server(sent: Any) -> None:
    leaked = []
    for text, secret in rows("secret"):
        body, texts = sent(text)
        if secret in body or any(secret in t for t in texts) or len(texts) != 4:
            leaked.append(text[:60])
    assert leaked == []


def test_every_near_miss_arrives_as_written(sent: Any) -> None:
    changed = []
    for text, _ in rows("keep"):
        _, texts = sent(text)
        if texts[1:] != [text, text, text]:
            changed.append(text[:60])
    assert changed == []


def test_the_users_own_key_is_masked_wherever_it_stands(sent: Any) -> None:
    body, texts = sent(f"why does {USER_KEY} not work with curl")
    assert USER_KEY not in body
    assert texts[1] == "why does [REDACTED] not work with curl"
