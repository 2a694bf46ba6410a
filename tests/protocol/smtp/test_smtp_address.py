"""RFC 5321 path parsing and the relay-trick flag."""

from __future__ import annotations

import pytest

from mailcore.protocol.smtp._address import (
    AddressError,
    decode_xtext,
    parse_esmtp_params,
    parse_path,
    split_path,
)


@pytest.mark.parametrize(
    ("raw", "local", "domain"),
    [
        ("<user@example.com>", "user", "example.com"),
        ("<first.last+tag@sub.example-host.org>", "first.last+tag", "sub.example-host.org"),
        ('<"john doe"@example.com>', "john doe", "example.com"),
        ('<"a\\"b"@example.com>', 'a"b', "example.com"),
        ("<u@[192.0.2.1]>", "u", "[192.0.2.1]"),
        ("<u@[IPv6:2001:db8::1]>", "u", "[IPv6:2001:db8::1]"),
    ],
)
def test_valid_paths(raw: str, local: str, domain: str) -> None:
    path = parse_path(raw, smtputf8=False)
    assert (path.local, path.domain, path.raw) == (local, domain, raw)


@pytest.mark.parametrize(
    "raw",
    [
        "<>",
        "<user>",
        "<@example.com>",
        "<user@>",
        "<user@example..com>",
        "<user@-example.com>",
        "<user@example.com.>",
        "<.user@example.com>",
        "<user.@example.com>",
        "<us er@example.com>",
        "<user@[300.1.1.1]>",
        "<user@[IPv6:zz]>",
        "<user@example.com",
        "<" + "a" * 65 + "@example.com>",
        "<a@" + "b" * 250 + ".com>",
        "<@a.example:>",
        "<@a.example,b@c.example>",
    ],
)
def test_invalid_paths(raw: str) -> None:
    with pytest.raises(AddressError):
        parse_path(raw, smtputf8=False)


@pytest.mark.parametrize(
    ("raw", "local", "domain", "route"),
    [
        (
            "<@relay.example,@b.example:user@c.example>",
            "user",
            "c.example",
            ("relay.example", "b.example"),
        ),
        ("<user%victim.example@example.com>", "user%victim.example", "example.com", ()),
        ("<victim.example!user@example.com>", "victim.example!user", "example.com", ()),
        ('<"user@victim.example"@example.com>', "user@victim.example", "example.com", ()),
        ("<user@[203.0.113.9]>", "user", "[203.0.113.9]", ()),
    ],
)
def test_relay_tricks_are_flagged(
    raw: str, local: str, domain: str, route: tuple[str, ...]
) -> None:
    path = parse_path(raw, smtputf8=False)
    assert path.relay_trick and not path.is_plain
    assert (path.local, path.domain, path.source_route) == (local, domain, route)


def test_plain_address_is_plain() -> None:
    path = parse_path('<"plain"@example.com>', smtputf8=False)
    assert path.is_plain and path.quoted and path.address == "plain@example.com"
    assert parse_path('<"a b"@x.example>', smtputf8=False).address == '"a b"@x.example'


def test_non_ascii_needs_smtputf8() -> None:
    with pytest.raises(AddressError) as info:
        parse_path("<jörg@example.com>", smtputf8=False)
    assert info.value.non_ascii
    path = parse_path("<jörg@bücher.example>", smtputf8=True)
    assert path.domain_ascii == "xn--bcher-kva.example"


def test_postmaster_only_when_allowed() -> None:
    assert parse_path("<postmaster>", smtputf8=False, postmaster_ok=True).domain == ""
    with pytest.raises(AddressError):
        parse_path("<postmaster>", smtputf8=False)


def test_split_path_honours_quotes() -> None:
    assert split_path('<"a>b"@x.example> SIZE=1') == ('<"a>b"@x.example>', " SIZE=1")
    with pytest.raises(AddressError):
        split_path("a@b")


def test_esmtp_params_and_xtext() -> None:
    assert parse_esmtp_params(" size=10 SMTPUTF8") == {"SIZE": "10", "SMTPUTF8": None}
    for bad in [" SIZE=1 SIZE=2", " =x", " A=", "SIZE=1", " A=b=c\x01"]:
        with pytest.raises(ValueError):
            parse_esmtp_params(bad)
    assert decode_xtext("a+2Bb+3D") == "a+b="
    for bad in ["a+2", "a=b", "a+ZZ"]:
        with pytest.raises(ValueError):
            decode_xtext(bad)
