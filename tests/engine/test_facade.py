"""The engine is one facade over its parts: its methods show the parts' own
signatures and docstrings, and its stores, actors and indexer are not public."""

from __future__ import annotations

import inspect

import attrs
import pytest

import mailcore
from mailcore.testing import engine_internals
from tests.mail import message

INSIDES = ("stores", "meta", "indexer", "mailboxes", "supervisor")


def test_the_engine_is_one_class_not_a_stack_of_mixins() -> None:
    assert mailcore.Engine.__mro__ == (mailcore.Engine, object)


async def test_the_engine_keeps_its_insides_to_itself(engine: mailcore.Engine) -> None:
    public = {name for name in dir(engine) if not name.startswith("_")}
    assert public.isdisjoint(INSIDES)
    for name in INSIDES:
        assert not hasattr(engine, name), name


def test_methods_show_the_real_signature_and_docstring() -> None:
    deliver = mailcore.Engine.deliver
    signature = inspect.signature(deliver)
    assert list(signature.parameters) == ["self", "raw", "recipients", "internal_date", "labels", "flags"]
    assert signature.parameters["internal_date"].kind is inspect.Parameter.KEYWORD_ONLY
    assert signature.parameters["flags"].default == ()
    assert deliver.__name__ == "deliver" and deliver.__qualname__ == "Engine.deliver"
    assert (deliver.__doc__ or "").startswith("Deliver one message to local recipients")
    search = inspect.signature(mailcore.Engine.search)
    assert list(search.parameters) == ["self", "account_id", "query", "cursor", "limit"]


async def test_a_bound_method_takes_what_the_part_takes(engine: mailcore.Engine) -> None:
    assert list(inspect.signature(engine.create_label).parameters) == ["account_id", "name", "color"]
    with pytest.raises(TypeError):
        await engine.create_label(1, "Work", colour="#fff")  # type: ignore[call-arg]


async def test_the_testing_hook_is_a_frozen_view_of_the_live_engine(
    engine: mailcore.Engine, bob: mailcore.Account
) -> None:
    internals = engine_internals(engine)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        internals.stores = internals.stores  # type: ignore[misc]
    result = await engine.deliver(message("seen from inside"), ["bob@example.com"])
    assert internals.mailboxes.active == engine.stats()["active_mailboxes"] == 1
    assert await internals.stores.blobs.get(result.blob_ref) == message("seen from inside")
