"""What ``pip install mailcore`` ships: every package of the tree, the daemons
under a name of their own (``mailcore_apps``), and no top-level ``apps``."""

from __future__ import annotations

import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _tree_packages() -> set[str]:
    found = set()
    for root, name in ((REPO / "src", None), (REPO / "apps", "mailcore_apps")):
        for init in root.rglob("__init__.py"):
            parts = list(init.parent.relative_to(root).parts)
            found.add(".".join([name, *parts] if name else parts))
    return found


def test_the_package_list_names_every_package_and_no_bare_apps() -> None:
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    assert listed == _tree_packages()
    assert not any(p == "apps" or p.startswith("apps.") for p in listed)
    assert config["package-dir"]["mailcore_apps"] == "apps"


def test_the_doors_are_entry_points_of_the_installed_package() -> None:
    from importlib.metadata import entry_points

    doors = {ep.name: ep.value for ep in entry_points(group="mailcore.doors")}
    assert doors == {
        "smtp": "mailcore_apps.smtpd:door",
        "imap": "mailcore_apps.imapd:door",
        "http": "mailcore_apps.webapi:door",
    }
    for ep in entry_points(group="mailcore.doors"):
        assert ep.load() is not None
