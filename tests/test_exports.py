"""The public API is a deliberate list (see trio's test_exports)."""

from __future__ import annotations

import mailcore
import mailcore.testing


def test_public_names_are_exactly_all() -> None:
    public = {name for name in dir(mailcore) if not name.startswith("_")}
    modules = {
        "errors", "message", "model", "protocol",
        "rules", "search", "store", "testing", "tls",
    }
    assert public - modules == set(mailcore.__all__) - {"__version__"}


def test_every_error_is_a_mailcore_error() -> None:
    for name in mailcore.__all__:
        obj = getattr(mailcore, name)
        if isinstance(obj, type) and issubclass(obj, Exception):
            assert issubclass(obj, mailcore.MailcoreError), name


def test_contract_suites_are_exported() -> None:
    for name in mailcore.testing.__all__:
        assert getattr(mailcore.testing, name) is not None
