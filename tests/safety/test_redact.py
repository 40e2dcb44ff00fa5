"""redact: secrets are masked before text leaves the machine; ordinary text is left alone."""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from llmchain_os.safety import redact as redact_module
from llmchain_os.safety.redact import LINE_CAP, MASK, is_secret_key, redact, redact_data

CORPUS = Path(__file__).resolve().parent.parent / "data" / "secrets_corpus.tsv"

PRIVATE_KEY = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n"
    "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n"
    "-----END RSA PRIVATE KEY-----"
)

SECRETS = [
    ("aws access key", "key id AKIAIOSFODNN7EXAMPLE in use", "AKIAIOSFODNN7EXAMPLE"),
    ("openai key", "using sk-proj-abcdefghijklmnop1234 now", "sk-proj-abcdefghijklmnop1234"),
    ("password assignment", "password=hunter2 user=bob", "hunter2"),
    ("quoted password", 'db_password: "my secret pw"', "my secret pw"),
    ("env secret", "export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG", "wJalrXUtnFEMI/K7MDENG"),
    ("bearer token", "Authorization: Bearer abcdef1234567890xyz", "abcdef1234567890xyz"),
    ("github token", "ghp_" + "A1b2" * 9, "ghp_" + "A1b2" * 9),
    ("private key", f"key:\n{PRIVATE_KEY}\nend", "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0"),
    ("url credentials", "DATABASE_URL postgres://bob:s3cretpw@db:5432/app", "s3cretpw"),
    ("password is", "my password is hunter2 so log in", "hunter2"),
    ("my password colon", "my password: hunter2", "hunter2"),
]


@pytest.mark.parametrize(("text", "secret"), [s[1:] for s in SECRETS], ids=[s[0] for s in SECRETS])
def test_secret_is_masked(text: str, secret: str) -> None:
    out = redact(text)
    assert secret not in out
    assert MASK in out


def test_context_around_a_secret_is_kept() -> None:
    assert redact("password=hunter2 user=bob") == f"password={MASK} user=bob"
    assert redact("Authorization: Bearer abcdef1234567890xyz") == f"Authorization: Bearer {MASK}"
    assert redact(f"key:\n{PRIVATE_KEY}\nend") == f"key:\n{MASK}\nend"


@pytest.mark.parametrize(
    "text",
    [
        "The filesystem at / is 23% full: 22.1 GiB used, 78.9 GiB free of 251.0 GiB.",
        "nginx (pid 1234) is sleeping, run by www-data, using 0% CPU and 12.5 MiB of memory.",
        "Wie viel Speicher ist frei? ディスクの空き容量は？",
        "sk-short and AKIA123 are not keys; a secretary has a passport",
        "cd /tmp && pwd",
        "",
    ],
)
def test_ordinary_text_is_unchanged(text: str) -> None:
    assert redact(text) == text


def test_json_password_is_masked() -> None:
    assert "hunter2" not in redact('{"user": "bob", "password": "hunter2"}')


def test_private_key_without_end_line_is_masked() -> None:
    cut = PRIVATE_KEY.rsplit("\n", 1)[0]
    assert "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0" not in redact(cut)


def test_context_around_url_and_spoken_passwords_is_kept() -> None:
    assert redact("postgres://bob:s3cretpw@db:5432/app") == f"postgres://bob:{MASK}@db:5432/app"
    assert redact("my password is hunter2 so log in") == f"my password is {MASK} so log in"
    assert redact("https://example.com:8080/a@b") == "https://example.com:8080/a@b"


SHELL_RESULT = {
    "command": "cat creds.json",
    "exit_code": 0,
    "stdout": '{"password": "hunter2", "token": "abc"}\nurl=https://me:s3cretpw@host/\n',
    "stderr": "",
    "truncated": False,
}


def test_redact_data_masks_secrets_that_json_escaping_would_hide() -> None:
    # Escaped quotes (\"password\": \"x\") are read too, but the structure is the safe way.
    assert "hunter2" not in redact(json.dumps(SHELL_RESULT))
    out = json.dumps(redact_data(SHELL_RESULT))
    assert "hunter2" not in out and "s3cretpw" not in out
    assert json.loads(out)["command"] == "cat creds.json"
    assert json.loads(out)["exit_code"] == 0


def test_redact_data_masks_values_under_secret_keys_and_walks_lists() -> None:
    data = {"user": "bob", "password": "plain", "items": [{"api_key": 42}, "sk-" + "a" * 20]}
    out = redact_data(data)
    assert out == {"user": "bob", "password": MASK, "items": [{"api_key": MASK}, MASK]}
    assert data["password"] == "plain"  # the input is not changed


@pytest.mark.parametrize("value", [None, 3, 2.5, True, "", "plain text", [1, "a"]])
def test_redact_data_leaves_ordinary_data_alone(value: object) -> None:
    assert redact_data({"value": value}) == {"value": value}


def _corpus(kind: str) -> list[tuple[str, str]]:
    """(text, secret) rows of one kind from the corpus; a literal \\n in text is a line break."""
    rows = []
    for line in CORPUS.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            row_kind, text, *secret = line.split("\t")
            if row_kind == kind:
                rows.append((text.replace("\\n", "\n"), secret[0] if secret else ""))
    return rows


CORPUS_SECRETS = _corpus("secret")
CORPUS_KEEPS = [text for text, _ in _corpus("keep")]


def test_the_corpus_has_both_kinds_and_every_secret_row_names_its_secret() -> None:
    assert len(CORPUS_SECRETS) + len(CORPUS_KEEPS) >= 60
    assert len(CORPUS_SECRETS) >= 40 and len(CORPUS_KEEPS) >= 20
    assert all(secret and secret in text for text, secret in CORPUS_SECRETS)


@pytest.mark.parametrize(
    ("text", "secret"), CORPUS_SECRETS, ids=[t[:40] for t, _ in CORPUS_SECRETS]
)
def test_every_corpus_secret_is_masked(text: str, secret: str) -> None:
    out = redact(text)
    assert secret not in out
    assert MASK in out


@pytest.mark.parametrize("text", CORPUS_KEEPS, ids=[t[:40] for t in CORPUS_KEEPS])
def test_every_corpus_near_miss_is_unchanged(text: str) -> None:
    assert redact(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("DB_PASS=hX9kq2", f"DB_PASS={MASK}"),
        ("passphrase: correct horse battery staple", f"passphrase: {MASK}"),
        ("PIN=1234", f"PIN={MASK}"),
        ("pin code: 4821", f"pin code: {MASK}"),
        ("machine h login u password p", f"machine h login u password {MASK}"),
        ('{"password": "hunter2", "user": "bob"}', f'{{"password": "{MASK}", "user": "bob"}}'),
        ("GET /items?token=abc123&page=2", f"GET /items?token={MASK}&page=2"),
    ],
)
def test_the_red_teams_shapes_keep_their_key_and_lose_their_value(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("DB_PASS", True),
        ("dbPassword", True),
        ("PGPASSWORD", True),
        ("pin code", True),
        ("x-api-key", True),
        ("AWS_SECRET_ACCESS_KEY", True),
        ("password_hash", True),
        ("SPINNER", False),
        ("pinned", False),
        ("password_min_length", False),
        ("token_count", False),
        ("max_tokens", False),
        ("PWD", False),
        ("hotkey", False),
        ("", False),
    ],
)
def test_is_secret_key(key: str, secret: bool) -> None:
    assert is_secret_key(key) is secret


def test_redact_data_keeps_counts_whose_names_mention_tokens() -> None:
    usage = {"prompt_tokens": 1, "total_tokens": 2, "token_count": 3, "pin": 1234}
    assert redact_data(usage) == {**usage, "pin": MASK}


def test_detect_secrets_finds_what_the_rules_alone_miss(monkeypatch: pytest.MonkeyPatch) -> None:
    text = "charge sk_live_4eC39HqLyjWDarjtT1zdp7dc and DBPASS=foo123bar"
    assert "sk_live_4eC39HqLyjWDarjtT1zdp7dc" not in redact(text)
    assert "foo123bar" not in redact(text)
    monkeypatch.setattr(redact_module, "_detectors", lambda: None)
    assert redact(text) == text


def test_without_detect_secrets_the_rules_still_apply_and_one_warning_says_so(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setitem(sys.modules, "detect_secrets.core.plugins.util", None)
    redact_module._detectors.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger="llmchain_os.safety.redact"):
            assert redact("DB_PASS=hX9kq2 PIN=1234") == f"DB_PASS={MASK} PIN={MASK}"
            assert redact("pin code: 4821") == f"pin code: {MASK}"
    finally:
        redact_module._detectors.cache_clear()
    assert [r.message for r in caplog.records].count(caplog.records[0].message) == 1
    assert "detect-secrets" in caplog.records[0].message


def _sixty_four_kb() -> str:
    """64 KB of shell output where about a third of the lines hold a secret (worse than real)."""
    shapes = [
        "USER=bob{i}\nPATH=/usr/local/bin:/usr/bin:/bin:/opt/{i}/bin",
        "root {i:>6}  0.0  0.1 169084 13128 ?  Ss  Oct01  0:07 /usr/sbin/sshd -D",
        '{{"name": "svc{i}", "pid": {i}, "status": "sleeping", "memory_percent": 0.3}}',
        "2024-10-01T12:00:00Z INFO handled /api/v1/items?page={i} in 12ms",
        "DB_PASS=pw{i}x9 password: hunter{i} api_key = 'k{i}AbCdEf'",
        "Authorization: Bearer abcdef{i:06d}ghijkl postgres://app:pg{i}@db/app",
        "commit {i:040x}",
        '  "integrity": "sha512-Zm9vYmFyYmF6cXV4{i:08d}QUJDREVGR0hJSktMTU5PUFFSU1RVVldY",',
    ]
    lines: list[str] = []
    i = 0
    while sum(map(len, lines)) < 64 * 1024:
        lines.append(shapes[i % len(shapes)].format(i=i))
        i += 1
    return "\n".join(lines)[: 64 * 1024]


def test_64_kb_is_redacted_well_under_100_ms() -> None:
    text = _sixty_four_kb()
    one_line = text.replace("\n", " ")  # longer than LINE_CAP: the keyword plugin skips it
    assert len(one_line) > LINE_CAP
    redact("warm up: detect-secrets is imported on the first call")
    for sample in (text, one_line):
        best = min(_seconds(redact, sample) for _ in range(3))
        assert best < 0.1, f"{best * 1000:.0f} ms for {len(sample)} characters"


def _seconds(fn: Callable[[str], str], arg: str) -> float:
    start = time.perf_counter()
    fn(arg)
    return time.perf_counter() - start
