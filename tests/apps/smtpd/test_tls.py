"""``mailcore.tls``: the shared server context and the self-signed pair."""

from __future__ import annotations

import ipaddress
import logging
import ssl
import stat
import threading
import warnings
from pathlib import Path

import pytest
import trio
from cryptography import x509

import mailcore
from mailcore import tls
from tests.apps.smtpd.client import Client, Ports
from tests.conftest import make_config


def test_self_signed_pair_is_generated_once_with_private_key(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    config = make_config(tmp_path / "data", hostname="mx.example.com")
    with caplog.at_level(logging.WARNING, logger="mailcore.tls"):
        context = tls.server_context(config)
    assert "self-signed" in caplog.text
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    cert_path = tmp_path / "data" / "tls" / tls.SELF_SIGNED_CERT
    key_path = tmp_path / "data" / "tls" / tls.SELF_SIGNED_KEY
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(san.get_values_for_type(x509.DNSName)) == {"mx.example.com", "localhost"}
    assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]
    before = cert_path.read_bytes()
    caplog.clear()
    tls.server_context(config)
    assert cert_path.read_bytes() == before and "self-signed" not in caplog.text


def _start_at_once(config: mailcore.Config, nodes: int) -> tuple[list[bytes], list[BaseException]]:
    """Open ``nodes`` TLS contexts on one fresh data directory at the same moment."""
    start = threading.Barrier(nodes)
    loaded: list[bytes] = []
    failures: list[BaseException] = []

    def node() -> None:
        start.wait()
        try:
            tls.server_context(config)
            loaded.append((config.data_dir / "tls" / tls.SELF_SIGNED_CERT).read_bytes())
        except BaseException as exc:  # noqa: BLE001 - reported by the caller
            failures.append(exc)

    threads = [threading.Thread(target=node) for _ in range(nodes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return loaded, failures


def test_nodes_starting_at_once_on_one_data_directory_share_one_pair(tmp_path: Path) -> None:
    """Two nodes on a shared data directory may both find no pair at start;
    each must load a certificate that matches its key, and the same one."""
    for attempt in range(10):
        loaded, failures = _start_at_once(make_config(tmp_path / f"data{attempt}"), 4)
        assert not failures, failures
        assert len(set(loaded)) == 1


def test_configured_certificate_is_used(tmp_path: Path) -> None:
    elsewhere = make_config(tmp_path / "other")
    cert, key = tls.self_signed_pair(elsewhere)
    config = make_config(tmp_path / "data", tls_cert=cert, tls_key=key)
    tls.server_context(config)
    assert not (tmp_path / "data" / "tls").exists()
    with pytest.raises(mailcore.ConfigError):
        tls.server_context(make_config(tmp_path / "data", tls_cert=cert))
    with pytest.raises(mailcore.ConfigError):
        tls.server_context(make_config(tmp_path / "data", tls_cert=key, tls_key=key))


async def test_tls_1_2_is_accepted_and_described(smtpd: Ports, engine: mailcore.Engine) -> None:
    with trio.fail_after(10):
        ctx = ssl._create_unverified_context()
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        c = await Client.connect(smtpd.smtp)
        await c.greet()
        await c.starttls(ctx)
        await c.command("EHLO client.test")
        assert (await c.command("MAIL FROM:<alice@ext.org>")).code == 250
        assert (await c.command("RCPT TO:<bob@example.com>")).code == 250
        assert (await c.command("DATA")).code == 354
        assert (await c.command(b"Subject: tls12\r\n\r\nhi\r\n.")).code == 250
        account = await engine.get_account("bob@example.com")
        [(_, message_id)] = await engine.label_uids(account.id, "INBOX")
        raw = await engine.message_bytes(account.id, message_id)
        assert b"with ESMTPS id" in raw and b"(TLS1.2 cipher " in raw


async def test_tls_below_1_2_is_refused(smtpd: Ports) -> None:
    with trio.fail_after(10):
        ctx = ssl._create_unverified_context()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                ctx.minimum_version = ssl.TLSVersion.TLSv1
                ctx.maximum_version = ssl.TLSVersion.TLSv1_1
            ctx.set_ciphers("ALL:@SECLEVEL=0")
        except (ValueError, ssl.SSLError):
            pytest.skip("this OpenSSL cannot even offer TLS 1.1")
        c = await Client.connect(smtpd.smtp)
        await c.greet()
        with pytest.raises(trio.BrokenResourceError):
            await c.starttls(ctx)


def test_describe() -> None:
    class Fake:
        def version(self) -> str:
            return "TLSv1.3"

        def cipher(self) -> tuple[str, str, int]:
            return ("TLS_AES_256_GCM_SHA384", "TLSv1.3", 256)

    assert tls.describe(Fake()) == "TLS1.3 cipher TLS_AES_256_GCM_SHA384"
