"""The inventory file, and imports from ssh_config and Ansible (INI and YAML)."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmchain_os.api import add_host, import_hosts
from llmchain_os.remote.errors import InventoryError
from llmchain_os.remote.importers import from_ansible, from_ssh_config
from llmchain_os.remote.inventory import Host, Inventory, hosts_file, load_inventory, save_inventory


def sample() -> Inventory:
    return Inventory(
        [
            Host(name="bastion", address="203.0.113.5", user="ops", tags={"provider": "aws"}),
            Host(
                name="web-01",
                address="10.0.0.11",
                port=2222,
                user="deploy",
                key_file="~/.ssh/deploy key",
                jump="bastion",
                groups=("web", "eu"),
                tags={"provider": "aws", "region": "eu-west-1", "note": 'quote " and é'},
            ),
        ]
    )


def test_inventory_round_trips_through_toml() -> None:
    path = save_inventory(sample())

    loaded = load_inventory()
    assert path == hosts_file()
    assert list(loaded) == list(sample())
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert loaded.groups() == {"web": ["web-01"], "eu": ["web-01"]}


def test_a_missing_file_is_an_empty_inventory() -> None:
    assert len(load_inventory()) == 0


def test_broken_toml_is_one_line_and_the_file_is_kept() -> None:
    hosts_file().parent.mkdir(parents=True, exist_ok=True)
    hosts_file().write_text('[hosts."web-01"]\naddress = \n')

    with pytest.raises(InventoryError) as err:
        add_host("web-02", "10.0.0.12")

    assert "is not valid TOML" in str(err.value) and "\n" not in str(err.value)
    assert hosts_file().read_text() == '[hosts."web-01"]\naddress = \n'


def test_duplicates_and_clashes_are_refused_and_nothing_is_lost() -> None:
    save_inventory(sample())
    before = hosts_file().read_text()

    with pytest.raises(InventoryError, match="already in the inventory"):
        add_host("web-01", "10.9.9.9")
    with pytest.raises(InventoryError, match="both a host and a group"):
        add_host("web", "10.9.9.9")
    with pytest.raises(InventoryError, match="port"):
        add_host("web-02", "10.0.0.12", port=70000)

    assert hosts_file().read_text() == before


def test_bad_names_are_refused() -> None:
    for name in ("all", "web 01", "db-*", "a,b", "x:y", "!x"):
        with pytest.raises(InventoryError):
            add_host(name, "10.0.0.1")


def test_ssh_config_import_with_patterns_include_and_proxyjump(tmp_path: Path) -> None:
    (tmp_path / "conf.d").mkdir()
    (tmp_path / "conf.d" / "db.conf").write_text(
        "Host db-01\n  HostName 10.1.0.5\n  ProxyJump ops@bastion:2200\n"
    )
    config = tmp_path / "config"
    config.write_text(
        "Include conf.d/*.conf\n"
        "Host bastion\n  HostName 203.0.113.5\n  User ops\n  Port 2200\n"
        "Host web-01 web-02\n  HostName %h.internal\n  ProxyJump bastion\n"
        "  IdentityFile /keys/web\n"
        "Host *.example.com !nope\n  User nobody\n"
        "Host *\n  User deploy\n"
    )

    hosts = {h.name: h for h in from_ssh_config(config)}

    assert list(hosts) == ["db-01", "bastion", "web-01", "web-02"]
    assert hosts["bastion"].target == "ops@203.0.113.5:2200"
    assert hosts["web-01"].address == "web-01.internal"
    assert hosts["web-01"].user == "deploy"  # from Host *
    assert hosts["web-01"].jump == "bastion"
    assert hosts["web-02"].key_file == "/keys/web"
    assert hosts["db-01"].jump == "ops@bastion:2200"


INI = """\
# an Ansible inventory
loose.example ansible_host=192.0.2.1

[web]
web-[01:03] ansible_user=deploy
web-04 ansible_host=10.0.0.14 ansible_port=2222 ansible_ssh_private_key_file=~/.ssh/w

[db]
db-01 ansible_host=10.0.1.1 ansible_password=hunter2 role=primary

[eu:children]
web
db

[eu:vars]
region=eu-west-1
db_secret=nope

[web:vars]
role=web
"""


def test_ansible_ini_groups_children_and_vars(tmp_path: Path) -> None:
    path = tmp_path / "hosts.ini"
    path.write_text(INI)

    hosts = {h.name: h for h in from_ansible(path)}

    assert set(hosts) == {"loose.example", "web-01", "web-02", "web-03", "web-04", "db-01"}
    assert hosts["web-02"].groups == ("web", "eu")
    assert hosts["web-02"].user == "deploy"
    assert hosts["web-04"].target == "10.0.0.14:2222"
    assert hosts["web-04"].key_file == "~/.ssh/w"
    assert hosts["web-01"].tags == {"region": "eu-west-1", "role": "web"}
    assert hosts["db-01"].tags == {"region": "eu-west-1", "role": "primary"}
    assert "hunter2" not in str(hosts["db-01"])  # secrets are never copied
    assert hosts["loose.example"].address == "192.0.2.1"


YAML = """\
all:
  vars:
    provider: gcp
  children:
    web:
      vars: {role: web}
      hosts:
        web-01: {ansible_host: 10.0.0.11}
        web-02:
          ansible_host: 10.0.0.12
          ansible_user: deploy
    prod:
      children:
        web:
        db:
          hosts:
            db-01: {ansible_host: 10.0.1.1, ansible_become_pass: x, api_token: y}
"""


def test_ansible_yaml_groups_children_and_vars(tmp_path: Path) -> None:
    path = tmp_path / "inventory.yml"
    path.write_text(YAML)

    hosts = {h.name: h for h in from_ansible(path)}

    assert hosts["web-02"].target == "deploy@10.0.0.12:22"
    assert hosts["web-01"].tags == {"provider": "gcp", "role": "web"}
    assert set(hosts["db-01"].groups) == {"db", "prod"}
    assert hosts["db-01"].tags == {"provider": "gcp"}


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("bad.yml", "all:\n  hosts: [unclosed\n", "not valid YAML"),
        ("bad.ini", "[web\nweb-01\n", "unclosed section"),
        ("bad.ini", "[web]\nweb-01 noequals\n", "expected key=value"),
        ("bad.yml", "- a list\n", "mapping of groups"),
    ],
)
def test_broken_ansible_inventories_are_clear_and_change_nothing(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    save_inventory(sample())
    before = hosts_file().read_text()
    (tmp_path / name).write_text(text)

    with pytest.raises(InventoryError, match=message) as err:
        import_hosts("ansible", str(tmp_path / name))

    assert "\n" not in str(err.value)
    assert hosts_file().read_text() == before


def test_import_merges_and_refuses_silent_overwrites(tmp_path: Path) -> None:
    save_inventory(sample())
    path = tmp_path / "hosts.ini"
    path.write_text("[web]\nweb-01 ansible_host=10.0.0.99\nweb-09 ansible_host=10.0.0.9\n")

    with pytest.raises(InventoryError, match="web-01"):
        import_hosts("ansible", str(path))
    assert "web-09" not in load_inventory()

    report = import_hosts("ansible", str(path), replace=True)
    assert (report.added, report.replaced) == (["web-09"], ["web-01"])
    assert load_inventory().get("web-01").address == "10.0.0.99"


def test_missing_import_file() -> None:
    with pytest.raises(InventoryError, match="No such file"):
        import_hosts("ssh", "/nonexistent/config")
