"""Secrets out of text before it leaves the machine (cloud prompts, logs shown to others)."""

from __future__ import annotations

import re
from typing import Any

PATTERNS = [
    # A key cut short (by head, or an output cap) is still a key: mask to its end or the text's.
    re.compile(
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?(?:-----END [A-Z ]*PRIVATE KEY-----|\Z)", re.S
    ),
    re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"),  # AWS access key id
    re.compile(r"\bsk-[A-Za-z0-9_\-]{16,}\b"),  # OpenAI-style keys
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b"),  # GitHub tokens
    re.compile(r"\bxox[abpr]-[A-Za-z0-9\-]{10,}\b"),  # Slack tokens
    re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\b"),  # JWT
    re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._\-]{12,}"),
]
ASSIGNMENT = re.compile(
    r"(?i)\b([\w.-]*(?:password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key)[\w.-]*)"
    r"(\"?\s*[:=]\s*)(\"[^\"]*\"|'[^']*'|[^\s,}]+)"
)
MASK = "[REDACTED]"
# Secrets whose context stays: group 1 before the secret, group 2 the secret, group 3 after.
IN_CONTEXT = [
    # scheme://user:PASSWORD@host
    re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://[^\s:/@]*:)([^\s@/]+)(@)"),
    # "my password is hunter2", "the passphrase was 'x y'"
    re.compile(
        r"(?i)\b((?:password|passphrase|passwd|passcode)\s+(?:is|was)\s+)"
        r"(\"[^\"]*\"|'[^']*'|[^\s,;]+)()"
    ),
]
SECRET_KEY = re.compile(
    r"(?i)password|passwd|passphrase|^pwd$|secret|token|api[_-]?key|access[_-]?key|private[_-]?key"
)


def redact(text: str) -> str:
    """``text`` with keys, tokens, passwords and private keys replaced by [REDACTED]."""
    for pattern in PATTERNS:
        text = pattern.sub(lambda m: f"{m.group(1)} {MASK}" if m.re.groups else MASK, text)
    for pattern in IN_CONTEXT:
        text = pattern.sub(lambda m: f"{m.group(1)}{MASK}{m.group(3)}", text)
    return ASSIGNMENT.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)


def redact_data(obj: Any) -> Any:
    """``obj`` (dicts, lists, strings, as from JSON) with every string redacted.

    A value under a key that names a secret ("password", "api_key", ...) is masked whole, so a
    secret that looks like plain text ({"password": "hunter2"}) does not get through.
    """
    if isinstance(obj, str):
        return redact(obj)
    if isinstance(obj, dict):
        return {_redact_key(k): _redact_value(k, v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [redact_data(item) for item in obj]
    return obj


def _redact_key(key: Any) -> Any:
    return redact(key) if isinstance(key, str) else key


def _redact_value(key: Any, value: Any) -> Any:
    named = isinstance(key, str) and SECRET_KEY.search(key) is not None
    if named and value is not None and not isinstance(value, dict | list | tuple | bool):
        return MASK
    return redact_data(value)
