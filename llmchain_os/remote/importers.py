"""Bring an existing fleet in: ~/.ssh/config (through paramiko's SSHConfig) and Ansible
inventories, INI or YAML.

Each importer returns Hosts and never writes: the caller merges them into the inventory and
saves it once, so a bad source leaves the saved inventory as it was.

From Ansible, ``ansible_host/port/user/ssh_private_key_file`` become the connection; other
plain variables become tags, except ``ansible_*`` ones and anything that looks like a secret
(a password, token or key is never copied into hosts.toml).
"""

from __future__ import annotations

import glob
import os
import re
import shlex
from pathlib import Path
from typing import Any

from llmchain_os.remote.errors import InventoryError
from llmchain_os.remote.inventory import NAME, Host, parse_host

MAX_INCLUDE_DEPTH = 16
CONNECTION_VARS = {
    "ansible_host": "address",
    "ansible_ssh_host": "address",
    "ansible_port": "port",
    "ansible_ssh_port": "port",
    "ansible_user": "user",
    "ansible_ssh_user": "user",
    "ansible_ssh_private_key_file": "key_file",
    "ansible_private_key_file": "key_file",
}
SECRET_WORDS = re.compile(r"pass|secret|token|key|credential|vault", re.IGNORECASE)
SKIPPED_GROUPS = {"all", "ungrouped"}


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InventoryError(f"No such file: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InventoryError(f"Cannot read {path}: {exc}") from None


# -- ~/.ssh/config ------------------------------------------------------------------------


def _inline_includes(path: Path, base: Path, depth: int = 0) -> str:
    """The file's text with every Include replaced by the files it names (relative paths
    are under ``base``, as OpenSSH takes them under ~/.ssh); paramiko has no Include."""
    if depth > MAX_INCLUDE_DEPTH:
        raise InventoryError(f"{path}: Include nests deeper than {MAX_INCLUDE_DEPTH}")
    out: list[str] = []
    for line in _read(path).splitlines():
        words = line.strip().replace("=", " ", 1).split()
        if words and words[0].lower() == "include":
            for pattern in words[1:]:
                full = Path(os.path.expanduser(pattern))
                full = full if full.is_absolute() else base / full
                for found in sorted(glob.glob(str(full))):
                    out.append(_inline_includes(Path(found), base, depth + 1))
            continue
        out.append(line)
    return "\n".join(out)


def _concrete_names(text: str) -> list[str]:
    """Host aliases that are plain names: patterns (*, ?, !) only shape other hosts."""
    names: list[str] = []
    for line in text.splitlines():
        words = line.strip().replace("=", " ", 1).split()
        if len(words) > 1 and words[0].lower() == "host":
            names += [w for w in words[1:] if not set(w) & set("*?!") and w not in names]
    return names


def from_ssh_config(path: Path) -> list[Host]:
    """The concrete Host entries of an ssh_config, each looked up as ssh would see it."""
    import paramiko

    path = Path(os.path.expanduser(str(path)))
    text = _inline_includes(path, path.parent)
    try:
        config = paramiko.SSHConfig.from_text(text)
    except Exception as exc:  # paramiko raises bare ConfigParseError/ValueError types
        raise InventoryError(f"{path}: cannot parse: {exc}") from None
    hosts = []
    for name in _concrete_names(text):
        if not NAME.match(name):
            continue  # a user@host or odd alias cannot be a selection word
        found = config.lookup(name)
        files = found.get("identityfile") or [""]
        jump = str(found.get("proxyjump", ""))
        fields: dict[str, Any] = {
            "address": found.get("hostname", name),
            "port": int(found.get("port", 22)),
            "user": found.get("user", ""),
            "key_file": files[0],
            "jump": "" if jump.lower() == "none" else jump,
        }
        hosts.append(parse_host(name, fields, str(path)))
    return hosts


# -- Ansible ------------------------------------------------------------------------------


class _Collected:
    """Hosts seen so far while walking an Ansible inventory: their groups and variables."""

    def __init__(self) -> None:
        self.groups: dict[str, list[str]] = {}
        self.vars: dict[str, dict[str, Any]] = {}

    def add(self, host: str, groups: list[str], variables: dict[str, Any]) -> None:
        seen = self.groups.setdefault(host, [])
        seen += [g for g in groups if g not in seen and g not in SKIPPED_GROUPS]
        self.vars.setdefault(host, {}).update(variables)

    def hosts(self, source: str) -> list[Host]:
        return [
            parse_host(name, _fields(name, self.vars[name], self.groups[name]), source)
            for name in self.groups
        ]


def _fields(name: str, variables: dict[str, Any], groups: list[str]) -> dict[str, Any]:
    fields: dict[str, Any] = {"address": name, "groups": groups, "tags": {}}
    for key, value in variables.items():
        if key in CONNECTION_VARS:
            fields[CONNECTION_VARS[key]] = int(value) if key.endswith("port") else str(value)
        elif (
            not key.startswith("ansible_")
            and not SECRET_WORDS.search(key)
            and isinstance(value, str | int | float)
            and not isinstance(value, bool)
            and NAME.match(key)
        ):
            fields["tags"][key] = str(value)
    return fields


def from_ansible(path: Path) -> list[Host]:
    """An Ansible inventory: YAML by its suffix (.yml, .yaml), INI otherwise."""
    path = Path(os.path.expanduser(str(path)))
    text = _read(path)
    if path.suffix.lower() in (".yml", ".yaml", ".json"):
        return _from_yaml(text, str(path))
    return _from_ini(text, str(path))


def _from_yaml(text: str, source: str) -> list[Host]:
    import yaml

    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        where = getattr(exc, "problem_mark", None)
        line = f" (line {where.line + 1})" if where is not None else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise InventoryError(f"{source} is not valid YAML: {problem}{line}") from None
    if not isinstance(data, dict):
        raise InventoryError(f"{source}: an Ansible YAML inventory is a mapping of groups")
    found = _Collected()
    for group, node in data.items():
        _walk_yaml(str(group), node, [], {}, found, source)
    return found.hosts(source)


def _walk_yaml(
    group: str,
    node: Any,
    parents: list[str],
    inherited: dict[str, Any],
    found: _Collected,
    source: str,
) -> None:
    node = node or {}
    if not isinstance(node, dict):
        raise InventoryError(f"{source}: group {group} must be a mapping")
    path = [*parents, group]
    variables = {**inherited, **(node.get("vars") or {})}
    for host, host_vars in (node.get("hosts") or {}).items():
        found.add(str(host), list(reversed(path)), {**variables, **(host_vars or {})})
    for child, child_node in (node.get("children") or {}).items():
        _walk_yaml(str(child), child_node, path, variables, found, source)


def _from_ini(text: str, source: str) -> list[Host]:
    members: dict[str, dict[str, dict[str, Any]]] = {"ungrouped": {}}
    children: dict[str, list[str]] = {}
    group_vars: dict[str, dict[str, Any]] = {}
    section, kind = "ungrouped", "hosts"
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in "#;":
            continue
        if line.startswith("["):
            if not line.endswith("]"):
                raise InventoryError(f"{source} line {number}: unclosed section {line!r}")
            section, _, kind = line[1:-1].partition(":")
            kind = kind or "hosts"
            members.setdefault(section, {})
            continue
        try:
            words = shlex.split(line, comments=True)
        except ValueError as exc:
            raise InventoryError(f"{source} line {number}: {exc}") from None
        if kind == "children":
            children.setdefault(section, []).append(words[0])
        elif kind == "vars":
            key, _, value = line.partition("=")
            group_vars.setdefault(section, {})[key.strip()] = value.strip()
        else:
            for host in _expand_range(words[0]):
                members[section][host] = _pairs(words[1:], source, number)
    return _ini_hosts(members, children, group_vars, source)


def _pairs(words: list[str], source: str, number: int) -> dict[str, Any]:
    pairs = {}
    for word in words:
        key, eq, value = word.partition("=")
        if not eq:
            raise InventoryError(f"{source} line {number}: expected key=value, got {word!r}")
        pairs[key] = value
    return pairs


def _expand_range(name: str) -> list[str]:
    """web[01:03] -> web01, web02, web03 (Ansible's numeric ranges, zero-padding kept)."""
    match = re.fullmatch(r"(.*)\[(\d+):(\d+)\](.*)", name)
    if not match:
        return [name]
    head, start, end, tail = match.groups()
    width = len(start)
    return [f"{head}{n:0{width}d}{tail}" for n in range(int(start), int(end) + 1)]


def _ini_hosts(
    members: dict[str, dict[str, dict[str, Any]]],
    children: dict[str, list[str]],
    group_vars: dict[str, dict[str, Any]],
    source: str,
) -> list[Host]:
    parents: dict[str, list[str]] = {}
    for parent, kids in children.items():
        for kid in kids:
            parents.setdefault(kid, []).append(parent)

    def ancestry(group: str, seen: tuple[str, ...] = ()) -> list[str]:
        if group in seen:
            raise InventoryError(f"{source}: group {group} is its own child")
        up = [a for p in parents.get(group, []) for a in ancestry(p, (*seen, group))]
        return [group, *up]

    found = _Collected()
    for group, hosts in members.items():
        chain = ancestry(group)
        variables: dict[str, Any] = {}
        for name in ["all", *reversed(chain)]:  # the nearest group's value wins
            variables.update(group_vars.get(name, {}))
        for host, host_vars in hosts.items():
            found.add(host, chain, {**variables, **host_vars})
    return found.hosts(source)
