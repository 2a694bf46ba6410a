"""TLS for every door: one server context, and how a session is described.

``server_context(config)`` loads ``config.tls_cert``/``config.tls_key``; with
neither given it uses a self-signed pair kept in ``<data_dir>/tls/``,
generating it on first use (and logging that it did), so that a fresh
``mailcore serve`` offers STARTTLS, SMTPS and IMAPS at once.  TLS 1.2 is
the floor.

``describe(ssl_object)`` is the text a Received header records, such as
``TLS1.3 cipher TLS_AES_256_GCM_SHA384``.
"""

from __future__ import annotations

import datetime
import fcntl
import ipaddress
import logging
import os
import ssl
from pathlib import Path
from typing import Protocol

from mailcore._config import Config
from mailcore.errors import ConfigError

log = logging.getLogger("mailcore.tls")

#: Where the self-signed pair lives, under the data directory.
SELF_SIGNED_DIR = "tls"
SELF_SIGNED_CERT = "selfsigned-cert.pem"
SELF_SIGNED_KEY = "selfsigned-key.pem"
_VALIDITY = datetime.timedelta(days=825)


class _TLSObject(Protocol):
    def version(self) -> str | None: ...

    def cipher(self) -> tuple[str, str, int] | None: ...


def server_context(config: Config) -> ssl.SSLContext:
    """A server-side context: TLS >= 1.2, the configured or self-signed pair.

    Raises ``ConfigError`` when only one of cert and key is configured, or
    when they cannot be loaded.
    """
    cert, key = config.tls_cert, config.tls_key
    if (cert is None) != (key is None):
        raise ConfigError("tls: give both cert and key, or neither")
    if cert is None or key is None:
        cert, key = self_signed_pair(config)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_CIPHER_SERVER_PREFERENCE
    # Each session keeps less memory without the ticket/renegotiation state.
    context.options |= ssl.OP_NO_RENEGOTIATION
    try:
        context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError(f"tls: cannot load {cert} / {key}: {exc}") from exc
    return context


def self_signed_pair(config: Config) -> tuple[Path, Path]:
    """The self-signed certificate and key for ``config``, made if missing.

    Nodes sharing a data directory may start at once: a file lock lets one
    of them make the pair while the others wait and then load the same one.
    """
    directory = Path(config.data_dir) / SELF_SIGNED_DIR
    cert, key = directory / SELF_SIGNED_CERT, directory / SELF_SIGNED_KEY
    if cert.exists() and key.exists():
        return cert, key
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    with open(directory / ".lock", "ab") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        if cert.exists() and key.exists():  # another process made it meanwhile
            return cert, key
        cert_pem, key_pem = _generate(config.hostname)
        _write(key, key_pem, 0o600)
        _write(cert, cert_pem, 0o644)
    log.warning(
        "no TLS certificate configured: generated a self-signed one for %s in %s "
        "(set [tls] cert and key for a real one)",
        config.hostname,
        directory,
    )
    return cert, key


def _write(path: Path, data: bytes, mode: int) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def _generate(hostname: str) -> tuple[bytes, bytes]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)])
    dns_names = list(dict.fromkeys([hostname, "localhost"]))
    alt_names: list[x509.GeneralName] = [x509.DNSName(n) for n in dns_names]
    alt_names.append(x509.IPAddress(ipaddress.ip_address("127.0.0.1")))
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + _VALIDITY)
        .add_extension(x509.SubjectAlternativeName(alt_names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_pem = certificate.public_bytes(serialization.Encoding.PEM)
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return cert_pem, key_pem


def describe(ssl_object: _TLSObject) -> str:
    """``"TLS1.3 cipher TLS_AES_256_GCM_SHA384"`` for an established session."""
    version = (ssl_object.version() or "TLS").replace("TLSv", "TLS")
    cipher = ssl_object.cipher()
    if cipher is None:
        return version
    return f"{version} cipher {cipher[0]}"
