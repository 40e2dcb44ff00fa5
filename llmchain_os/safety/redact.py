"""Secrets out of text before it leaves the machine (cloud prompts, logs shown to others)."""

from __future__ import annotations

import re

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


def redact(text: str) -> str:
    """``text`` with keys, tokens, passwords and private keys replaced by [REDACTED]."""
    for pattern in PATTERNS:
        text = pattern.sub(lambda m: f"{m.group(1)} {MASK}" if m.re.groups else MASK, text)
    return ASSIGNMENT.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
