"""A small IMAP s-expression reader and BODYSTRUCTURE/ENVELOPE shape checks,
written from RFC 9051 §9 for the tests (independent of the code under test)."""

from __future__ import annotations

import re

Node = list["Node"] | bytes | int | None

_ATOM = re.compile(rb"[^\s()\"{}]+")


def parse(data: bytes) -> Node:
    node, pos = _read(data, 0)
    assert pos == len(data), f"trailing bytes at {pos}: {data[pos : pos + 40]!r}"
    return node


def _read(data: bytes, pos: int) -> tuple[Node, int]:
    c = data[pos : pos + 1]
    if c == b"(":
        items: list[Node] = []
        pos += 1
        while True:
            if data[pos : pos + 1] == b")":
                return items, pos + 1
            if items:
                assert data[pos : pos + 1] == b" ", (
                    f"missing space at {pos}: {data[pos : pos + 30]!r}"
                )
                pos += 1
            item, pos = _read(data, pos)
            items.append(item)
            # children of a multipart are not space separated
            while data[pos : pos + 1] == b"(" and isinstance(item, list):
                item, pos = _read(data, pos)
                items.append(item)
    if c == b'"':
        out = bytearray()
        pos += 1
        while True:
            ch = data[pos]
            assert ch not in (0, 10, 13) and ch < 0x80, "illegal octet in quoted string"
            if ch == 0x5C:
                assert data[pos + 1] in (0x5C, 0x22), "bad escape"
                out.append(data[pos + 1])
                pos += 2
            elif ch == 0x22:
                return bytes(out), pos + 1
            else:
                out.append(ch)
                pos += 1
    if c == b"{":
        close = data.index(b"}\r\n", pos)
        n = int(data[pos + 1 : close])
        start = close + 3
        literal = data[start : start + n]
        assert len(literal) == n and b"\x00" not in literal
        return literal, start + n
    m = _ATOM.match(data, pos)
    assert m is not None, f"unexpected {data[pos : pos + 20]!r}"
    atom = m.group()
    if atom == b"NIL":
        return None, m.end()
    assert atom.isdigit(), f"unexpected atom {atom!r}"
    return int(atom), m.end()


def is_nstring(node: Node) -> bool:
    return node is None or isinstance(node, bytes)


def check_address_list(node: Node) -> None:
    if node is None:
        return
    assert isinstance(node, list) and node
    for addr in node:
        assert isinstance(addr, list) and len(addr) == 4
        assert all(is_nstring(x) for x in addr)


def check_envelope(node: Node) -> None:
    assert isinstance(node, list) and len(node) == 10, node
    assert is_nstring(node[0]) and is_nstring(node[1])
    for item in node[2:8]:
        check_address_list(item)
    assert is_nstring(node[8]) and is_nstring(node[9])


def _check_params(node: Node) -> None:
    assert node is None or (
        isinstance(node, list)
        and node
        and len(node) % 2 == 0
        and all(isinstance(x, bytes) for x in node)
    ), node


def _check_ext(items: list[Node]) -> None:
    # disposition, language, location
    if items:
        dsp = items[0]
        assert dsp is None or (
            isinstance(dsp, list) and len(dsp) == 2 and isinstance(dsp[0], bytes)
        )
        if dsp is not None:
            _check_params(dsp[1])
    if len(items) > 1:
        lang = items[1]
        assert is_nstring(lang) or (
            isinstance(lang, list) and all(isinstance(x, bytes) for x in lang)
        )
    if len(items) > 2:
        assert is_nstring(items[2])


def check_body(node: Node, extended: bool) -> None:
    """Validate the shape of a BODY / BODYSTRUCTURE value."""
    assert isinstance(node, list) and node
    if isinstance(node[0], list):
        k = 0
        while isinstance(node[k], list):
            k += 1
        children = node[:k]
        for child in children:
            check_body(child, extended)
        assert isinstance(node[k], bytes)
        rest = node[k + 1 :]
        if extended:
            assert len(rest) == 4
            _check_params(rest[0])
            _check_ext(rest[1:])
        else:
            assert rest == []
        return
    mtype, subtype = node[0], node[1]
    assert isinstance(mtype, bytes) and isinstance(subtype, bytes)
    _check_params(node[2])
    assert is_nstring(node[3]) and is_nstring(node[4])
    assert isinstance(node[5], bytes)
    assert isinstance(node[6], int)
    rest = node[7:]
    if mtype.upper() == b"TEXT":
        assert isinstance(rest[0], int)
        rest = rest[1:]
    elif mtype.upper() == b"MESSAGE" and subtype.upper() in (b"RFC822", b"GLOBAL"):
        check_envelope(rest[0])
        check_body(rest[1], extended)
        assert isinstance(rest[2], int)
        rest = rest[3:]
    if extended:
        assert len(rest) == 4, rest
        assert is_nstring(rest[0])
        _check_ext(rest[1:])
    else:
        assert rest == []
