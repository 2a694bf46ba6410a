"""Engine configuration: one TOML file plus ``MAILCORE_*`` environment overrides.

No configuration at all means the embedded default: SQLite (metadata, search,
queue and cache), a filesystem blob store and an in-process bus, all in one
data directory.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

import attrs

from mailcore.errors import ConfigError

ROLES = ("smtp", "submission", "submissions", "imap", "imaps", "http")
DEFAULT_LISTENERS: dict[str, tuple[str, int]] = {
    "smtp": ("127.0.0.1", 2525),
    "submission": ("127.0.0.1", 2587),
    "submissions": ("127.0.0.1", 2465),
    "imap": ("127.0.0.1", 2143),
    "imaps": ("127.0.0.1", 2993),
    "http": ("127.0.0.1", 8025),
}


def default_data_dir() -> Path:
    env = os.environ.get("MAILCORE_DATA_DIR")
    if env:
        return Path(env)
    return Path.home() / ".local" / "share" / "mailcore"


@attrs.frozen
class Listener:
    """A door the server opens: a role bound to an address.

    ``fds`` names listening sockets already bound to that address (by
    ``mailcore serve``'s supervisor, inherited by its worker processes): a
    door then serves those instead of binding, through
    :func:`mailcore.open_listeners`, and the kernel spreads the connections
    over every process that accepts on them.
    """

    role: str
    host: str
    port: int
    fds: tuple[int, ...] = attrs.field(default=(), kw_only=True)

    @classmethod
    def parse(cls, spec: str) -> Listener:
        """Parse ``ROLE=HOST:PORT`` (``HOST`` may be ``[::1]``)."""
        role, sep, addr = spec.partition("=")
        role = role.strip().lower()
        if not sep or role not in ROLES:
            raise ConfigError(f"listener {spec!r}: expected ROLE=HOST:PORT with ROLE one of {', '.join(ROLES)}")
        host, colon, port_text = addr.rpartition(":")
        if not colon or not port_text.isdigit() or not host:
            raise ConfigError(f"listener {spec!r}: expected ROLE=HOST:PORT")
        port = int(port_text)
        if not 0 <= port <= 65535:
            raise ConfigError(f"listener {spec!r}: port out of range")
        return cls(role, host.strip("[]"), port)


def _positive_int(_instance: object, attribute: attrs.Attribute[int], value: object) -> None:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ConfigError(f"[limits] {attribute.name} must be a positive whole number, not {value!r}")


def _positive_number(_instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if value <= 0:
        raise ConfigError(f"[limits] {attribute.name} must be positive, not {value!r}")


@attrs.frozen
class Limits:
    """Limits that protect the service from its users and peers."""

    max_message_size: int = attrs.field(default=50 * 1024 * 1024, validator=_positive_int)
    max_recipients: int = attrs.field(default=100, validator=_positive_int)
    max_connections_per_ip: int = attrs.field(default=20, validator=_positive_int)
    idle_timeout: float = attrs.field(default=300.0, converter=float, validator=_positive_number)
    max_literal_size: int = attrs.field(default=50 * 1024 * 1024, validator=_positive_int)
    upload_max_size: int = attrs.field(default=25 * 1024 * 1024, validator=_positive_int)
    #: SMTP message text line, CRLF included (RFC 5321 section 4.5.3.1.6: 1000).
    smtp_max_line_length: int = attrs.field(default=1000, validator=_positive_int)
    #: SMTP command line, CRLF included (RFC 5321 section 4.5.3.1.4: 512).
    smtp_max_command_length: int = attrs.field(default=512, validator=_positive_int)
    #: SMTP NOOP/RSET/VRFY/HELP/unknown commands allowed before a MAIL.
    smtp_max_commands_before_mail: int = attrs.field(default=25, validator=_positive_int)
    #: SMTP protocol errors per session before 421 and disconnect.
    smtp_max_errors: int = attrs.field(default=10, validator=_positive_int)
    #: Failed SMTP AUTH attempts per session before 421 and disconnect.
    smtp_max_auth_failures: int = attrs.field(default=3, validator=_positive_int)


MIGRATE_MODES = ("auto", "manual")


def _migrate_mode(_instance: object, _attribute: object, value: object) -> None:
    if value not in MIGRATE_MODES:
        raise ConfigError(f"[store] migrate must be one of {', '.join(MIGRATE_MODES)}, not {value!r}")


def _server_section(raw: Any, workers_env: str | None) -> dict[str, Any]:
    """``[server]``: ``workers`` (``MAILCORE_WORKERS`` overrides it) and ``shutdown_grace``."""
    if not isinstance(raw, dict):
        raise ConfigError("[server] must be a table")
    unknown = set(raw) - {"workers", "shutdown_grace"}
    if unknown:
        raise ConfigError(f"[server]: unknown key(s): {', '.join(sorted(unknown))}")
    out: dict[str, Any] = {}
    workers: object = raw.get("workers")
    if workers_env:
        workers = int(workers_env) if workers_env.strip().isdigit() else workers_env
    if workers is not None:
        if not isinstance(workers, int) or isinstance(workers, bool) or workers < 1:
            raise ConfigError(f"[server] workers must be a whole number of at least 1, not {workers!r}")
        out["workers"] = workers
    grace = raw.get("shutdown_grace")
    if grace is not None:
        if not isinstance(grace, int | float) or isinstance(grace, bool) or grace < 0:
            raise ConfigError(f"[server] shutdown_grace must be a number of seconds, not {grace!r}")
        out["shutdown_grace"] = float(grace)
    return out


@attrs.frozen
class StoreConfig:
    """Which adapter serves each storage role, with its options.

    ``meta``: ``sqlite`` (default) | ``postgres``; ``blob``: ``fs``;
    ``search``: ``sqlite`` (default) | ``postgres`` (in the same database
    and schema as the metadata, when both are there); ``bus``: ``sqlite``
    (default: shared by every process on the data directory) | ``memory``
    (one process only) | ``redis``; ``queue``: ``sqlite``; ``cache``:
    ``sqlite`` (default: shared by every process on the data directory) |
    ``memory`` (one process only) | ``redis``. Servers are named in ``options``: ``[store.postgres] url``
    (and ``schema``), ``[store.redis] url`` (and ``prefix``), which
    ``MAILCORE_POSTGRES_URL`` and ``MAILCORE_REDIS_URL`` override.

    ``migrate`` (``MAILCORE_STORE_MIGRATE``): ``auto`` (default) lets a store
    apply its pending schema migrations when it opens; ``manual`` makes it
    refuse to open a schema that is behind, so that an operator runs
    ``mailcore migrate`` at a moment of their choosing.
    """

    meta: str = "sqlite"
    blob: str = "fs"
    search: str = "sqlite"
    bus: str = "sqlite"
    queue: str = "sqlite"
    cache: str = "sqlite"
    options: dict[str, Any] = attrs.field(factory=dict)
    migrate: str = attrs.field(default="auto", validator=_migrate_mode)


@attrs.frozen
class Config:
    """Everything the engine and its doors need to know at start."""

    data_dir: Path = attrs.field(factory=default_data_dir, converter=Path)
    hostname: str = "localhost"
    stores: StoreConfig = attrs.field(factory=StoreConfig)
    limits: Limits = attrs.field(factory=Limits)
    listeners: tuple[Listener, ...] = ()
    tls_cert: Path | None = None
    tls_key: Path | None = None
    #: Seconds an idle MailboxActor stays activated before it is passivated.
    actor_idle_seconds: float = 300.0
    #: ``[server] workers``: processes ``mailcore serve`` runs (None: one per core).
    workers: int | None = None
    #: ``[server] shutdown_grace``: seconds a stopping server lets sessions
    #: finish what they are doing (an SMTP transaction, an IMAP command).
    shutdown_grace: float = 10.0
    #: argon2id cost; tests lower it, production keeps the library's defaults.
    argon2_time_cost: int = 3
    argon2_memory_cost: int = 65536

    @classmethod
    def load(cls, path: Path | None = None, *, data_dir: Path | None = None) -> Config:
        """Read a TOML file (optional) and apply ``MAILCORE_*`` overrides."""
        raw: dict[str, Any] = {}
        if path is None and os.environ.get("MAILCORE_CONFIG"):
            path = Path(os.environ["MAILCORE_CONFIG"])
        if path is not None:
            try:
                raw = tomllib.loads(Path(path).read_text())
            except OSError as exc:
                raise ConfigError(f"cannot read config {path}: {exc.strerror}") from exc
            except tomllib.TOMLDecodeError as exc:
                raise ConfigError(f"config {path}: {exc}") from exc
        return cls.from_mapping(raw, data_dir=data_dir)

    @classmethod
    def from_mapping(cls, raw: dict[str, Any], *, data_dir: Path | None = None) -> Config:
        env = os.environ
        kwargs: dict[str, Any] = {}
        if data_dir is not None:
            kwargs["data_dir"] = data_dir
        elif "data_dir" in raw:
            kwargs["data_dir"] = Path(raw["data_dir"])
        elif env.get("MAILCORE_DATA_DIR"):
            kwargs["data_dir"] = Path(env["MAILCORE_DATA_DIR"])
        hostname = env.get("MAILCORE_HOSTNAME") or raw.get("hostname")
        if hostname:
            kwargs["hostname"] = str(hostname)
        store_raw = dict(raw.get("store", {}))
        for role in ("meta", "blob", "search", "bus", "queue", "cache"):
            value = env.get(f"MAILCORE_STORE_{role.upper()}")
            if value:
                store_raw[role] = value
        migrate = store_raw.pop("migrate", "auto")
        migrate = env.get("MAILCORE_STORE_MIGRATE") or migrate
        options = {k: dict(v) for k, v in store_raw.items() if isinstance(v, dict)}
        for server in ("postgres", "redis"):
            url = env.get(f"MAILCORE_{server.upper()}_URL")
            if url:
                options.setdefault(server, {})["url"] = url
        roles = {k: str(v) for k, v in store_raw.items() if not isinstance(v, dict)}
        unknown = set(roles) - {"meta", "blob", "search", "bus", "queue", "cache"}
        if unknown:
            raise ConfigError(f"unknown store role(s): {', '.join(sorted(unknown))}")
        kwargs["stores"] = StoreConfig(**roles, options=options, migrate=str(migrate).lower())
        try:
            kwargs["limits"] = Limits(**raw.get("limits", {}))
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"[limits]: {exc}") from exc
        listeners = [Listener.parse(spec) for spec in raw.get("listen", [])]
        if env.get("MAILCORE_LISTEN"):
            listeners = [Listener.parse(s) for s in env["MAILCORE_LISTEN"].split(",") if s.strip()]
        kwargs["listeners"] = tuple(listeners)
        tls = raw.get("tls", {})
        if tls.get("cert"):
            kwargs["tls_cert"] = Path(tls["cert"])
        if tls.get("key"):
            kwargs["tls_key"] = Path(tls["key"])
        if "actor_idle_seconds" in raw:
            try:
                kwargs["actor_idle_seconds"] = float(raw["actor_idle_seconds"])
            except (TypeError, ValueError) as exc:
                raise ConfigError(f"actor_idle_seconds must be a number, not {raw['actor_idle_seconds']!r}") from exc
        kwargs.update(_server_section(raw.get("server", {}), env.get("MAILCORE_WORKERS")))
        return cls(**kwargs)

    def effective_listeners(self) -> tuple[Listener, ...]:
        if self.listeners:
            return self.listeners
        return tuple(Listener(role, h, p) for role, (h, p) in DEFAULT_LISTENERS.items())
