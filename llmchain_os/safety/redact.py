"""Secrets out of text before it leaves the machine (cloud prompts, logs shown to others).

Two layers, each masking only the secret so the text stays useful (``DB_PASS=[REDACTED]``):

1. This module's rules, for shapes whose context says "secret": PEM private-key blocks,
   provider tokens (AWS, OpenAI, GitHub, Slack, JWT, ...), ``Authorization`` headers,
   ``user:password@`` in URLs and connection strings, ``curl -u``, netrc entries, "my password
   is ...", and ``KEY=value`` / ``KEY: value`` / ``"key": "value"`` where the key names a
   secret (see ``is_secret_key``).
2. Yelp's detect-secrets, in-process, on the text itself (no baseline file, no verification,
   so no network): its provider plugins and high-entropy plugins (quoted strings) on the
   whole text, its keyword plugin on each line that names a secret. It is imported on the
   first call, not at start-up; if it cannot be imported, layer 1 still applies (one warning).

Cost: the keyword plugin takes about 1 ms per KB of a line (one 64 KB line: 60-85 ms), so
only lines of at most ``LINE_CAP`` characters go to it; longer lines get layer 1 and the other
plugins only. With that cap, 64 KB of text that is a third secrets takes 25-40 ms.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, NamedTuple

if TYPE_CHECKING:
    from detect_secrets.plugins.base import RegexBasedDetector
    from detect_secrets.plugins.high_entropy_strings import HighEntropyStringsPlugin
    from detect_secrets.plugins.keyword import KeywordDetector

log = logging.getLogger(__name__)

MASK = "[REDACTED]"
LINE_CAP = 1000  # longest line the detect-secrets keyword plugin is given


@functools.cache
def _rx(source: str) -> re.Pattern[str]:
    """``source`` compiled on first use: the patterns here would add ms to every start-up."""
    return re.compile(source)


# -- which names are secrets ----------------------------------------------------------
# A key is split into words (DB_PASS, dbPassword, "pin code"); it names a secret when a word
# is one of these, or a joined word ends with a long one (PGPASSWORD, clientsecret).
_NOUNS = frozenset(
    "pass passwd password passwords passphrase passcode pwd pin pincode token secret "
    "credential credentials creds apikey accesskey privatekey secretkey authkey".split()
)
_JOINED = ("password", "passwd", "passphrase", "passcode", "secret", "apikey", "token")
# "key" alone is too common (hotkey, key_id): it is a secret after one of these words.
_KEY_KINDS = frozenset(
    "api private access secret auth client account service signing encryption master "
    "consumer shared storage".split()
)
# Words after the secret word that make the name describe the secret, not hold it:
# password_min_length, token_count, secret_name, PASSWORD_FILE, "Password expires".
_ABOUT = frozenset(
    "count counts length len min max size limit limits file path dir url uri endpoint type "
    "kind name id ids policy expiry expires expiration expired age ttl timeout prompt hint "
    "label field env var reset required enabled disabled strength rotation manager store "
    "header format regex pattern lifetime used usage ref last change changed inactive warn "
    "warning mode method scope scopes version provider source".split()
)
_WORD = r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+"
_SHELL_CWD = frozenset({"PWD", "OLDPWD"})  # the shell's own variables: paths, not passwords


@functools.lru_cache(maxsize=4096)
def is_secret_key(key: str) -> bool:
    """Whether a name (``DB_PASS``, ``apiKey``, ``pin code``) says its value is a secret."""
    names = key.split()
    if not names or names[-1] in _SHELL_CWD:
        return False
    words = [w.lower() for w in _rx(_WORD).findall(key)]
    for i in range(len(words) - 1, -1, -1):
        if _names_secret(words, i):
            return not _ABOUT.intersection(words[i + 1 :])
    return False


def _names_secret(words: list[str], i: int) -> bool:
    word = words[i]
    if word in _NOUNS or (len(word) > 6 and word.endswith(_JOINED)):
        return True
    return word in ("key", "keys") and i > 0 and words[i - 1] in _KEY_KINDS


# -- layer 1: rules -------------------------------------------------------------------
# Each rule's group "s" is the secret; the rest of the match stays as it was.
_PEM = (
    r"(?s)(?P<s>-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----.*?"
    r"(?:-----END [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----|\Z))"  # a cut key is still a key
)
_TOKEN = (
    r"\b(?P<s>(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}"  # AWS access key id
    r"|sk-[A-Za-z0-9_\-]{16,}"  # OpenAI, Anthropic
    r"|gh[pousr]_[A-Za-z0-9]{30,}|github_pat_\w{22,}"  # GitHub
    r"|xox[abposr]-[A-Za-z0-9\-]{10,}"  # Slack
    r"|glpat-[\w\-]{20,}|hf_[A-Za-z0-9]{30,}|AIza[\w\-]{35}|npm_[A-Za-z0-9]{36}"
    r"|eyJ[\w\-]{8,}\.[\w\-]{8,}\.[\w\-]{8,})"  # JWT
)
_HEADER = (
    r"(?i)\b(?:proxy-)?authorization\b\\?[\"']?[ \t]*[:=][ \t]*\\?[\"']?"
    r"(?:(?:bearer|basic|token|digest|negotiate|bot|apikey)[ \t]+)?(?P<s>[^\s\"'\\][^\r\n\"'\\]*)"
)
_BEARER = r"(?i)\bbearer[ \t]+(?P<s>[A-Za-z0-9._~+/\-]{12,}=*)"
_URL_PASSWORD = r"(?i)\b[a-z][a-z0-9+.\-]*://[^\s:/@\"'<>]*:(?P<s>[^\s/\"'<>]+)@"
_CLI_PASSWORD = (
    r"(?<!\S)(?:(?:-u|--user|--proxy-user)[ \t]+[\"']?[^\s:\"']+:"  # curl -u user:password
    r"|--[\w-]*(?:password|passwd|passphrase|token|secret|api-key)[ \t]+[\"']?)"
    r"(?P<s>[^\s\"']+)"
)
# Programs whose short option takes a password: sshpass -p, docker/podman login -p,
# redis-cli -a, and mysql's -pVALUE (attached only: a bare -p makes it ask).
_VALUE = r"[\"']?(?P<s>[^\s\"']+)"
_PROGRAM_PASSWORD = (
    r"\b(?:sshpass[ \t]+-p[ \t]*"
    r"|(?:docker|podman|buildah|skopeo|helm)(?:[ \t]+registry)?[ \t]+login\b[^\n|;&]*?[ \t]-p[ \t]+"
    r"|redis-cli\b[^\n|;&]*?[ \t]-a[ \t]+"
    r"|(?:mysql|mysqldump|mysqladmin|mariadb|mariadb-dump)\b[^\n|;&]*?[ \t]-p(?=[^\s-]))" + _VALUE
)
# A container registry's "auth" (base64 of user:password) in ~/.docker/config.json.
_REGISTRY_AUTH = r"\\?\"auth\\?\"[ \t]*:[ \t]*\\?\"(?P<s>[A-Za-z0-9+/]{8,}={0,2})"
_NETRC_ENTRY = (
    r"\b(?:machine[ \t]+\S+|default)(?:\s+(?:login|account|port|password|passwd)[ \t]+\S+)+"
)
_NETRC_SECRET = r"\b(?:password|passwd|account)[ \t]+(?P<s>\S+)"
_SPOKEN = (
    r"(?i)\b(?:password|passphrase|passwd|passcode|pin(?:[ \t]+code)?)[ \t]+(?:is|was)[ \t]*:?"
    r"[ \t]+(?P<s>\"[^\"\n]*\"|'[^'\n]*'|[^\s,;]+)"
)
# What follows "password is" in ordinary sentences ("Password is required.").
_NOT_SPOKEN_SECRETS = frozenset(
    "not required incorrect invalid wrong correct expired missing empty set unset too the a an "
    "in on now still also changed reset weak strong valid stored saved needed optional only "
    "case-sensitive".split()
)
_KEY = r"(?P<key>[A-Za-z_][\w.-]*(?:[ \t]+[A-Za-z_][\w.-]*){0,2})"
_QUOTED = r"(?P<q>\\?[\"'])(?P<s>(?:\\.|[^\n\\])*?)(?P=q)"
# "key: value" opening a line (YAML, prompts, `chage -l`): the value runs to the line's end.
_LINE_KV = (
    rf"(?m)^[ \t]*(?:[-#*][ \t]*)?\\?[\"']?{_KEY}\\?[\"']?[ \t]*:(?![:=/])[ \t]*"
    r"(?P<s>[^\s\"'\\][^\n]*)"
)
_KV = (
    rf"(?<![\w.]){_KEY}\\?[\"']?[ \t]*(?::=|=>|==?|:)[ \t]*"
    rf"(?:{_QUOTED}|(?P<b>[^\s,;\"'`${{}}\])<>\\][^\s,;\"'`}}\])<>\\]*))"
)
# Values that point at a secret rather than hold it: $VAR, ${VAR}, {{ x }}, <password>, ****.
_REFERENCE = (
    r"(?i)\$\{?[A-Za-z_]\w*\}?|\$\{\{.*\}\}|\{\{.*\}\}|%\(\w+\)s|<[^<>]*>|\*+|x{3,}"
    r"|true|false|null|none|nil|yes|no"
)


def _masked(match: re.Match[str], group: str = "s", stop: str = "") -> str:
    """The match with its secret group masked (up to ``stop``); trailing blanks, references
    ($VAR, <password>) and what is masked already stay."""
    value, start = match.group(group), match.start(group)
    core = value.split(stop, 1)[0] if stop else value
    core = core.rstrip()
    done = MASK in core or match.string.startswith(MASK, start)
    if not core or done or _rx(_REFERENCE).fullmatch(core):
        return match.group(0)
    whole, base = match.group(0), match.start()
    return whole[: start - base] + MASK + whole[start - base + len(core) :]


def _mask_assignments(pattern: str, text: str) -> str:
    """``pattern``'s key-value matches in ``text``, masked where the key names a secret.

    After an ordinary key the search goes on from the key's end, not the match's: a quoted
    value can hold more assignments ({"stdout": "{\\"password\\": ...}"}).
    """
    parts: list[str] = []
    pos = 0
    while (match := _rx(pattern).search(text, pos)) is not None:
        parts.append(text[pos : match.start()])
        if is_secret_key(match.group("key")):
            parts.append(_mask_value(match))
            pos = match.end()
        else:
            parts.append(text[match.start() : match.end("key")])
            pos = match.end("key")
    parts.append(text[pos:])
    return "".join(parts)


def _mask_value(match: re.Match[str]) -> str:
    if match.group("s") is not None:
        return _masked(match)
    # In a URL query (?token=abc&page=2) a value ends at "&"; elsewhere "&" is a character.
    in_query = match.start() > 0 and match.string[match.start() - 1] in "?&"
    return _masked(match, "b", stop="&" if in_query else "")


def _mask_spoken(match: re.Match[str]) -> str:
    if match.group("s").lower().strip(".!") in _NOT_SPOKEN_SECRETS:
        return match.group(0)
    return _masked(match)


def _mask_registry_auth(match: re.Match[str]) -> str:
    """Masked when it is base64 of ``user:password`` ("auth": "required" is not)."""
    import base64
    import binascii

    try:
        plain = base64.b64decode(match.group("s"), validate=True)
    except (binascii.Error, ValueError):
        return match.group(0)
    return _masked(match) if b":" in plain else match.group(0)


def _mask_netrc(match: re.Match[str]) -> str:
    return _rx(_NETRC_SECRET).sub(_masked, match.group(0))


def _each(pattern: str, mask: Callable[[re.Match[str]], str]) -> Callable[[str], str]:
    return lambda text: _rx(pattern).sub(mask, text)


def _assignments(pattern: str) -> Callable[[str], str]:
    return lambda text: _mask_assignments(pattern, text)


# In order. Each rule runs only when the lower-cased text holds one of its words (most text
# holds none); an empty tuple means always.
_RULES: list[tuple[tuple[str, ...], Callable[[str], str]]] = [
    (("private key",), _each(_PEM, _masked)),
    ((), _each(_TOKEN, _masked)),
    (("authorization",), _each(_HEADER, _masked)),
    (("bearer",), _each(_BEARER, _masked)),
    (("://",), _each(_URL_PASSWORD, _masked)),
    (("-u", "--"), _each(_CLI_PASSWORD, _masked)),
    (("sshpass", "login", "redis-cli", "mysql", "mariadb"), _each(_PROGRAM_PASSWORD, _masked)),
    (('"auth',), _each(_REGISTRY_AUTH, _mask_registry_auth)),
    (("machine", "default"), _each(_NETRC_ENTRY, _mask_netrc)),
    (("pass", "pin"), _each(_SPOKEN, _mask_spoken)),
    ((), _assignments(_LINE_KV)),
    ((), _assignments(_KV)),
]


# -- layer 2: detect-secrets ----------------------------------------------------------
class _Detectors(NamedTuple):
    providers: tuple[RegexBasedDetector, ...]
    keyword: KeywordDetector
    keyword_forms: dict[re.Pattern[str], int]  # quoted (code) and unquoted (config) forms
    entropy: tuple[HighEntropyStringsPlugin, ...]


# The keyword plugin skips a line that names a secret's metadata (password_min_length=8).
_ABOUT_A_SECRET = (
    r"(?i)(?:pass|pwd|secret|key|token|pin|cred)\w*?[_.-](?:" + "|".join(sorted(_ABOUT)) + r")\b"
)
_KEYWORD_LINE = r"(?im)^[^\n]*?(?:pass|pwd|secret|key|contrase)[^\n]*"
# Left out: public IPs are not secrets; layer 1 masks whole PEM blocks; the IBM, Cloudant and
# SoftLayer plugins match "<vendor>_password = ..." assignments, which the key rules already
# mask, and they cost more than all the other provider plugins together.
_LEFT_OUT = frozenset(
    "IPPublicDetector PrivateKeyDetector IbmCloudIamDetector IbmCosHmacDetector "
    "CloudantDetector SoftlayerDetector".split()
)


@functools.cache
def _detectors() -> _Detectors | None:
    """detect-secrets' plugins, built once; None (and one warning) when it is not there."""
    try:
        from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
        from detect_secrets.plugins import keyword
        from detect_secrets.plugins.base import RegexBasedDetector
        from detect_secrets.plugins.high_entropy_strings import (
            Base64HighEntropyString,
            HexHighEntropyString,
        )
    except Exception as exc:  # not installed, or a broken install: layer 1 still applies
        log.warning("detect-secrets is not available (%s); redacting with built-in rules", exc)
        return None
    classes: Iterable[type[Any]] = get_mapping_from_secret_type_to_class().values()  # all plugins
    return _Detectors(
        providers=tuple(
            cls()
            for cls in classes
            if issubclass(cls, RegexBasedDetector) and cls.__name__ not in _LEFT_OUT
        ),
        keyword=keyword.KeywordDetector(keyword_exclude=_ABOUT_A_SECRET),
        keyword_forms={
            **keyword.QUOTES_REQUIRED_DENYLIST_REGEX_TO_GROUP,
            **keyword.CONFIG_DENYLIST_REGEX_TO_GROUP,
        },
        entropy=(Base64HighEntropyString(), HexHighEntropyString()),
    )


def _found_by_detect_secrets(text: str, found: _Detectors) -> set[str]:
    """The secret values detect-secrets' plugins see in ``text``."""
    values = set(_high_entropy(text, found.entropy))
    for plugin in found.providers:
        values.update(plugin.analyze_string(text))
    for line in {match.group(0) for match in _rx(_KEYWORD_LINE).finditer(text)}:
        if len(line) <= LINE_CAP:
            values.update(found.keyword.analyze_string(line, found.keyword_forms))
    return values


def _high_entropy(text: str, plugins: Iterable[HighEntropyStringsPlugin]) -> Iterable[str]:
    """Quoted strings random enough to be keys (the quotes keep words and paths out)."""
    for plugin in plugins:
        limit = plugin.entropy_limit
        for value in plugin.analyze_string(text):
            # Entropy is at most log2(len): shorter strings cannot pass, skip the sums.
            if len(value) > 2**limit and plugin.calculate_shannon_entropy(value) > limit:
                yield value


def _mask_values(text: str, values: Iterable[str]) -> str:
    for value in sorted({v.strip("\t\n\r \"'=:") for v in values}, key=len, reverse=True):
        if not value or MASK in value or _rx(_REFERENCE).fullmatch(value):
            continue
        if len(value) >= 6:
            text = text.replace(value, MASK)
        else:  # a short value is masked only where it stands alone, not inside other words
            text = re.sub(rf"(?<![\w]){re.escape(value)}(?![\w])", MASK, text)
    return text


# -- the API --------------------------------------------------------------------------
def redact(text: str, known: Iterable[str] = ()) -> str:
    """``text`` with keys, tokens, passwords and private keys replaced by [REDACTED].

    Names and context stay (``DB_PASS=[REDACTED]``, ``postgres://bob:[REDACTED]@db/app``);
    see the module docstring for the two layers and the line cap. ``known`` are secrets
    the caller holds (the user's own configured keys): masked wherever they stand.
    """
    if known:
        text = _mask_values(text, known)
    lowered = text.lower()
    for words, rule in _RULES:
        if not words or any(word in lowered for word in words):
            text = rule(text)
    found = _detectors()
    if found is not None and text:
        text = _mask_values(text, _found_by_detect_secrets(text, found))
    return text


def redact_data(obj: Any, known: Iterable[str] = ()) -> Any:
    """``obj`` (dicts, lists, strings, as from JSON) with every string redacted.

    A value under a key that names a secret ("password", "api_key", ...) is masked whole, so a
    secret that looks like plain text ({"password": "hunter2"}) does not get through.
    """
    if isinstance(obj, str):
        return redact(obj, known)
    if isinstance(obj, dict):
        return {_redact_key(k, known): _redact_value(k, v, known) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [redact_data(item, known) for item in obj]
    return obj


def _redact_key(key: Any, known: Iterable[str]) -> Any:
    return redact(key, known) if isinstance(key, str) else key


def _redact_value(key: Any, value: Any, known: Iterable[str]) -> Any:
    named = isinstance(key, str) and is_secret_key(key)
    if named and value is not None and not isinstance(value, dict | list | tuple | bool):
        return MASK
    return redact_data(value, known)
