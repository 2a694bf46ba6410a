from __future__ import annotations

from mailcore.protocol import imap


def test_public_names_are_deliberate() -> None:
    public = {name for name in dir(imap) if not name.startswith("_")}
    assert public == set(imap.__all__)
    assert len(imap.__all__) == len(set(imap.__all__))
    for name in imap.__all__:
        obj = getattr(imap, name)
        module = getattr(obj, "__module__", "")
        assert not module or module.startswith(("mailcore.protocol.imap", "typing", "types")), name
