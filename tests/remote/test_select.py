"""Selection expressions over an inventory made in memory (pure logic: no hosts needed)."""

from __future__ import annotations

import pytest

from llmchain_os.remote.errors import SelectionError
from llmchain_os.remote.inventory import Host, Inventory
from llmchain_os.remote.select import select_hosts


def fleet() -> Inventory:
    def h(name: str, groups: tuple[str, ...], **tags: str) -> Host:
        return Host(name=name, address=f"{name}.internal", groups=groups, tags=tags)

    return Inventory(
        [
            h("web-01", ("web",), provider="aws", region="eu-west-1"),
            h("web-02", ("web",), provider="aws", region="eu-west-1"),
            h("web-03", ("web",), provider="gcp", region="us-east1"),
            h("db-01", ("db",), provider="aws", region="eu-central-1", role="primary"),
            h("db-02", ("db",), provider="onprem", region="paris"),
        ]
    )


def names(expression: str) -> list[str]:
    return [h.name for h in select_hosts(fleet(), expression)]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("web-02", ["web-02"]),
        ("web", ["web-01", "web-02", "web-03"]),
        ("all", ["web-01", "web-02", "web-03", "db-01", "db-02"]),
        ("db-*", ["db-01", "db-02"]),
        ("provider=aws", ["web-01", "web-02", "db-01"]),
        ("aws", ["web-01", "web-02", "db-01"]),
        ("eu", ["web-01", "web-02", "db-01"]),  # region eu-west-1, eu-central-1
        ("eu-west", ["web-01", "web-02"]),
        ("web aws eu-west", ["web-01", "web-02"]),  # words of one term intersect
        ("web,db-02", ["web-01", "web-02", "web-03", "db-02"]),
        ("web:!web-03", ["web-01", "web-02"]),
        ("all,!db", ["web-01", "web-02", "web-03"]),
        ("!web", ["db-01", "db-02"]),
        ("web:&aws", ["web-01", "web-02"]),
        ("region=eu-*", ["web-01", "web-02", "db-01"]),
    ],
)
def test_expressions(expression: str, expected: list[str]) -> None:
    assert names(expression) == expected


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("wbe", "did you mean web"),
        ("web-4", "did you mean web.*web-01"),
        ("dbs-*", "matches no host"),
        ("colour=red", "No host has a tag 'colour'"),
        ("web:!web", "leaves no host"),
        ("web;rm -rf /", "is not a host, group or tag name"),
        ("$(reboot)", "is not a host, group or tag name"),
        ("", "Say which hosts"),
        ("web,,db", "empty term"),
    ],
)
def test_what_matches_nothing_is_an_error_with_near_names(expression: str, message: str) -> None:
    with pytest.raises(SelectionError, match=message.replace("(", r"\(").replace("$", r"\$")):
        names(expression)


def test_an_empty_inventory_says_how_to_fill_it() -> None:
    with pytest.raises(SelectionError, match="inventory is empty"):
        select_hosts(Inventory(), "web")
